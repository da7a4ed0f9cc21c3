from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    """The workspace foreign keys now name workspaces.Workspace; same table, so the database is untouched."""

    dependencies = [
        ("conversations", "0003_analytics_indexes"),
        ("workspaces", "0001_initial"),
        ("routing", "0002_workspace_moved"),
        ("flows", "0002_workspace_moved"),
        ("csat", "0002_workspace_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="contact",
                    name="workspace",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="contacts", to="workspaces.workspace"),
                ),
                migrations.AlterField(
                    model_name="conversation",
                    name="workspace",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="conversations", to="workspaces.workspace"),
                ),
                migrations.AlterField(
                    model_name="knowledgearticle",
                    name="workspace",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="articles", to="workspaces.workspace"),
                ),
                migrations.AlterField(
                    model_name="knowledgeindex",
                    name="workspace",
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="knowledge_index", to="workspaces.workspace"),
                ),
                migrations.DeleteModel(name="Workspace"),
            ],
            database_operations=[],
        ),
    ]
