from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('conversations', '0009_merge_channels_and_workspace'),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='turn_claim_worker',
            field=models.CharField(blank=True, default='', help_text='The worker holding the claim: its node name and a per-start id (a restart releases it).', max_length=255),
        ),
        migrations.AddField(
            model_name='message',
            name='turn_requeued_at',
            field=models.DateTimeField(blank=True, help_text='When the sweep last queued the turn again (a backlog is queued once).', null=True),
        ),
    ]
