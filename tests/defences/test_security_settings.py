"""Production settings pass Django's deployment checks, and every page carries a CSP."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HELPDESK_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DATABASE_URL": "postgres://helpdesk:secret@db.internal:5432/helpdesk",  # never connected to by checks
        "REDIS_URL": "redis://redis.internal:6379/0",
        "SECRET_KEY": "a" * 20 + "-production-key-of-fifty-plus-random-chars-9f3k2",
        "ALLOWED_HOSTS": "help.example.com",
    })
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("path", ["/", "/login/", "/healthz", "/admin/login/", "/api/v1/docs/"])
def test_every_page_has_a_content_security_policy(client, db, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("path", ["/", "/login/"])
def test_pages_link_the_icon_and_favicon_ico_leads_to_it(client, db, path):
    """Browsers ask for /favicon.ico on pages that link no icon (the admin's): it must not be a 404."""
    page = client.get(path)
    assert page.status_code == 200
    icon = client.get("/favicon.ico")
    assert icon.status_code == 302
    assert f'<link rel="icon" href="{icon["Location"]}" type="image/svg+xml">' in page.content.decode()
    served = client.get(icon["Location"])
    assert served.status_code == 200 and served["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(served.streaming_content if served.streaming else [served.content])
