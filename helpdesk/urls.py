from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from csp.decorators import csp_update
from django.conf import settings
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from conversations import views as pages
from conversations.connectors.setup_page import channels_page
from helpdesk import health
from helpdesk.workspace_api import WorkspaceDocumentApi


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for on pages that link no icon (the admin's): our static icon.
    Not a permanent redirect: the static file's hashed name changes with its content."""

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.svg")


urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("", pages.demo_site, name="demo-site"),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/ready", health.healthz, name="healthz-ready"),
    path("healthz/live", health.live, name="healthz-live"),
    path("inbox/", pages.inbox, name="inbox"),
    path("help/<int:workspace_id>/<int:article_id>/", pages.help_article, name="help-article"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/channels/", channels_page, name="admin-channels"),
    path("admin/", admin.site.urls),
    path("flows/", include("flows.urls")),
    path("", include("csat.urls")),
    path("api/v1/hooks/", include("conversations.connectors.urls")),
    path("api/v1/", include("conversations.api.urls")),
    path("api/v1/", include("routing.api.urls")),
    path("api/v1/", include("flows.api.urls")),
    path("api/v1/", include("csat.api.urls")),
    path("api/v1/workspace/", WorkspaceDocumentApi.as_view(), name="workspace-document"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", csp_update(settings.API_DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="schema")),
         name="api-docs"),
    path("api/v1/redoc/", csp_update(settings.API_DOCS_CSP)(SpectacularRedocView.as_view(
        url_name="schema", template_name="api/redoc.html")), name="api-redoc"),
]
