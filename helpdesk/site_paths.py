"""Where the site's templates and static files are: the checkout's folders, or the copies a wheel carries.

In a checkout they are `templates/`, `static/` and the npm packages under `node_modules/`
(DESIGN.md's layout). A wheel has no checkout around it, so `setup.py`'s build step copies the
same files into the package as `helpdesk/site/templates` and `helpdesk/site/static` (the npm
files under `static/vendor/<name>/`). Imports nothing, so `setup.py` can read `VENDOR` too.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parent
PACKAGED_SITE_DIR = PACKAGE_DIR / "site"
# npm package -> its folder served as static `vendor/<package>/` (templates use e.g. vendor/chart.js/chart.umd.js)
VENDOR = {"drawflow": "drawflow/dist", "chart.js": "chart.js/dist", "lit-html": "lit-html"}


def in_checkout() -> bool:
    """Running from a source checkout (manage.py beside the package), not from an installed wheel."""
    return (CHECKOUT_DIR / "manage.py").is_file() and (CHECKOUT_DIR / "templates").is_dir()


def template_dirs() -> list[Path]:
    return [CHECKOUT_DIR / "templates" if in_checkout() else PACKAGED_SITE_DIR / "templates"]


def static_dirs() -> list:
    """STATICFILES_DIRS: the site's static folder, plus the npm packages' folders in a checkout."""
    if not in_checkout():
        return [PACKAGED_SITE_DIR / "static"]  # vendor/ is inside it
    dirs: list = [CHECKOUT_DIR / "static"]
    node_modules = CHECKOUT_DIR / "node_modules"
    for name, sub in VENDOR.items():
        if (node_modules / sub).is_dir():
            dirs.append((f"vendor/{name}", node_modules / sub))
    return dirs


def default_static_root() -> Path:
    """Where collectstatic writes when STATIC_ROOT is not set: the checkout, else the working folder."""
    return (CHECKOUT_DIR if in_checkout() else Path.cwd()) / "staticfiles"
