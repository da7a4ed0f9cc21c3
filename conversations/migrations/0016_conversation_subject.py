import re

from django.db import migrations, models

# "Re:", "Fwd:" and our "[#12-<sig>]" token, as connectors/email.py reads a subject
_PREFIXES = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|tr|rv|enc)\s*:\s*|\[#\d+-[\w-]+\]\s*)+", re.IGNORECASE)


def subjects_of_email_conversations(apps, schema_editor):
    """Email conversations opened before the field: the subject of their first message."""
    Conversation = apps.get_model("conversations", "Conversation")
    Message = apps.get_model("conversations", "Message")
    for conversation in Conversation.objects.filter(channel="email", subject="").iterator():
        first = (Message.objects.filter(conversation=conversation, sender_type="visitor", metadata__has_key="email")
                 .order_by("id").values_list("metadata", flat=True).first())
        subject = _PREFIXES.sub("", str(((first or {}).get("email") or {}).get("subject") or "")).strip()
        if subject:
            Conversation.objects.filter(pk=conversation.pk).update(subject=subject[:300])


class Migration(migrations.Migration):

    dependencies = [
        ('conversations', '0015_missed_replies_by_email'),
    ]

    operations = [
        migrations.AddField(
            model_name='conversation',
            name='subject',
            field=models.CharField(blank=True, default='', max_length=300),
        ),
        migrations.RunPython(subjects_of_email_conversations, migrations.RunPython.noop),
    ]
