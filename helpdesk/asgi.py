"""ASGI entry point: HTTP through Django, websockets through Channels."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
django_asgi_app = get_asgi_application()  # set up Django before importing consumers

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from conversations import consumers  # noqa: E402
from helpdesk import gc_tuning  # noqa: E402

websocket_urlpatterns = [
    path("ws/widget/<str:conversation_id>/", consumers.WidgetConsumer.as_asgi()),
    path("ws/inbox/", consumers.InboxConsumer.as_asgi()),
]

application = ProtocolTypeRouter({
    "http": django_asgi_app,
    # The widget is embedded on any site, so origins are not restricted here: visitor sockets
    # authenticate with their token; the inbox checks the Origin of cookie-authenticated sockets.
    "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
})

# Built once per Daphne process: what exists now lives as long as the process (helpdesk/gc_tuning.py).
gc_tuning.tune_for_latency()
