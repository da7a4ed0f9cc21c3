"""The knowledge base as the assistant sees it: index building (Celery) and a per-process cache."""
from __future__ import annotations

import hashlib
import json
import logging
import threading

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from conversations import assistant
from conversations.models import KnowledgeArticle, KnowledgeIndex
from routing.models import HandoffPolicy
from workspaces.models import Workspace

logger = logging.getLogger(__name__)

_cache: dict[int, tuple[str, assistant.Assistant]] = {}
_cache_lock = threading.Lock()


def article_url(article: KnowledgeArticle) -> str:
    """The article's public page as a full link (HELPDESK_PUBLIC_URL): answers also travel by
    email and SMS, where a bare "/help/1/1/" path is no link; the widget links it as it is."""
    return _article_url(article.workspace_id, article.pk)


def _article_url(workspace_id: int, article_id) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/help/{workspace_id}/{article_id}/"


def articles_for(workspace: Workspace) -> list[assistant.Article]:
    return [
        assistant.Article(id=str(a.pk), title=a.title, body=a.body, tags=tuple(a.tags or ()), url=article_url(a),
                          questions=tuple(a.questions or ()), translations=_translations(a))
        for a in KnowledgeArticle.objects.filter(workspace=workspace, published=True).order_by("pk")
    ]


def _translations(article: KnowledgeArticle) -> tuple[assistant.ArticleTranslation, ...]:
    return tuple(assistant.ArticleTranslation(language=lang, title=t.get("title") or "", body=t.get("body") or "",
                                              questions=tuple(t.get("questions") or ()))
                 for lang, t in sorted((article.translations or {}).items()) if isinstance(t, dict))


# A reindex's progress, for the admin: "queued" (a task is on its way), "building" (a worker is on it);
# none when done. Kept in the cache (Redis) with a time limit, so a worker that died does not leave
# "building" up for good.
_PROGRESS_SECONDS = 15 * 60


def _progress_key(workspace_id: int) -> str:
    return f"knowledge-reindex:{workspace_id}"


def _set_progress(workspace_id: int, state: str) -> None:
    try:
        cache.set(_progress_key(workspace_id), {"state": state, "since": timezone.now().isoformat()}, _PROGRESS_SECONDS)
    except Exception:  # Redis away: the reindex itself matters more than its progress line
        logger.warning("Could not record reindex progress of workspace %s", workspace_id, exc_info=True)


def knowledge_reindex_progress(*, workspace_id: int) -> dict | None:
    """{"state": "queued" | "building", "since": ISO time} while a reindex is on its way, else None."""
    try:
        return cache.get(_progress_key(workspace_id))
    except Exception:
        return None


def knowledge_reindex(*, workspace: Workspace) -> KnowledgeIndex:
    """Rebuild the workspace's index from its published articles and the questions it does not answer (a Celery
    task calls this when either changes)."""
    _set_progress(workspace.pk, "building")
    try:
        return _rebuild(workspace)
    finally:
        try:
            cache.delete(_progress_key(workspace.pk))
        except Exception:
            logger.warning("Could not clear reindex progress of workspace %s", workspace.pk, exc_info=True)


def not_covered_for(workspace: Workspace) -> list[str]:
    """The questions the workspace says its knowledge base does not answer (its policy's list)."""
    return list(HandoffPolicy.objects.filter(workspace=workspace).values_list("kb_not_covered", flat=True).first() or [])


def _rebuild(workspace: Workspace) -> KnowledgeIndex:
    not_covered = not_covered_for(workspace)
    index = assistant.build_knowledge_index(articles_for(workspace), not_covered=not_covered)
    data = index.to_bytes()
    with transaction.atomic():
        row, _ = KnowledgeIndex.objects.select_for_update().get_or_create(workspace=workspace, defaults={"data": b""})
        row.version += 1
        row.data = data
        row.article_count = KnowledgeArticle.objects.filter(workspace=workspace, published=True).count()
        row.not_covered = not_covered
        row.save()
    logger.info("Reindexed knowledge base of workspace %s: %s articles, v%s", workspace.pk, row.article_count, row.version)
    return row


def knowledge_index_ready(workspace: Workspace) -> bool:
    """True when the workspace's index exists, was built after its articles last changed and from the policy's
    questions not covered as they are now.

    Readiness (/healthz/ready) and `manage.py build_knowledge_index` ask this.
    """
    row = KnowledgeIndex.objects.filter(workspace=workspace).only("built_at", "article_count", "not_covered").first()
    if row is None or row.not_covered != not_covered_for(workspace):
        return False
    articles = KnowledgeArticle.objects.filter(workspace=workspace)
    latest = articles.order_by("-updated_at").values_list("updated_at", flat=True).first()
    return (latest is None or latest <= row.built_at) and row.article_count == articles.filter(published=True).count()


def workspaces_without_ready_index() -> list[Workspace]:
    return [w for w in Workspace.objects.order_by("pk") if not knowledge_index_ready(w)]


def load_assistant_models() -> None:
    """Load the detector models and the sentence encoders into this process (kept process-wide)."""
    assistant.Assistant(assistant.build_knowledge_index([])).analyze("Hello, is anyone there?")


def warm_assistants() -> int:
    """Build every indexed workspace's assistant into this process's cache (`assistant_for`): its topics'
    examples embedded, its index loaded. Run in a worker's main process before the pool forks, so the first
    visitor after a (re)start does not wait for it (~2.3 s a workspace and process on a quiet machine; the
    trial of 2 Dec saw first replies take 22 s with two children doing it at once). Returns how many."""
    warmed = 0
    for workspace in Workspace.objects.filter(knowledge_index__isnull=False).order_by("pk"):
        policy = HandoffPolicy.objects.filter(workspace=workspace).first()
        if policy is not None:
            assistant_for(workspace=workspace, policy=policy)
            warmed += 1
    return warmed


def _topics_for(policy: HandoffPolicy) -> list[assistant.Topic]:
    """The restricted topics as the assistant matches them: the first whose keyword a message has wins, so the topics
    routed somewhere come before those left to the workspace's routing ("Legal threats" to the Legal team added beside
    the seeded "Legal" with no target, both listing "sue": "I'm going to sue you" went to the refunds agents: trial
    55); otherwise in the admin's order."""
    topics = sorted(policy.restricted_topics.select_related("target_user", "target_team", "target_specialty"),
                    key=lambda t: t.target_object is None)
    return [assistant.Topic(name=t.name, keywords=tuple(t.keywords or ()), examples=tuple(t.examples or ()))
            for t in topics]


def assistant_for(*, workspace: Workspace, policy: HandoffPolicy) -> assistant.Assistant:
    """The workspace's assistant, rebuilt only when its index or topics changed.

    Never indexes during a visitor's turn: with no index yet, the assistant knows nothing
    and says so (a reindex task is queued).
    """
    row = KnowledgeIndex.objects.filter(workspace=workspace).only("version").first()
    topics = _topics_for(policy)
    key = "|".join([
        str(row.version if row else 0),
        hashlib.sha256(json.dumps([(t.name, t.keywords, t.examples) for t in topics]).encode()).hexdigest(),
        str(policy.kb_threshold),
    ])
    with _cache_lock:
        cached = _cache.get(workspace.pk)
    if cached and cached[0] == key:
        return cached[1]
    if row is None:
        from conversations.tasks import reindex_knowledge_task  # Celery: the task module imports this one
        transaction.on_commit(lambda: reindex_knowledge_task.delay(workspace.pk))
        index = assistant.build_knowledge_index([])
    else:
        data = KnowledgeIndex.objects.filter(pk=row.pk).values_list("data", flat=True).first()
        index = assistant.KnowledgeIndex.from_bytes(bytes(data))
        # the links as served now, not as when the index was built (the app since moved to another address)
        index.urls = [_article_url(workspace.pk, article_id) for article_id in index.article_ids]
    built = assistant.Assistant(index, topics, kb_threshold=policy.kb_threshold)
    with _cache_lock:
        _cache[workspace.pk] = (key, built)
    return built


def knowledge_schedule_reindex(*, workspace: Workspace) -> None:
    """After articles or the questions not covered change (or an admin's "Reindex now"): rebuild the index in
    a worker once the change is committed."""
    from conversations.tasks import reindex_knowledge_task  # Celery: the task module imports this one

    def enqueue() -> None:
        _set_progress(workspace.pk, "queued")
        reindex_knowledge_task.delay(workspace.pk)

    transaction.on_commit(enqueue)
