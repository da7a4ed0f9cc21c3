"""What every channel hook shares: the error shape, the workspace a hook is for, HMAC checks."""
from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.http import JsonResponse

from workspaces.models import Workspace


# The assistant cites help articles by their path on this site (knowledge.article_url): the widget's
# page resolves it, but a mail or a text message needs the whole address.
SITE_PATH = re.compile(r"(?<![\w/.:])/help/\d+/\d+/")


def absolute_links(text: str) -> str:
    return SITE_PATH.sub(lambda m: settings.PUBLIC_BASE_URL.rstrip("/") + m.group(0), text)


def hook_error(status: int, code: str, message: str) -> JsonResponse:
    """API.md's error envelope."""
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


def hook_workspace(request) -> Workspace | None:
    """`?workspace=<slug>` names it; without it, the default (first) workspace, as the widget does."""
    slug = request.GET.get("workspace")
    if slug:
        return Workspace.objects.filter(slug=slug).first()
    return Workspace.objects.order_by("id").first()


def hmac_sha256_valid(secret: str, body: bytes, signature_hex: str) -> bool:
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return bool(signature_hex) and hmac.compare_digest(expected, signature_hex.strip().lower())
