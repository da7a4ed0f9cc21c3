"""Server-rendered pages: the demo site with the widget, the agents' inbox, public help articles."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static

from conversations.models import KnowledgeArticle
from conversations.payloads import user_name
from routing.selectors import agent_profile_for


def demo_site(request):
    snippet = f'<script src="{request.build_absolute_uri(static("widget/widget.js"))}" async></script>'
    return render(request, "demo_site.html", {"embed_snippet": snippet})


@login_required
def inbox(request):
    profile = agent_profile_for(request.user)
    if profile is None:
        return HttpResponseForbidden("The inbox is for agents. Ask an admin to add you to a workspace.")
    config = {
        "user": {"id": str(request.user.pk), "username": request.user.get_username(), "name": user_name(request.user),
                 "is_staff": request.user.is_staff,
                 # a team's conversation is for its members: the inbox offers the others a note, not a claim
                 "team_ids": [str(pk) for pk in profile.teams.values_list("pk", flat=True)]},
        "workspace": {"id": str(profile.workspace_id), "name": profile.workspace.name},
        "api_base": "/api/v1/",
        "ws_url": "/ws/inbox/",
        "poll_ms": settings.INBOX_POLL_SECONDS * 1000,
    }
    return render(request, "inbox/index.html", {"inbox_config": config})


# The help page's own words, in the language of the article shown (an answer in Spanish links its translation).
HELP_PAGE_WORDS = {"en": ("Back to the shop", "Help"), "es": ("Volver a la tienda", "Ayuda"),
                   "fr": ("Retour à la boutique", "Aide"), "de": ("Zurück zum Shop", "Hilfe"),
                   "pt": ("Voltar à loja", "Ajuda")}


def help_article(request, workspace_id: int, article_id: int):
    article = get_object_or_404(KnowledgeArticle, pk=article_id, workspace_id=workspace_id, published=True)
    # ?lang=es: the translation an answer in Spanish quoted (the article as written when it has none)
    language = request.GET.get("lang", "")
    title, body = article.translated(language)
    shown = language if (title, body) != (article.title, article.body) else "en"
    back, help_word = HELP_PAGE_WORDS.get(shown, HELP_PAGE_WORDS["en"])
    return render(request, "help_article.html", {"title": title, "body": body, "language": shown, "back": back,
                                                  "help": help_word})
