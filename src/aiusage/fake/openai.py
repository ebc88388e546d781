"""A fake of OpenAI's organization Usage and Costs APIs, projects list and chat completions.

Why: the adapter must be tested over real HTTP against the real formats (spec'd in
``shared/specs/openai-openapi.yaml``, checked by the tests): ``page``/``bucket`` objects,
``limit``/``page``/``next_page``/``has_more`` pagination, ``start_time``/``end_time``/
``bucket_width``/``group_by`` filters, cost ``amount.value`` in dollars, and the errors an
Admin-key API gives (401 for an unknown key, 403 for a project key). Its data is seeded:
``rows`` holds every hourly record it aggregates, so tests can compute expected totals.
Unverified details: the 403 body an Admin key gets on chat completions, cost line-item
names other than "<model>, input|cached input|output", and the bucket alignment (buckets
start at ``start_time`` floored to the bucket width here).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiusage.fake.openai_data import ADMIN_KEY, NOW_S, PROJECT_KEY, PROJECTS, Row, Seeded
from aiusage.fake.server import FakeServer, Recorded, Reply

WIDTHS = {"1m": 60, "1h": 3600, "1d": 86400}
LIMITS = {"1m": (60, 1440), "1h": (24, 168), "1d": (7, 31)}  # (default, max) per page
COST_LIMITS = (7, 180)
#: group_by fields each endpoint accepts (and returns, null unless grouped by).
_MODEL_GROUPS = ("project_id", "user_id", "api_key_id", "model")
GROUPS: dict[str, tuple[str, ...]] = {
    "completions": (*_MODEL_GROUPS, "batch", "service_tier"),
    "embeddings": _MODEL_GROUPS,
    "moderations": _MODEL_GROUPS,
    "images": (*_MODEL_GROUPS, "size", "source"),
    "audio_speeches": _MODEL_GROUPS,
    "audio_transcriptions": _MODEL_GROUPS,
    "vector_stores": ("project_id",),
    "code_interpreter_sessions": ("project_id",),
    "costs": ("project_id", "line_item", "api_key_id"),
}
OBJECTS = {k: f"organization.usage.{k}.result" for k in GROUPS} | {
    "costs": "organization.costs.result"
}
_GAUGES = {"usage_bytes"}  # a size at a moment: a wider bucket shows the largest


def _error(status: int, message: str, type_: str, code: str | None = None) -> Reply:
    return Reply(
        status, {"error": {"message": message, "type": type_, "param": None, "code": code}}
    )


def _invalid(message: str) -> Reply:
    return _error(400, message, "invalid_request_error")


def encode_cursor(kind: str, start_s: int) -> str:
    return "page_" + base64.urlsafe_b64encode(f"{kind}:{start_s}".encode()).decode()


def _decode_cursor(kind: str, cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor.removeprefix("page_").encode()).decode()
        got_kind, start = text.split(":")
        return int(start) if got_kind == kind else None
    except (ValueError, UnicodeDecodeError):
        return None


class FakeOpenAI(FakeServer):
    """OpenAI's admin Usage/Costs API on loopback; base URL is ``base_url + '/v1'``."""

    def __init__(
        self,
        *,
        admin_key: str = ADMIN_KEY,
        project_key: str = PROJECT_KEY,
        now_s: int = NOW_S,
        days: int = 3,
        seed: int = 7,
    ) -> None:
        super().__init__()
        self.admin_key, self.project_key, self.now_s = admin_key, project_key, now_s
        self.data = Seeded(now_s=now_s, days=days, seed=seed)
        self.probes = 0
        self._index: dict[tuple[str, int], list[Row]] = {}
        for row in self.data.rows:
            self._index.setdefault((row.kind, row.hour_s), []).append(row)

    @property
    def rows(self) -> list[Row]:
        return self.data.rows

    def answer(self, request: Recorded) -> Reply:
        url = urlsplit(request.path)
        path = url.path.removeprefix("/v1/")
        query = parse_qs(url.query, keep_blank_values=True)
        bearer = request.bearer()
        if bearer not in (self.admin_key, self.project_key):
            # the real API masks most of the key; echoing it whole tests our redaction
            return _error(
                401,
                f"Incorrect API key provided: {bearer or ''}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                "invalid_request_error",
                "invalid_api_key",
            )
        if path == "chat/completions" and request.method == "POST":
            return self.next_scripted() or self._chat(bearer, request.body)
        if not path.startswith("organization/"):
            return _error(
                404, f"Invalid URL ({request.method} {url.path})", "invalid_request_error"
            )
        if bearer != self.admin_key:
            return _error(
                403,
                "You have insufficient permissions for this operation. Missing scopes: "
                "api.usage.read. Check that you have the correct role in your organization "
                "(Owner), and if you're using a restricted API key, that it has the "
                "necessary scopes.",
                "invalid_request_error",
            )
        scripted = self.next_scripted()
        if scripted is not None:
            return scripted
        if path == "organization/projects":
            return self._projects()
        kind = path.removeprefix("organization/").removeprefix("usage/")
        if kind not in GROUPS or (kind == "costs") != (path == "organization/costs"):
            return _error(404, f"Invalid URL (GET {url.path})", "invalid_request_error")
        return self._page(kind, query)

    def _page(self, kind: str, query: dict[str, list[str]]) -> Reply:
        def one(name: str) -> str | None:
            return query[name][-1] if name in query else None

        def many(name: str) -> list[str]:
            return query.get(name, []) + query.get(f"{name}[]", [])

        try:
            start = int(one("start_time") or "")
            end = int(one("end_time") or self.now_s + 1)
        except ValueError:
            return _invalid(
                "start_time (and end_time) must be Unix seconds; start_time is required"
            )
        width_name = one("bucket_width") or "1d"
        if width_name not in WIDTHS or (kind == "costs" and width_name != "1d"):
            return _invalid(f"Invalid value for 'bucket_width': {width_name}")
        default, most = COST_LIMITS if kind == "costs" else LIMITS[width_name]
        try:
            limit = int(one("limit") or default)
        except ValueError:
            return _invalid("Invalid value for 'limit'")
        if not 1 <= limit <= most:
            return _invalid(f"'limit' must be between 1 and {most} for bucket_width={width_name}")
        group_by = many("group_by")
        if bad := [g for g in group_by if g not in GROUPS[kind]]:
            return _invalid(f"Invalid value for 'group_by': {bad[0]}")
        width = WIDTHS[width_name]
        first = start - start % width
        cursor = one("page")
        if cursor is not None:
            at = _decode_cursor(kind, cursor)
            if at is None:
                return _invalid("Invalid value for 'page'")
            first = at
        stop = min(end, self.now_s + 1)
        starts = list(range(first, stop, width))
        shown, rest = starts[:limit], starts[limit:]
        filters = {
            "project_id": many("project_ids"),
            "api_key_id": many("api_key_ids"),
            "user_id": many("user_ids"),
            "model": many("models"),
        }
        data = [
            {
                "object": "bucket",
                "start_time": b,
                "end_time": b + width,
                "results": self._results(kind, b, b + width, group_by, filters),
            }
            for b in shown
        ]
        next_page = encode_cursor(kind, rest[0]) if rest else None
        return Reply(
            200, {"object": "page", "data": data, "has_more": bool(rest), "next_page": next_page}
        )

    def _results(
        self,
        kind: str,
        lo: int,
        hi: int,
        group_by: list[str],
        filters: dict[str, list[str]],
    ) -> list[dict[str, Any]]:
        sums: dict[tuple[Any, ...], dict[str, float]] = {}
        first_hour = lo + (-lo) % 3600
        for row in (r for h in range(first_hour, hi, 3600) for r in self._index.get((kind, h), ())):
            if any(f and row.groups.get(k) not in f for k, f in filters.items()):
                continue
            values = {**row.groups, "line_item": row.line_item or None}
            group = tuple(values.get(g) for g in group_by)
            group += (row.quantity_unit,) if "line_item" in group_by else ()
            acc = sums.setdefault(group, {})
            for name, value in row.metrics.items():
                old = acc.get(name, 0)
                acc[name] = max(old, value) if name in _GAUGES else old + value
        out = []
        for group, metrics in sums.items():
            result: dict[str, Any] = {"object": OBJECTS[kind]}
            fields = dict(zip(group_by, group, strict=False))
            if kind == "costs":
                result["amount"] = {"value": metrics["amount"], "currency": "usd"}
                for name in GROUPS[kind]:
                    result[name] = fields.get(name)
                by_item = "line_item" in group_by
                result["quantity"] = metrics["quantity"] if by_item else None
                result["quantity_unit"] = group[-1] if by_item else None
            else:
                result.update({k: int(v) for k, v in metrics.items()})
                for name in GROUPS[kind]:
                    result[name] = fields.get(name)
            out.append(result)
        return out

    def _projects(self) -> Reply:
        data = [
            {
                "id": pid,
                "object": "organization.project",
                "name": name,
                "created_at": 1_711_471_533,
                "archived_at": None,
                "status": "active",
            }
            for pid, name in PROJECTS
        ]
        return Reply(
            200,
            {
                "object": "list",
                "data": data,
                "first_id": data[0]["id"],
                "last_id": data[-1]["id"],
                "has_more": False,
            },
        )

    def _chat(self, bearer: str | None, body: bytes) -> Reply:
        if bearer == self.admin_key:
            return _error(
                403, "Admin API keys cannot be used for this endpoint.", "invalid_request_error"
            )
        try:
            model = str(json.loads(body)["model"])
        except (ValueError, KeyError, TypeError):
            return _invalid("you must provide a model parameter")
        self.probes += 1
        headers = {
            "x-ratelimit-limit-requests": "500",
            "x-ratelimit-remaining-requests": str(500 - self.probes),
            "x-ratelimit-reset-requests": "120ms",
            "x-ratelimit-limit-tokens": "200000",
            "x-ratelimit-remaining-tokens": str(200000 - 9 * self.probes),
            "x-ratelimit-reset-tokens": "6m0s",
            "openai-version": "2020-10-01",
        }
        reply = {
            "id": f"chatcmpl-fake{self.probes}",
            "object": "chat.completion",
            "created": self.now_s,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "Hi", "refusal": None},
                    "logprobs": None,
                    "finish_reason": "length",
                }
            ],
            "usage": {"prompt_tokens": 8, "completion_tokens": 1, "total_tokens": 9},
            "service_tier": "default",
        }
        return Reply(200, reply, headers)
