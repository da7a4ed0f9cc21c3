"""The build step pyproject.toml cannot state: the wheel carries the site's templates and static files.

They live outside the package (DESIGN.md: `templates/`, `static/`, and npm's `node_modules/`),
so `build_py` copies them into the built package as `helpdesk/site/` (see helpdesk/site_paths.py,
which settings use to find them). Build from a checkout after `make install` (node_modules).
"""
import runpy
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
VENDOR = runpy.run_path(str(ROOT / "helpdesk" / "site_paths.py"))["VENDOR"]


class BuildPyWithSite(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads the checkout's folders
            return
        site = Path(self.build_lib) / "helpdesk" / "site"
        if site.exists():
            shutil.rmtree(site)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store")
        shutil.copytree(ROOT / "templates", site / "templates", ignore=ignore)
        shutil.copytree(ROOT / "static", site / "static", ignore=ignore)
        for name, sub in VENDOR.items():
            source = ROOT / "node_modules" / sub
            if not source.is_dir():
                raise SystemExit(f"setup.py: {source} is missing; run `make install` (npm ci) before building")
            shutil.copytree(source, site / "static" / "vendor" / name, ignore=ignore)


setup(cmdclass={"build_py": BuildPyWithSite})
