"""The OpenAI fake checked against the official OpenAPI spec, so that a drift in the
fake's shapes (a renamed field, a missing cursor, cents for dollars) fails here."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from aiusage.fake import openai as fake
from aiusage.fake.openai_data import ADMIN_KEY, NOW_S, PROJECT_KEY

#: The official spec, vendored in tests/specs so the check always runs (never skipped).
SPEC = Path(__file__).resolve().parents[1] / "specs" / "openai-openapi.yaml"
SINCE_S = NOW_S - NOW_S % 3600 - 3 * 86400  # the fake's first hour


@pytest.fixture
def server() -> Iterator[fake.FakeOpenAI]:
    srv = fake.FakeOpenAI()
    with srv:
        yield srv


RESULT_SCHEMAS = {
    "completions": "UsageCompletionsResult",
    "embeddings": "UsageEmbeddingsResult",
    "moderations": "UsageModerationsResult",
    "images": "UsageImagesResult",
    "audio_speeches": "UsageAudioSpeechesResult",
    "audio_transcriptions": "UsageAudioTranscriptionsResult",
    "vector_stores": "UsageVectorStoresResult",
    "code_interpreter_sessions": "UsageCodeInterpreterSessionsResult",
    "costs": "CostsResult",
}
#: Schemas made closed (no extra fields) so that a renamed field in the fake fails too.
CLOSED = (
    *RESULT_SCHEMAS.values(),
    "UsageResponse",
    "UsageTimeBucket",
    "ErrorResponse",
    "Error",
    "ProjectListResponse",
)


@pytest.fixture(scope="module")
def validators() -> dict[str, Any]:
    """A validator per spec schema, $refs resolved within the spec document."""
    import yaml
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    doc = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=loader)
    doc = copy.deepcopy(doc)
    schemas = doc["components"]["schemas"]
    for name in CLOSED:
        schemas[name]["additionalProperties"] = False
    registry = Registry().with_resource(
        "urn:openai-spec", Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    names = {*CLOSED, "CreateChatCompletionResponse"}
    return {
        n: Draft202012Validator(
            {"$ref": f"urn:openai-spec#/components/schemas/{n}"}, registry=registry
        )
        for n in names
    }


def fetch(server: fake.FakeOpenAI, path: str, key: str = ADMIN_KEY, **kw: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server.base_url + "/v1", timeout=5) as client:
        if path == "chat/completions":
            return client.post(path, headers=headers, json={"model": "gpt-4o-mini", **kw})
        return client.get(path, headers=headers, params=kw)


@pytest.mark.parametrize("kind", list(RESULT_SCHEMAS))
def test_fake_pages_conform_to_the_spec(
    server: fake.FakeOpenAI, validators: dict[str, Any], kind: str
) -> None:
    path = "organization/costs" if kind == "costs" else f"organization/usage/{kind}"
    groups = fake.GROUPS[kind]
    widths = ["1d"] if kind == "costs" else ["1h", "1d"]
    seen_results, filled = 0, set()
    for width in widths:
        for group_by in ([], list(groups)):
            page = fetch(
                server,
                path,
                start_time=SINCE_S,
                bucket_width=width,
                limit=2,
                **{"group_by[]": group_by},
            )
            assert page.status_code == 200, page.text
            body = page.json()
            validators["UsageResponse"].validate(body)
            assert body["has_more"] is True and body["next_page"]
            after = fetch(
                server,
                path,
                start_time=SINCE_S,
                bucket_width=width,
                limit=2,
                page=body["next_page"],
                **{"group_by[]": group_by},
            )
            validators["UsageResponse"].validate(after.json())
            assert after.json()["data"][0]["start_time"] == body["data"][-1]["end_time"]
            for bucket in body["data"] + after.json()["data"]:
                for result in bucket["results"]:
                    validators[RESULT_SCHEMAS[kind]].validate(result)
                    for name in groups:  # null unless grouped by
                        if name not in group_by:
                            assert result[name] is None
                        elif result[name] is not None:
                            filled.add(name)
                    seen_results += 1
    assert seen_results > 0 and filled == set(groups)


def test_fake_pages_to_the_end(server: fake.FakeOpenAI, validators: dict[str, Any]) -> None:
    body = fetch(
        server, "organization/usage/completions", start_time=SINCE_S, bucket_width="1d", limit=31
    ).json()
    validators["UsageResponse"].validate(body)
    assert body["has_more"] is False and body["next_page"] is None
    assert len(body["data"]) == 4  # 3 days back, starting mid-day, to today
    bad = fetch(
        server, "organization/usage/completions", start_time=SINCE_S, bucket_width="1h", limit=169
    )
    assert bad.status_code == 400
    validators["ErrorResponse"].validate(bad.json())
    assert (
        fetch(server, "organization/costs", start_time=SINCE_S, bucket_width="1h").status_code
        == 400
    )


def test_fake_errors_projects_and_chat_conform(
    server: fake.FakeOpenAI, validators: dict[str, Any]
) -> None:
    for key, status in (("sk-nope", 401), (PROJECT_KEY, 403)):
        answer = fetch(server, "organization/usage/completions", key=key, start_time=SINCE_S)
        assert answer.status_code == status
        validators["ErrorResponse"].validate(answer.json())
    projects = fetch(server, "organization/projects", limit=100)
    validators["ProjectListResponse"].validate(projects.json())
    chat = fetch(server, "chat/completions", key=PROJECT_KEY, max_completion_tokens=1)
    validators["CreateChatCompletionResponse"].validate(chat.json())
    assert chat.headers["x-ratelimit-reset-tokens"] == "6m0s"
    refused = fetch(server, "chat/completions")
    assert refused.status_code == 403
    validators["ErrorResponse"].validate(refused.json())


def test_spec_check_catches_a_drifted_shape(
    server: fake.FakeOpenAI, validators: dict[str, Any]
) -> None:
    from jsonschema import ValidationError

    body = fetch(
        server,
        "organization/usage/completions",
        start_time=SINCE_S,
        bucket_width="1h",
        limit=24,
        **{"group_by[]": ["model"]},
    ).json()
    result = next(r for b in body["data"] for r in b["results"])
    renamed = dict(result)
    renamed["cached_tokens"] = renamed.pop("input_cached_tokens")
    with pytest.raises(ValidationError):
        validators["UsageCompletionsResult"].validate(renamed)
    no_cursor = {k: v for k, v in body.items() if k != "next_page"}
    with pytest.raises(ValidationError):
        validators["UsageResponse"].validate(no_cursor)
    cost = {"object": "organization.costs.result", "amount": {"value": "0.06", "currency": "usd"}}
    with pytest.raises(ValidationError):
        validators["CostsResult"].validate(cost)
