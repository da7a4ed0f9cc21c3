from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    """The workspace foreign keys now name workspaces.Workspace; same table, so the database is untouched."""

    dependencies = [
        ("csat", "0001_initial"),
        ("workspaces", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="survey",
                    name="workspace",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="surveys", to="workspaces.workspace"),
                ),
            ],
            database_operations=[],
        ),
    ]
