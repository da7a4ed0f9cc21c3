import json
import sys

from django.core.management.base import BaseCommand, CommandError

from helpdesk.workspace_config import workspace_export
from workspaces.models import Workspace


class Command(BaseCommand):
    help = "Write the workspace configuration (agents, teams, policy, knowledge base, flows) as one JSON file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to write, or - for standard output.")
        parser.add_argument("--workspace", help="Workspace slug (default: the first workspace).")

    def handle(self, *args, file: str, workspace: str | None = None, **options):
        qs = Workspace.objects.order_by("id")
        ws = qs.filter(slug=workspace).first() if workspace else qs.first()
        if ws is None:
            raise CommandError("No such workspace." if workspace else "There is no workspace yet.")
        text = json.dumps(workspace_export(workspace=ws), indent=2, ensure_ascii=False) + "\n"
        if file == "-":
            sys.stdout.write(text)
        else:
            with open(file, "w", encoding="utf-8") as fh:
                fh.write(text)
            self.stdout.write(self.style.SUCCESS(f"Exported workspace {ws.slug!r} to {file}"))
