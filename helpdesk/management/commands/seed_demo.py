import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from helpdesk.workspace_config import workspace_import
from workspaces.models import Workspace

DEMO_DOCUMENT = Path(__file__).resolve().parents[2] / "demo_workspace.json"


class Command(BaseCommand):
    help = "Seed the demo workspace (admin/admin, agent1..3). Demo mode only; once, unless --force."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Re-apply the demo configuration over changes.")

    @transaction.atomic
    def handle(self, *args, force: bool = False, **options):
        if not settings.DEMO_MODE:
            raise CommandError("seed_demo only runs in demo mode (HELPDESK_DEMO=1); never in production.")
        workspace = Workspace.objects.filter(slug="demo").first()
        if workspace is not None and not force:
            self.stdout.write("Demo workspace already seeded (use --force to re-apply).")
            return
        User = get_user_model()
        admin = User.objects.filter(username="admin").first() or User(username="admin")
        admin.is_staff = admin.is_superuser = admin.is_active = True
        admin.set_password("admin")
        admin.save()
        if workspace is None:
            workspace = Workspace.objects.create(name="Northwind Outfitters", slug="demo")
        document = json.loads(DEMO_DOCUMENT.read_text(encoding="utf-8"))
        for flow in document.get("flows", []):  # the demo order lookup lives on this very server
            for node in flow["nodes"]:
                if node["type"] == "webhook":
                    node["config"]["url"] = node["config"]["url"].replace(
                        "http://127.0.0.1:8000", settings.PUBLIC_BASE_URL.rstrip("/"))
        workspace_import(document=document, workspace=workspace)
        self.stdout.write(self.style.SUCCESS(
            "Seeded the demo workspace: admin/admin, agent1/agent1, agent2/agent2, agent3/agent3."))
