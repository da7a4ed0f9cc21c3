from django.db import migrations, models


class Migration(migrations.Migration):
    """A run started by a message that asks more than the flow is for answers the rest: by a code, or by keywords in a
    message of several sentences (the field's new name says which message, not how it started)."""

    dependencies = [("flows", "0004_run_started_by_code")]

    operations = [
        migrations.RenameField(model_name="flowrun", old_name="started_by_code_in", new_name="answers_rest_of"),
        migrations.AlterField(
            model_name="flowrun", name="answers_rest_of",
            field=models.BigIntegerField(
                blank=True, null=True,
                help_text="The visitor message that started the run and asks more than the flow is for (a code started "
                          "it, not its words, or it has several sentences), until that is answered, once the run no "
                          "longer waits for the visitor.")),
    ]
