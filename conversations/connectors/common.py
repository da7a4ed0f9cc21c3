"""What every channel hook shares: the error shape, the workspace a hook is for, HMAC checks."""
from __future__ import annotations

import hashlib
import hmac

from django.http import JsonResponse

from workspaces.models import Workspace


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
