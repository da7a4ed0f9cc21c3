"""The builder's test panel: run a draft on an in-memory state, touching no conversation.

The browser holds the test's `RunState` (and the pretend contact and tags) and sends them
back with each message; this module runs the same `advance` as real conversations and
describes what would happen. It writes nothing: no Conversation, Contact, Message, run
or log row, and nothing reaches analytics. AI Actions run for real (they only read the
message); Let AI Answer previews the knowledge-base answer; webhooks are NOT called: the
tester provides the response (or a failure) to simulate.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conversations.models import KnowledgeIndex
from flows import selectors
from flows.engine import (
    CallWebhook,
    Effect,
    EffectResult,
    Inbound,
    LetAIAnswer,
    Log,
    RequestHandoff,
    Resolve,
    RunAIAction,
    RunState,
    SendMessage,
    SetAttributes,
    UpdateTags,
)
from flows.graph import FlowGraph
from flows.nodes import NODE_TYPES, Json
from flows.services import ai
from flows.services.builder import parse_graph
from flows.services.runs import run_to_rest

if TYPE_CHECKING:
    from workspaces.models import Workspace


def flow_test_run(*, workspace: Workspace, graph: dict, state: dict | None = None, message: str | None = None,
                  contact: dict | None = None, tags: list[str] | None = None, in_office_hours: bool = True,
                  webhook: dict | None = None, flow_name: str = "test", language: str = "en") -> dict[str, Any]:
    """One turn of a test conversation: start the draft (`state` None) or resume it with `message`.

    `contact` is the pretend visitor ({"name", "email", "phone", "attributes"}), `tags` the pretend
    conversation's tags, `webhook` the simulated response ({"ok": bool, "response": JSON}), `language` the one the
    pretend visitor writes.
    Returns the new state, what the visitor would read, the path taken, the variables and
    the pretend contact/tags as the flow left them.
    """
    parsed = parse_graph(graph)
    contact = dict(contact or {})
    attributes = dict(contact.get("attributes") or {})
    fields = {k: contact[k] for k in ("name", "email", "phone") if contact.get(k)}
    text = message if message is None else str(message)
    run_state = RunState.from_dict(state) if state else RunState()
    reading = ai.reading(workspace=workspace, text=text) if text and run_state.status == "waiting_input" else None
    inbound = Inbound(text=text, contact_attributes=attributes, contact_fields=fields, in_office_hours=in_office_hours,
                      reading=reading, language=language)
    simulated = webhook or {}

    def on_webhook(effect: CallWebhook) -> EffectResult:
        if simulated.get("ok", True) is False:
            return EffectResult(ok=False, error="simulated failure")
        return EffectResult(ok=True, json=simulated.get("response", {}))

    step, effects = run_to_rest(parsed, run_state, inbound, flow_name=flow_name,
                                on_ai_action=ai.ai_action_result, on_webhook=on_webhook)
    transcript: list[dict[str, Any]] = []
    if text is not None:
        transcript.append({"sender": "visitor", "text": text})
    tags_out = list(tags or [])
    handoff = resolve = None
    described = []
    targets = selectors.target_names(workspace=workspace)
    for effect in effects:
        described.append(_describe(effect))
        if isinstance(effect, SendMessage):
            transcript.append({"sender": "bot", "text": effect.text, "quick_replies": list(effect.quick_replies)})
        elif isinstance(effect, LetAIAnswer):
            transcript.append({"sender": "ai", "text": _ai_preview(workspace, step.state.last_message)})
        elif isinstance(effect, RequestHandoff):
            exists = not effect.target_kind or targets.has(effect.target_kind, effect.target_name)
            line = f"Would hand off to {effect.target_kind} {effect.target_name}: {effect.reason}"
            if not effect.target_kind:
                line = f"Would hand off through the workspace's routing: {effect.reason}"
            elif not exists:
                line += (f" (there is no {effect.target_kind} named “{effect.target_name}” in this workspace, "
                         "so the default target would be used)")
            handoff = {"kind": effect.target_kind, "name": effect.target_name, "reason": effect.reason,
                       "exists": exists, "text": line}
            transcript.append({"sender": "system", "text": line})
        elif isinstance(effect, Resolve):
            csat = {None: "CSAT per workspace policy", True: "with a CSAT survey", False: "without CSAT"}[effect.csat]
            delay = f" after {effect.csat_delay_seconds} s" if effect.csat and effect.csat_delay_seconds else ""
            line = f"Would resolve the conversation as {effect.resolution}, {csat}{delay}"
            resolve = {"resolution": effect.resolution, "csat": effect.csat,
                       "csat_delay_seconds": effect.csat_delay_seconds, "text": line}
            transcript.append({"sender": "system", "text": line})
        elif isinstance(effect, UpdateTags):
            tags_out = effect.applied_to(tags_out)
        elif isinstance(effect, SetAttributes):
            attributes.update(effect.values)
        elif isinstance(effect, CallWebhook):
            outcome = "a failure" if simulated.get("ok", True) is False else "the response below"
            transcript.append({"sender": "system",
                               "text": f"Webhook to {effect.url} not called in a test; simulated {outcome}"})
    if text is not None and not step.path and run_state.finished:
        transcript.append({"sender": "system", "text": "The flow has ended: the assistant would answer this."})
    new_state = step.state
    return {
        "state": new_state.to_dict(),
        "status": new_state.status,
        "end_reason": new_state.end_reason,
        "path": list(step.path),
        "steps": [_path_entry(parsed, node_id) for node_id in step.path],
        "variables": dict(new_state.variables),
        "transcript": transcript,
        "effects": described,
        "log": [e.text for e in effects if isinstance(e, Log)],
        "contact": {**contact, "attributes": attributes},
        "tags": tags_out,
        "handoff": handoff,
        "resolve": resolve,
    }


def _path_entry(graph: FlowGraph, node_id: str) -> dict[str, str]:
    node = graph.node(node_id)
    node_type = NODE_TYPES.get(node.type) if node else None
    return {"node_id": node_id, "type": node.type if node else "", "title": node_type.title if node_type else ""}


def _ai_preview(workspace: Workspace, text: str | None) -> str:
    if not text:
        return "(Let AI Answer: no visitor message yet, nothing to answer)"
    if not KnowledgeIndex.objects.filter(workspace=workspace).exists():
        return "(Let AI Answer: the assistant would answer this message; the knowledge base is not indexed yet)"
    try:
        answer = ai.ai_answer(workspace=workspace, text=text)
    except Exception:  # a preview is best effort; the real turn has its own fallbacks
        return "(Let AI Answer: the assistant would answer this message)"
    if answer is None:
        return "(Let AI Answer: the knowledge base has no answer; the assistant would say it cannot answer)"
    return answer.text


def _describe(effect: Effect) -> dict[str, Json]:
    if isinstance(effect, SendMessage):
        return {"type": "send_message", "text": effect.text, "quick_replies": list(effect.quick_replies)}
    if isinstance(effect, LetAIAnswer):
        return {"type": "let_ai_answer"}
    if isinstance(effect, RunAIAction):
        return {"type": "ai_action", "task": effect.task, "variable": effect.variable}
    if isinstance(effect, RequestHandoff):
        return {"type": "handoff", "kind": effect.target_kind, "name": effect.target_name, "reason": effect.reason}
    if isinstance(effect, Resolve):
        return {"type": "resolve", "resolution": effect.resolution, "csat": effect.csat,
                "csat_delay_seconds": effect.csat_delay_seconds}
    if isinstance(effect, UpdateTags):
        return {"type": "update_tags", "add": list(effect.add), "remove": list(effect.remove)}
    if isinstance(effect, SetAttributes):
        return {"type": "set_attributes", "values": dict(effect.values)}
    if isinstance(effect, CallWebhook):
        return {"type": "webhook", "url": effect.url, "payload": dict(effect.payload)}
    return {"type": "log", "text": effect.text}
