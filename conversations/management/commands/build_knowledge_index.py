from django.core.management.base import BaseCommand

from conversations import knowledge
from workspaces.models import Workspace


class Command(BaseCommand):
    help = ("Build the assistant's knowledge index of every workspace whose index is missing or older than its "
            "articles (`make run` does this before serving); --all rebuilds every one.")

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Rebuild every workspace's index.")

    def handle(self, *args, all: bool = False, **options):
        workspaces = list(Workspace.objects.order_by("pk")) if all else knowledge.workspaces_without_ready_index()
        for workspace in workspaces:
            row = knowledge.knowledge_reindex(workspace=workspace)
            self.stdout.write(f"Indexed {row.article_count} articles of workspace {workspace.slug!r} (v{row.version}).")
        if not workspaces:
            self.stdout.write("Every knowledge index is up to date.")
