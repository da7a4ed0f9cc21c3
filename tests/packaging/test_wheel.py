"""The wheel is the deployable: it carries what the app reads at run time, and runs from a plain
`pip install` plus the environment, outside the checkout."""
from __future__ import annotations

import json
import subprocess
import zipfile

from tests.packaging.conftest import ROOT

DATA_FILES = [
    "helpdesk/demo_workspace.json",
    "flows/demo_flows.json",
    "conversations/assistant/training_data/bitext_train_val.jsonl",
    "conversations/assistant/checksets/human_request_multilingual.jsonl",
]
DEPLOY_ENV = {"SECURE_HSTS_SECONDS": "31536000", "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
              "SECURE_HSTS_PRELOAD": "true", "SECURE_SSL_REDIRECT": "true"}


def _tracked(folder: str) -> list[str]:
    out = subprocess.run(["git", "ls-files", folder], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line]


def test_the_wheel_carries_templates_static_files_and_data(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    site_files = _tracked("templates") + _tracked("static")
    assert len(site_files) > 10
    missing = [f for f in site_files if f"helpdesk/site/{f}" not in names]
    assert not missing, f"not in the wheel: {missing}"
    for vendored in ("vendor/drawflow/drawflow.min.js", "vendor/drawflow/drawflow.min.css",
                     "vendor/chart.js/chart.umd.js", "vendor/lit-html/lit-html.js",
                     "vendor/lit-html/directives/repeat.js"):
        assert f"helpdesk/site/static/{vendored}" in names
    assert not [f for f in DATA_FILES if f not in names]
    assert any(n.startswith("routing/migrations/0001") for n in names)
    assert not any(n.startswith("tests/") for n in names)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "helpdesk = helpdesk.cli:main" in zipfile.ZipFile(installed.wheel).read(entry_points).decode()


def test_the_installed_package_is_the_one_that_runs(installed, production_env):
    done = installed.run("python", "-c", "import helpdesk, flows; print(helpdesk.__file__); print(flows.__file__)",
                         env=production_env)
    assert done.returncode == 0, done.stderr
    for path in done.stdout.split():
        assert path.startswith(str(installed.venv)) and not path.startswith(str(ROOT)), path


def test_check_deploy_passes_with_a_production_environment(installed, production_env):
    done = installed.run("helpdesk", "check", "--deploy", "--fail-level", "WARNING",
                         env={**production_env, **DEPLOY_ENV})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_check_deploy_names_what_production_lacks(installed, production_env):
    # HSTS is on by default in production; an operator who turns it off is told.
    without_hsts = {**{k: v for k, v in DEPLOY_ENV.items() if not k.startswith("SECURE_HSTS")},
                    "SECURE_HSTS_SECONDS": "0"}
    done = installed.run("helpdesk", "check", "--deploy", "--fail-level", "WARNING",
                         env={**production_env, **without_hsts})
    assert done.returncode != 0
    assert "security.W004" in done.stderr + done.stdout  # SECURE_HSTS_SECONDS


def test_production_refuses_to_start_without_a_secret_key(installed, production_env):
    env = {k: v for k, v in production_env.items() if k != "SECRET_KEY"}
    done = installed.run("helpdesk", "check", env=env)
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stderr


def test_collectstatic_writes_content_hashed_compressed_files(collected_static):
    manifest = json.loads((collected_static / "staticfiles.json").read_text())["paths"]
    for source in ("inbox/inbox.js", "site/site.css", "widget/widget.js", "vendor/chart.js/chart.umd.js",
                   "vendor/drawflow/drawflow.min.js", "admin/css/base.css"):
        hashed = manifest[source]
        stem, ext = source.rsplit(".", 1)
        assert hashed != source and hashed.startswith(stem + ".") and hashed.endswith("." + ext), hashed
        assert (collected_static / hashed).is_file()
        assert (collected_static / f"{hashed}.gz").is_file()  # whitenoise serves the compressed copy
