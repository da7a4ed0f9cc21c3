"""The workspace configuration as one JSON document (API.md): export, validate whole, import atomically.

Used by GET/PUT /api/v1/workspace/, `manage.py export_workspace` / `import_workspace`, and the
demo seed. An invalid document changes nothing; each error names the path of the offending
field, e.g. "policy.restricted_topics[2].target".
"""
from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework import serializers

from conversations import knowledge
from conversations import services as conversation_services
from conversations.models import TRANSLATION_LANGUAGES, KnowledgeArticle
from flows import document as flow_document
from flows import selectors as flow_selectors
from flows import services as flow_services
from helpdesk.errors import error_paths
from routing import hours
from routing.models import (FALLBACK_PHONE_PATTERN, AgentProfile, GatherField, HandoffPolicy, RestrictedTopic, Specialty,
                            TargetKind, Team)
from routing.validation import (NOT_COVERED_MAX_LENGTH, NOT_COVERED_MAX_QUESTIONS, WHEN_TO_USE_MAX_LENGTH, gather_problem,
                                not_covered_questions)
from workspaces.models import GREETING_LANGUAGES, Workspace, greeting_translations_problem

User = get_user_model()


class WorkspaceDocumentError(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{path}: {msg}" for path, msg in errors.items()))
        self.errors = errors


# --- Shape -------------------------------------------------------------------------------
# The document is JSON: a number is a number and true is true. DRF's fields would take "60" for 60 and "yes" for
# true, so a value typed as a string in a hand-edited document was accepted without a word (trial of 3 Dec).
class _JsonNumber:
    """A number field that takes only a JSON number (not a string, not true/false)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class IntegerField(_JsonNumber, serializers.IntegerField):
    default_error_messages = {"invalid": "A whole number is required."}


class FloatField(_JsonNumber, serializers.FloatField):
    default_error_messages = {"invalid": "A number is required."}


class BooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "true or false is required."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class TargetSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TargetKind.values)
    name = serializers.CharField()


class AgentSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+$", max_length=150)
    name = serializers.CharField(required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    password = serializers.CharField(required=False, allow_blank=False, write_only=True)
    capacity = IntegerField(min_value=0, max_value=1000, required=False, default=5)
    available = BooleanField(required=False, default=True)
    admin = BooleanField(required=False, default=False)
    teams = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    specialties = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class OfficeHoursSerializer(serializers.Serializer):
    timezone = serializers.CharField(required=False, default="UTC")
    weekly = serializers.DictField(required=False, default=dict)

    def validate_timezone(self, value: str) -> str:
        if hours.zone(value).key != value and value != "UTC":
            raise serializers.ValidationError(f"Unknown time zone {value!r}.")
        return value

    def validate_weekly(self, value: dict) -> dict:
        problems = hours.validate_weekly(value)
        if problems:
            raise serializers.ValidationError(problems)
        return value


class TeamSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    office_hours = OfficeHoursSerializer(required=False)
    reply_time_minutes = IntegerField(min_value=0, required=False, default=10)
    slack_channel = serializers.CharField(required=False, allow_blank=True, default="")


class NamedSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class TopicSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    keywords = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    examples = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    target = TargetSerializer(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if not attrs["keywords"] and not attrs["examples"]:
            raise serializers.ValidationError({"keywords": "Give keywords or example phrases, or the topic never matches."})
        return attrs


class GatherSerializer(serializers.Serializer):
    name = serializers.RegexField(r"^[a-z][a-z0-9_]*$", max_length=50)
    kind = serializers.ChoiceField(choices=GatherField.Kind.values)
    regex = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)
    required = BooleanField(required=False, default=True)
    question = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)

    def validate(self, attrs):
        problem = gather_problem(kind=attrs["kind"], regex=attrs.get("regex") or "", required=attrs["required"],
                                 question=attrs["question"])
        if problem:
            field, message = problem
            raise serializers.ValidationError({field: message})
        return attrs


class CsatSerializer(serializers.Serializer):
    enabled = BooleanField(required=False, default=True)
    delay_seconds = IntegerField(min_value=0, max_value=7 * 24 * 3600, required=False, default=30)


class PolicySerializer(serializers.Serializer):
    handoff_enabled = BooleanField(required=False, default=True)
    level = serializers.ChoiceField(choices=HandoffPolicy.Level.values, required=False, default="balanced")
    when_to_use = serializers.CharField(required=False, allow_blank=True, default="", max_length=WHEN_TO_USE_MAX_LENGTH)
    default_target = TargetSerializer(required=False, allow_null=True, default=None)
    restricted_topics = TopicSerializer(many=True, required=False, default=list)
    gather = GatherSerializer(many=True, required=False, default=list)
    auto_priority = BooleanField(required=False, default=True)
    fallback_phone = serializers.RegexField(FALLBACK_PHONE_PATTERN, required=False, allow_blank=True, default="")
    csat = CsatSerializer(required=False)
    kb_threshold = FloatField(min_value=0, max_value=1, required=False, allow_null=True, default=None)
    kb_not_covered = serializers.ListField(
        child=serializers.CharField(max_length=NOT_COVERED_MAX_LENGTH), max_length=NOT_COVERED_MAX_QUESTIONS,
        required=False, default=list,
        help_text="Questions visitors ask that the knowledge base does not answer: a question like one of them is "
                  "not answered from an article (the AI says it cannot answer, or hands off per the policy). "
                  "Trimmed; repeats dropped.")
    expiry_minutes = IntegerField(min_value=1, required=False, default=24 * 60)
    reminder_minutes = IntegerField(min_value=0, required=False, default=15)
    reassign_after_minutes = IntegerField(min_value=0, required=False, default=10)
    ai_idle_resolve_seconds = IntegerField(min_value=10, required=False, allow_null=True, default=1800)

    def validate_kb_not_covered(self, value: list[str]) -> list[str]:
        return not_covered_questions(value)[0]


class ArticleTranslationSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField()
    questions = serializers.ListField(child=serializers.CharField(max_length=500), required=False, default=list)


class ArticleSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    questions = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, default=list,
        help_text="Questions visitors ask that this article answers: the assistant matches them like the title "
                  "and never quotes them.")
    published = BooleanField(required=False, default=True)
    translations = serializers.DictField(
        child=ArticleTranslationSerializer(), required=False, default=dict,
        help_text=f"The article in other languages, by language code ({', '.join(TRANSLATION_LANGUAGES)}): a visitor "
                  "writing in one of them is answered from it.")

    def validate_translations(self, value: dict) -> dict:
        unknown = sorted(set(value) - set(TRANSLATION_LANGUAGES))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown language {', '.join(map(repr, unknown))}: use {', '.join(TRANSLATION_LANGUAGES)}.")
        return {lang: {"title": " ".join(t["title"].split()), "body": t["body"].strip(),
                       "questions": [" ".join(q.split()) for q in t["questions"] if q.strip()]}
                for lang, t in sorted(value.items())}


class WorkspaceInfoSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    greeting = serializers.CharField(required=False, allow_blank=True)
    greeting_translations = serializers.DictField(
        child=serializers.CharField(max_length=1000), required=False,
        help_text=f"The greeting in other languages, by language code ({', '.join(GREETING_LANGUAGES)}): a visitor "
                  "whose browser prefers one of them is greeted in it.")
    assistant_name = serializers.CharField(max_length=60, required=False)

    def validate_greeting_translations(self, value: dict) -> dict:
        if problem := greeting_translations_problem(value):
            raise serializers.ValidationError(problem)
        return {lang: " ".join(text.split()) for lang, text in value.items() if text.strip()}


class DocumentSerializer(serializers.Serializer):
    # Every section a PUT replaces is required: a section left out would remove all its objects (an empty
    # list says that on purpose). `workspace` (name, greeting) is left unchanged when absent.
    workspace = WorkspaceInfoSerializer(required=False)
    agents = AgentSerializer(many=True)
    teams = TeamSerializer(many=True)
    specialties = NamedSerializer(many=True)
    policy = PolicySerializer()
    knowledge_base = ArticleSerializer(many=True)
    flows = serializers.ListField(child=serializers.DictField())


# --- Validation --------------------------------------------------------------------------------
def _duplicates(items: list[dict], key: str, path: str, errors: dict[str, str]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        value = str(item[key]).lower()
        if value in seen:
            errors[f"{path}[{i}].{key}"] = f"Duplicate {key} {item[key]!r}."
        seen.add(value)


def _unknown_fields(serializer: serializers.BaseSerializer, data: Any, prefix: str = "") -> dict[str, str]:
    """Keys the document's schema does not have ("handoff_levle"), by path: DRF ignores them, so a typo
    would be accepted and change nothing. Flows are checked by their own validation."""
    if isinstance(serializer, serializers.ListSerializer):
        if not isinstance(data, list):
            return {}
        out: dict[str, str] = {}
        for i, item in enumerate(data):
            out.update(_unknown_fields(serializer.child, item, f"{prefix}[{i}]"))
        return out
    if isinstance(serializer, serializers.DictField):
        if not isinstance(data, dict):
            return {}
        out = {}
        for key, item in data.items():
            out.update(_unknown_fields(serializer.child, item, f"{prefix}.{key}"))
        return out
    if not isinstance(serializer, serializers.Serializer) or not isinstance(data, dict):
        return {}
    fields = serializer.fields
    out = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if key not in fields:
            out[path] = f"Unknown field {key!r}: expected one of {', '.join(sorted(fields))}."
        else:
            out.update(_unknown_fields(fields[key], value, path))
    return out


def validate_document(document: Any) -> dict:
    """The validated document, or WorkspaceDocumentError naming every offending path."""
    if not isinstance(document, dict):
        raise WorkspaceDocumentError({"document": "Must be a JSON object."})
    serializer = DocumentSerializer(data=document)
    unknown = _unknown_fields(DocumentSerializer(), document)
    if not serializer.is_valid() or unknown:
        errors = {**unknown, **(error_paths(serializer.errors) if serializer.errors else {})}
        # the references too, as far as the document can be read: an invalid delay named first, and a topic's unknown
        # team only once it was fixed (trial 55)
        references: dict[str, str] = {}
        try:
            _reference_errors(document, references)
        except (KeyError, TypeError, AttributeError, ValueError):
            pass  # a section too malformed to follow: its own errors are above
        within = tuple(errors)  # (not again inside a part already wrong: "agents[0].teams" a string, read letter by letter)
        raise WorkspaceDocumentError({**{path: message for path, message in references.items()
                                         if not any(path == bad or path.startswith((f"{bad}.", f"{bad}["))
                                                    for bad in within)}, **errors})
    doc = serializer.validated_data
    errors: dict[str, str] = {}
    _reference_errors(doc, errors)
    if errors:
        raise WorkspaceDocumentError(errors)
    return doc


def _reference_errors(doc: dict, errors: dict[str, str]) -> None:
    """Into `errors`: duplicates and names the document does not define (teams, specialties, agents, flows' targets)."""
    # (read with defaults: an invalid document's sections are read as written, without the serializer's)
    agents, teams, specialties = doc.get("agents", []), doc.get("teams", []), doc.get("specialties", [])
    _duplicates(agents, "username", "agents", errors)
    _duplicates(teams, "name", "teams", errors)
    _duplicates(specialties, "name", "specialties", errors)
    _duplicates(doc.get("knowledge_base", []), "title", "knowledge_base", errors)
    team_names = {t["name"] for t in teams}
    specialty_names = {s["name"] for s in specialties}
    usernames = {a["username"] for a in agents}
    agents_by_specialty: dict[str, int] = {}
    for i, agent in enumerate(agents):
        for j, team in enumerate(agent.get("teams", [])):
            if team not in team_names:
                errors[f"agents[{i}].teams[{j}]"] = f"No team named {team!r} in the document."
        for j, specialty in enumerate(agent.get("specialties", [])):
            if specialty not in specialty_names:
                errors[f"agents[{i}].specialties[{j}]"] = f"No specialty named {specialty!r} in the document."
            agents_by_specialty[specialty] = agents_by_specialty.get(specialty, 0) + 1

    def check_target(target: dict | None, path: str) -> None:
        if not target:
            return
        kind, name = target["kind"], target["name"]
        names = {"user": usernames, "team": team_names, "specialty": specialty_names}[kind]
        if name not in names:
            errors[path] = f"No {kind} named {name!r} in the document."
        elif kind == "specialty" and not agents_by_specialty.get(name):
            errors[path] = f"Round-robin on specialty {name!r} cannot work: no agent has that specialty."

    policy = doc.get("policy") or {}
    check_target(policy.get("default_target"), "policy.default_target")
    for i, topic in enumerate(policy.get("restricted_topics", [])):
        check_target(topic.get("target"), f"policy.restricted_topics[{i}].target")
    _duplicates(policy.get("gather", []), "name", "policy.gather", errors)
    _duplicates(policy.get("restricted_topics", []), "name", "policy.restricted_topics", errors)
    errors.update(_validate_flows(doc.get("flows", []), usernames, team_names, specialty_names))


def _validate_flows(flows: list[dict], usernames: set[str], teams: set[str], specialties: set[str]) -> dict[str, str]:
    if not flows:
        return {}
    return flow_document.validate_flows(flows, usernames=usernames, teams=teams, specialties=specialties)


# --- Export ----------------------------------------------------------------------------------------
def _target_out(holder) -> dict | None:
    obj = holder.target_object
    if obj is None:
        return None
    name = obj.get_username() if holder.target_kind == TargetKind.USER else obj.name
    return {"kind": holder.target_kind, "name": name}


def workspace_export(*, workspace: Workspace) -> dict:
    policy, _ = HandoffPolicy.objects.get_or_create(workspace=workspace)
    agents = (AgentProfile.objects.filter(workspace=workspace, user__is_active=True).select_related("user")
              .prefetch_related("teams", "specialties").order_by("user__username"))
    document = {
        "workspace": {"name": workspace.name, "greeting": workspace.greeting,
                      "greeting_translations": dict(sorted((workspace.greeting_translations or {}).items())),
                      "assistant_name": workspace.assistant_name},
        "agents": [{
            "username": p.user.get_username(), "name": p.user.get_full_name(), "email": p.user.email,
            "capacity": p.capacity, "available": p.available, "admin": p.user.is_staff,
            "teams": sorted(t.name for t in p.teams.all()), "specialties": sorted(s.name for s in p.specialties.all()),
        } for p in agents],
        "teams": [{"name": t.name, "office_hours": {"timezone": t.timezone, "weekly": t.office_hours},
                   "reply_time_minutes": t.reply_time_minutes, "slack_channel": t.slack_channel}
                  for t in Team.objects.filter(workspace=workspace).order_by("name")],
        "specialties": [{"name": s.name} for s in Specialty.objects.filter(workspace=workspace).order_by("name")],
        "policy": {
            "handoff_enabled": policy.handoff_enabled, "level": policy.level, "when_to_use": policy.when_to_use,
            "default_target": _target_out(policy),
            "restricted_topics": [{"name": t.name, "keywords": t.keywords, "examples": t.examples,
                                   "target": _target_out(t)} for t in policy.restricted_topics.all()],
            "gather": [{"name": g.name, "kind": g.kind, "regex": g.regex or None, "required": g.required,
                        "question": g.question} for g in policy.gather_fields.all()],
            "auto_priority": policy.auto_priority, "fallback_phone": policy.fallback_phone,
            "csat": {"enabled": policy.csat_enabled, "delay_seconds": policy.csat_delay_seconds},
            "kb_threshold": policy.kb_threshold, "kb_not_covered": policy.kb_not_covered,
            "expiry_minutes": policy.expiry_minutes,
            "reminder_minutes": policy.reminder_minutes, "reassign_after_minutes": policy.reassign_after_minutes,
            "ai_idle_resolve_seconds": policy.ai_idle_resolve_seconds,
        },
        "knowledge_base": [{"title": a.title, "body": a.body, "tags": a.tags, "questions": a.questions,
                            "published": a.published, "translations": dict(sorted((a.translations or {}).items()))}
                           for a in KnowledgeArticle.objects.filter(workspace=workspace).order_by("title")],
        "flows": flow_selectors.flow_documents(workspace=workspace),
    }
    return document


# --- Import --------------------------------------------------------------------------------------------
def default_workspace() -> Workspace:
    workspace = Workspace.objects.order_by("id").first()
    if workspace is None:
        workspace = Workspace.objects.create(name="Helpdesk", slug="default")
    return workspace


@transaction.atomic
def workspace_import(*, document: Any, workspace: Workspace | None = None, acting_user=None) -> Workspace:
    """Replace the workspace configuration with `document`, all or nothing.

    Agents are matched by username (created when new; a password is set only when given);
    other objects absent from the document are removed, agents are deactivated instead.
    """
    doc = validate_document(document)
    if acting_user is not None and doc["agents"] and acting_user.get_username() not in {
            a["username"] for a in doc["agents"]}:
        raise WorkspaceDocumentError({"agents": "The document does not include you; importing it would lock you out."})
    workspace = workspace or default_workspace()
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    info = doc.get("workspace") or {}
    if "greeting" in info and info["greeting"] != workspace.greeting and "greeting_translations" not in info:
        # the old greeting's translations say the old greeting ("¡Hola! Soy el asistente virtual de Northwind…" after
        # the greeting became a bike shop's: trial 53); visitors in other languages get the new one as written
        workspace.greeting_translations = {}
    for field in ("name", "greeting", "greeting_translations", "assistant_name"):
        if field in info:
            setattr(workspace, field, info[field])
    workspace.save()

    teams = _sync_named(Team, workspace, doc["teams"], lambda team, d: _apply_team(team, d))
    specialties = _sync_named(Specialty, workspace, doc["specialties"], lambda s, d: None)
    users, leaving = _sync_agents(workspace, doc["agents"], teams, specialties)
    _apply_policy(workspace, doc.get("policy") or {}, users, teams, specialties)
    for user in leaving:  # their sockets closed, their open conversations to the new policy's queue
        conversation_services.agent_removed(agent=user)
    _sync_articles(workspace, doc["knowledge_base"])
    if doc["flows"] or "flows" in document:
        flow_services.flow_replace_all(workspace=workspace, flows=doc["flows"])
    knowledge.knowledge_schedule_reindex(workspace=workspace)
    return workspace


def _apply_team(team: Team, d: dict) -> None:
    hours_doc = d.get("office_hours") or {}
    team.timezone = hours_doc.get("timezone", "UTC")
    team.office_hours = hours_doc.get("weekly", {})
    team.reply_time_minutes = d["reply_time_minutes"]
    team.slack_channel = d.get("slack_channel", "")


def _sync_named(model, workspace: Workspace, items: list[dict], apply) -> dict[str, Any]:
    existing = {obj.name: obj for obj in model.objects.filter(workspace=workspace)}
    kept: dict[str, Any] = {}
    for item in items:
        obj = existing.get(item["name"]) or model(workspace=workspace, name=item["name"])
        apply(obj, item)
        obj.save()
        kept[obj.name] = obj
    model.objects.filter(workspace=workspace).exclude(pk__in=[o.pk for o in kept.values()]).delete()
    return kept


def _sync_agents(workspace: Workspace, agents: list[dict], teams: dict, specialties: dict) -> tuple[dict[str, Any], list]:
    users: dict[str, Any] = {}
    for a in agents:
        user = User.objects.filter(username=a["username"]).first() or User(username=a["username"])
        first, _, last = a["name"].partition(" ")
        user.first_name, user.last_name, user.email = first, last, a["email"]
        user.is_active = True
        user.is_staff = a["admin"] or user.is_superuser
        if a.get("password"):
            user.set_password(a["password"])
        elif not user.pk:
            user.set_unusable_password()
        user.save()
        profile, _ = AgentProfile.objects.get_or_create(user=user, defaults={"workspace": workspace})
        profile.workspace, profile.capacity, profile.available = workspace, a["capacity"], a["available"]
        profile.save()
        profile.teams.set([teams[n] for n in a["teams"]])
        profile.specialties.set([specialties[n] for n in a["specialties"]])
        users[user.username] = user
    absent = AgentProfile.objects.filter(workspace=workspace).exclude(user__username__in=list(users))
    leaving = list(User.objects.filter(pk__in=absent.values("user_id"), is_superuser=False, is_active=True))
    User.objects.filter(pk__in=[u.pk for u in leaving]).update(is_active=False)
    return users, leaving


def _set_target(holder, target: dict | None, users: dict, teams: dict, specialties: dict) -> None:
    holder.target_kind = target["kind"] if target else ""
    holder.target_user = users.get(target["name"]) if target and target["kind"] == "user" else None
    holder.target_team = teams.get(target["name"]) if target and target["kind"] == "team" else None
    holder.target_specialty = specialties.get(target["name"]) if target and target["kind"] == "specialty" else None


def _apply_policy(workspace: Workspace, p: dict, users: dict, teams: dict, specialties: dict) -> None:
    policy, _ = HandoffPolicy.objects.get_or_create(workspace=workspace)
    defaults = PolicySerializer(data={})
    defaults.is_valid()
    p = {**defaults.validated_data, **p}
    for field in ("handoff_enabled", "level", "when_to_use", "auto_priority", "fallback_phone", "kb_threshold",
                  "kb_not_covered", "expiry_minutes", "reminder_minutes", "reassign_after_minutes", "ai_idle_resolve_seconds"):
        setattr(policy, field, p[field])
    csat = p.get("csat") or {"enabled": True, "delay_seconds": 30}
    policy.csat_enabled, policy.csat_delay_seconds = csat["enabled"], csat["delay_seconds"]
    _set_target(policy, p.get("default_target"), users, teams, specialties)
    policy.save()
    policy.restricted_topics.all().delete()
    for i, t in enumerate(p["restricted_topics"]):
        topic = RestrictedTopic(policy=policy, name=t["name"], keywords=t["keywords"], examples=t["examples"], position=i)
        _set_target(topic, t.get("target"), users, teams, specialties)
        topic.save()
    policy.gather_fields.all().delete()
    GatherField.objects.bulk_create([
        GatherField(policy=policy, name=g["name"], kind=g["kind"], regex=g.get("regex") or "", required=g["required"],
                    question=g["question"], position=i) for i, g in enumerate(p["gather"])])


def _sync_articles(workspace: Workspace, articles: list[dict]) -> None:
    existing = {a.title: a for a in KnowledgeArticle.objects.filter(workspace=workspace)}
    kept = []
    for d in articles:
        article = existing.get(d["title"]) or KnowledgeArticle(workspace=workspace, title=d["title"])
        article.body, article.tags, article.questions, article.published, article.translations = (
            d["body"], d["tags"], d["questions"], d["published"], d["translations"])
        article.save()
        kept.append(article.pk)
    KnowledgeArticle.objects.filter(workspace=workspace).exclude(pk__in=kept).delete()
