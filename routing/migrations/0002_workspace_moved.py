from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    """The workspace foreign keys now name workspaces.Workspace; same table, so the database is untouched."""

    dependencies = [
        ("routing", "0001_initial"),
        ("workspaces", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="specialty",
                    name="workspace",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="specialties", to="workspaces.workspace"),
                ),
                migrations.AlterField(
                    model_name="handoffpolicy",
                    name="workspace",
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="policy", to="workspaces.workspace"),
                ),
                migrations.AlterField(
                    model_name="team",
                    name="workspace",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="teams", to="workspaces.workspace"),
                ),
                migrations.AlterField(
                    model_name="agentprofile",
                    name="workspace",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="agents", to="workspaces.workspace"),
                ),
            ],
            database_operations=[],
        ),
    ]
