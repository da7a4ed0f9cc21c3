"""Every page runs under its Content-Security-Policy with nothing blocked, and the widget
still works when embedded on another site (another origin, with a CSP of its own)."""
from __future__ import annotations

import http.server
import threading

import pytest
from playwright.sync_api import expect

from conversations.models import KnowledgeArticle
from tests.e2e.conftest import login, seed_demo_workspace

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIOLATIONS_INIT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


def watched_page(context):
    page = context.new_page()
    page.add_init_script(VIOLATIONS_INIT)
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)
    return page, console


def test_every_page_runs_under_its_policy_without_violations(live_stack, new_context):
    base = live_stack["url"]
    from django.contrib.auth import get_user_model

    workspace = seed_demo_workspace()
    admin = get_user_model().objects.get(username="admin")  # the demo's admin agent, as seed_demo makes it
    admin.is_staff = admin.is_superuser = True
    admin.set_password("admin")
    admin.save()
    article = KnowledgeArticle.objects.filter(workspace=workspace).first()
    page, console = watched_page(new_context())

    page.goto(f"{base}/")
    page.locator("[data-testid=demo-open-chat]").click()  # the button's handler is a file, not onclick
    expect(page.locator("[data-testid=widget-panel]")).to_be_visible()
    expect(page.locator("[data-testid=widget-connection]")).to_have_attribute("data-state", "online")
    pages = ["/", f"/help/{workspace.pk}/{article.pk}/", "/login/"]
    login(page, base, "admin", "admin")
    from routing.models import HandoffPolicy

    policy_id = HandoffPolicy.objects.get(workspace=workspace).pk  # its inlines: topics, gather fields
    pages += ["/inbox/", "/analytics/", "/flows/", "/admin/", "/admin/conversations/conversation/", "/admin/channels/",
              f"/admin/routing/handoffpolicy/{policy_id}/change/", "/admin/routing/handoffpolicy/add/"]
    for path in pages:
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == [], (path, page.evaluate("window.__csp"))
    expect(page.locator("body")).not_to_be_empty()
    assert console == []


def test_the_periodic_task_admin_form_runs_its_script_under_the_policy(live_stack, new_context):
    """django-celery-beat's add/change form: its crontab help says the schedule in words, and the
    read-only translation field is hidden, from a static script (its inline one is refused)."""
    from django.contrib.auth import get_user_model
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    base = live_stack["url"]
    get_user_model().objects.create_superuser("beatadmin", "beat@example.com", "beat-admin-pw")
    nightly = CrontabSchedule.objects.create(minute="0", hour="4")
    task = PeriodicTask.objects.create(name="nightly check", task="conversations.tasks.sweep_turns_task",
                                       crontab=nightly)
    page, console = watched_page(new_context())
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    login(page, base, "beatadmin", "beat-admin-pw")

    for path in ("/admin/django_celery_beat/periodictask/add/",
                 f"/admin/django_celery_beat/periodictask/{task.pk}/change/"):
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == [], (path, page.evaluate("window.__csp"))
        expect(page.locator(".field-crontab_translation")).to_be_hidden()
        page.select_option("#id_crontab", str(nightly.pk))
        expect(page.locator(".field-crontab .help")).to_contain_text(f"Translation: {nightly.human_readable}")
    assert console == [] and missing == [], (console, missing)


def test_the_widget_works_embedded_on_another_site_with_its_own_csp(live_stack, new_context):
    base = live_stack["url"]
    seed_demo_workspace()
    ws_base = base.replace("http://", "ws://")
    host_page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Another shop</title></head>
<body><h1>Another shop</h1>
<script src="{base}/static/widget/widget.js" data-title="Shop help" async></script></body></html>""".encode()
    policy = f"default-src 'self'; script-src 'self' {base}; connect-src 'self' {base} {ws_base}; style-src 'self'"

    class HostSite(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", policy)
            self.end_headers()
            self.wfile.write(host_page)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HostSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page, console = watched_page(new_context())
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        page.locator("[data-testid=widget-launcher]").click()
        expect(page.locator("[data-testid=widget-connection]")).to_have_attribute("data-state", "online",
                                                                                   timeout=20_000)
        page.locator("[data-testid=widget-input]").fill("How long does standard shipping take to Portugal?")
        page.locator("[data-testid=widget-send]").click()
        ai = page.locator("[data-testid=widget-message][data-sender-type=ai]")
        expect(ai.last).to_contain_text("working days", timeout=30_000)
        assert page.evaluate("window.__csp") == []
        assert console == []
    finally:
        server.shutdown()
