"""Server-rendered flow pages: the builder (staff only) and the demo order-status webhook."""
from __future__ import annotations

import hmac
import json
import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from flows import selectors
from flows.document import BUILTIN_INTENTS, TRIGGER_KINDS
from flows.nodes import NODE_TYPES
from flows.tasks import sign
from routing.selectors import agent_profile_for

# The demo's order-status flow signs its webhook with this secret (flows/demo_flows.json).
DEMO_WEBHOOK_SECRET: str = getattr(settings, "FLOWS_DEMO_WEBHOOK_SECRET", "northwind-demo-webhook")

# Fixed demo orders; any other well-formed number is "not found" (the flow then hands off).
DEMO_ORDERS = {
    "NW-10001": {"status": "shipped", "carrier": "DHL", "eta": "in 2 working days",
                 "tracking_url": "https://tracking.example.org/NW-10001"},
    "NW-10002": {"status": "processing", "carrier": "", "eta": "ships tomorrow", "tracking_url": ""},
    "NW-10003": {"status": "delivered", "carrier": "UPS", "eta": "delivered on Monday",
                 "tracking_url": "https://tracking.example.org/NW-10003"},
}
# The same words in the conversation's language (the webhook's payload says it), as a real shop's order API would.
DEMO_ORDER_WORDS = {
    "es": {"shipped": "enviado", "processing": "en preparación", "delivered": "entregado",
           "in 2 working days": "llega en 2 días laborables", "ships tomorrow": "sale mañana",
           "delivered on Monday": "entregado el lunes"},
    "fr": {"shipped": "expédiée", "processing": "en préparation", "delivered": "livrée",
           "in 2 working days": "arrive sous 2 jours ouvrés", "ships tomorrow": "part demain",
           "delivered on Monday": "livrée lundi"},
    "de": {"shipped": "versandt", "processing": "in Bearbeitung", "delivered": "zugestellt",
           "in 2 working days": "kommt in 2 Werktagen an", "ships tomorrow": "wird morgen versandt",
           "delivered on Monday": "am Montag zugestellt"},
    "pt": {"shipped": "enviada", "processing": "em preparação", "delivered": "entregue",
           "in 2 working days": "chega dentro de 2 dias úteis", "ships tomorrow": "sai amanhã",
           "delivered on Monday": "entregue na segunda-feira"},
}


@login_required
def builder(request: HttpRequest) -> HttpResponse:
    profile = agent_profile_for(request.user)
    if profile is None or not request.user.is_staff:
        raise PermissionDenied("The flow builder is for workspace admins.")  # (templates/403.html, as analytics)
    targets = selectors.target_names(workspace=profile.workspace)
    config = {
        "api_base": "/api/v1/",
        "workspace": {"id": str(profile.workspace_id), "name": profile.workspace.name},
        "node_types": {key: {"title": t.title, "edges": sorted(t.edges), "ends_run": t.ends_run}
                       for key, t in NODE_TYPES.items()},
        "trigger_kinds": list(TRIGGER_KINDS),
        "builtin_intents": BUILTIN_INTENTS,
        "targets": {"user": sorted(targets.usernames), "team": sorted(targets.teams),
                    "specialty": sorted(targets.specialties)},
    }
    return render(request, "flows/builder.html", {"builder_config": config})


_ORDER = re.compile(r"^[A-Z]{1,4}-?\d{3,}$")


@csrf_exempt
@require_POST
def demo_order_status(request: HttpRequest) -> JsonResponse:
    """The demo's order lookup, called by the order-status flow's Send to Webhook node.

    Answers `{"found": bool, "order": {...}}` for the `order_number` variable; refuses
    (401) a body whose X-Helpdesk-Signature does not match the demo secret.
    """
    body = request.body
    given = request.headers.get("X-Helpdesk-Signature", "")
    if not hmac.compare_digest(given, sign(DEMO_WEBHOOK_SECRET, body)):
        return JsonResponse({"error": "bad signature"}, status=401)
    try:
        payload = json.loads(body)
    except ValueError:
        return JsonResponse({"error": "body is not JSON"}, status=400)
    variables = payload.get("variables") if isinstance(payload, dict) else None
    number = "".join(str((variables or {}).get("order_number") or "").split()).upper().lstrip("#")  # "NW 10002"
    if not _ORDER.match(number):
        return JsonResponse({"found": False, "order": None, "error": "not an order number"})
    number = number if "-" in number else re.sub(r"^([A-Z]+)", r"\1-", number)
    order = DEMO_ORDERS.get(number)
    if order is None:
        return JsonResponse({"found": False, "order": None})
    conversation = payload.get("conversation")
    words = DEMO_ORDER_WORDS.get(conversation.get("language") if isinstance(conversation, dict) else "", {})
    order = {key: words.get(value, value) if key in ("status", "eta") else value for key, value in order.items()}
    return JsonResponse({"found": True, "order": {"number": number, **order}})
