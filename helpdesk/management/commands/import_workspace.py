import json

from django.core.management.base import BaseCommand, CommandError

from helpdesk.workspace_config import WorkspaceDocumentError, workspace_import
from workspaces.models import Workspace


class Command(BaseCommand):
    help = "Replace the workspace configuration with a JSON document; an invalid document changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the JSON document.")
        parser.add_argument("--workspace", help="Workspace slug (default: the first workspace; created if none).")

    def handle(self, *args, file: str, workspace: str | None = None, **options):
        try:
            with open(file, encoding="utf-8") as fh:
                document = json.load(fh)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from None
        ws = Workspace.objects.filter(slug=workspace).first() if workspace else None
        if workspace and ws is None:
            raise CommandError(f"No workspace {workspace!r}.")
        try:
            ws = workspace_import(document=document, workspace=ws)
        except WorkspaceDocumentError as exc:
            lines = "\n".join(f"  {path}: {message}" for path, message in exc.errors.items())
            raise CommandError(f"Invalid workspace document, nothing changed:\n{lines}") from None
        self.stdout.write(self.style.SUCCESS(f"Imported {file} into workspace {ws.slug!r}"))
