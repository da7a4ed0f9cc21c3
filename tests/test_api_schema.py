"""The OpenAPI schema a client generates code from: valid, complete, and naming the real shapes.

The live check (generated requests against the running stack, answers validated against this
schema) is tests/e2e/test_api_contract.py.
"""
from __future__ import annotations

import io

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

OPERATIONS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _ref(content: dict) -> str:
    media = content["application/json"]["schema"]
    return media.get("$ref") or media.get("items", {}).get("$ref", "")


def _body_ref(operation: dict) -> str:
    return _ref(operation["requestBody"]["content"])


def test_spectacular_validates_without_a_warning():
    out = io.StringIO()
    # Raises SchemaGenerationError on any warning or error (e.g. a view whose serializer cannot be guessed).
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert yaml.safe_load(out.getvalue())["openapi"].startswith("3.")


def test_each_operation_takes_its_own_input(schema):
    paths = schema["paths"]
    components = schema["components"]["schemas"]

    def body_fields(path: str, method: str = "post") -> set[str]:
        name = _body_ref(paths[path][method]).rsplit("/", 1)[-1]
        return set(components[name]["properties"])

    assert body_fields("/api/v1/conversations/{conversation_id}/assign/") == {"user_id", "team_id", "expected_assignee_id"}
    assert body_fields("/api/v1/conversations/{conversation_id}/resolve/") == {"resolution", "csat", "after"}
    assert body_fields("/api/v1/widget/conversations/") == {"name", "email", "attributes", "workspace", "language"}
    assert body_fields("/api/v1/auth/token/") == {"username", "password"}
    assert components["AvailabilityInputRequest"]["required"] == ["available"]


def test_every_operation_documents_a_response_and_its_errors(schema):
    for path, item in schema["paths"].items():
        for method in OPERATIONS:
            if method not in item:
                continue
            responses = item[method]["responses"]
            success = [code for code in responses if code.startswith("2")]
            assert success, f"{method.upper()} {path} documents no success answer"
            for code in success:
                if code != "204":
                    assert "content" in responses[code], f"{method.upper()} {path} {code} has no body schema"
            errors = [code for code in responses if code.startswith("4")]
            assert errors, f"{method.upper()} {path} documents no error answer"
            for code in errors:
                ref = _ref(responses[code]["content"])
                assert ref in ("#/components/schemas/Error", "#/components/schemas/SurveyAlreadyAnsweredOutput"), \
                    (path, method, code, ref)
            if item[method].get("security"):  # absent for the public ones (auth=[])
                assert "401" in responses, f"{method.upper()} {path} needs credentials but documents no 401"


def test_conversation_list_and_detail_have_real_shapes(schema):
    components = schema["components"]["schemas"]
    listing = schema["paths"]["/api/v1/conversations/"]["get"]["responses"]["200"]
    page = components[_ref(listing["content"]).rsplit("/", 1)[-1]]
    assert {"count", "next", "previous", "results"} <= set(page["properties"])
    assert page["properties"]["results"]["items"]["$ref"] == "#/components/schemas/ConversationOutput"
    detail = schema["paths"]["/api/v1/conversations/{conversation_id}/"]["get"]["responses"]["200"]
    assert _ref(detail["content"]) == "#/components/schemas/ConversationDetailOutput"
    fields = components["ConversationDetailOutput"]["properties"]
    assert {"contact", "status", "handoff", "flow_log", "csat", "language", "resolved_at"} <= set(fields)
    error = components["ErrorDetail"]
    assert set(error["required"]) == {"code", "message", "fields"}
