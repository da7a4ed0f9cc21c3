from django.db import migrations, models


def move_content_type(apps, schema_editor):
    """Admin permissions and log entries point at the content type: it moves with the model."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="workspaces", model="workspace").exists():
        ContentType.objects.filter(app_label="conversations", model="workspace").update(app_label="workspaces")


def restore_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="conversations", model="workspace").exists():
        ContentType.objects.filter(app_label="workspaces", model="workspace").update(app_label="conversations")


class Migration(migrations.Migration):
    """Workspace moves out of conversations into its own app. Only Django's model state moves:
    the table stays conversations_workspace (created by conversations 0001), so no row changes."""

    initial = True

    dependencies = [
        ("conversations", "0003_analytics_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Workspace",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100)),
                        ("slug", models.SlugField(unique=True)),
                        ("greeting", models.TextField(blank=True, default="Hi! I'm the virtual assistant. Ask me anything — I can also get you a person.", help_text="First message of every new widget conversation. Empty: no greeting.")),
                        ("assistant_name", models.CharField(default="AI assistant", help_text="Shown to visitors next to AI messages.", max_length=60)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={"db_table": "conversations_workspace"},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, restore_content_type),
    ]
