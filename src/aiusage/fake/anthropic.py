"""A fake of Anthropic's Admin Usage & Cost API and the free token-counting call.

It speaks the documented formats (provider-apis.md §2a–2d) with seeded, realistic data: two
named workspaces plus the default one, three Claude models, 5-minute and 1-hour cache
writes, Batch and long-context rows, hourly usage over ``days`` days. It refuses what the
real API refuses: a missing ``anthropic-version`` (400), an unknown key (401), a normal key
on an admin endpoint (403) and an admin key on ``count_tokens`` (401), bad parameters (400).
Pagination works like the API's: ``limit`` buckets per page, ``has_more`` + ``next_page``.
Cost amounts are decimal strings of cents, as the real report sends them.
"""

from __future__ import annotations

import base64
import json
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiusage.fake.claude_oauth import error
from aiusage.fake.server import FakeServer, Recorded, Reply

ADMIN_KEY = "sk-ant-admin01-FAKE-admin-key-0123456789abcdefghijklmnopqrstuvwxyz"
API_KEY = "sk-ant-api03-FAKE-normal-key-0123456789abcdefghijklmnopqrstuvwxyz"
VERSION = "2023-06-01"
NOW_MS = 1_785_849_600_000  # 2026-08-04T13:20:00Z: the current hour is still filling
USAGE_PATH = "/v1/organizations/usage_report/messages"
COST_PATH = "/v1/organizations/cost_report"
COUNT_PATH = "/v1/messages/count_tokens"
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
WIDTH_MS = {"1m": 60_000, "1h": HOUR_MS, "1d": DAY_MS}
LIMITS = {"1d": (7, 31), "1h": (24, 168), "1m": (60, 1440)}  # (default, max)
#: The dimension fields of a usage row (null unless grouped by); 'speed' groups but is unused.
_DIMS: tuple[str, ...] = ("api_key_id", "workspace_id", "model", "service_tier")
_DIMS += ("context_window", "inference_geo", "account_id", "service_account_id")
USAGE_GROUPS = frozenset((*_DIMS, "speed"))
#: (workspace_id, api_key_id); None/None is Console usage in the default workspace.
KEYS = (("wrkspc_01FakeAlpha", "apikey_01FakeAlpha"), ("wrkspc_01FakeBeta", "apikey_01FakeBeta"))
KEYS_ALL = (*KEYS, (None, None))
#: model -> (display name, chance of use in an hour, $/MTok input, output)
MODELS = {
    "claude-sonnet-4-5-20250929": ("Claude Sonnet 4.5", 0.7, Decimal(3), Decimal(15)),
    "claude-opus-4-1-20250805": ("Claude Opus 4.1", 0.25, Decimal(15), Decimal(75)),
    "claude-haiku-4-5-20251001": ("Claude Haiku 4.5", 0.5, Decimal(1), Decimal(5)),
}
#: token_type -> (label in descriptions, priced off input or output, multiple of that price)
TOKEN_TYPES = {
    "uncached_input_tokens": ("Input Tokens", "in", Decimal(1)),
    "output_tokens": ("Output Tokens", "out", Decimal(1)),
    "cache_read_input_tokens": ("Cache Read", "in", Decimal("0.1")),
    "cache_creation.ephemeral_5m_input_tokens": ("5m Cache Write", "in", Decimal("1.25")),
    "cache_creation.ephemeral_1h_input_tokens": ("1h Cache Write", "in", Decimal(2)),
}
WEB_SEARCH_CENTS = Decimal(1)  # $10 per 1,000 searches


@dataclass(slots=True)
class UsageRow:
    """One hour of one key's use of one model (what the API aggregates from)."""

    start_ms: int
    workspace_id: str | None
    api_key_id: str | None
    model: str
    service_tier: str
    context_window: str
    uncached: int
    cache_5m: int
    cache_1h: int
    cache_read: int
    output: int
    web_search: int

    def tokens(self) -> dict[str, int]:
        return {
            "uncached_input_tokens": self.uncached,
            "output_tokens": self.output,
            "cache_read_input_tokens": self.cache_read,
            "cache_creation.ephemeral_5m_input_tokens": self.cache_5m,
            "cache_creation.ephemeral_1h_input_tokens": self.cache_1h,
        }


def rfc3339(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> int:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def generate(days: int, now_ms: int, seed: int) -> list[UsageRow]:
    """Seeded hourly usage from ``days`` days before ``now_ms`` up to its (partial) hour."""
    rng = random.Random(seed)
    rows: list[UsageRow] = []
    first = (now_ms // HOUR_MS - days * 24) * HOUR_MS
    for start in range(first, now_ms, HOUR_MS):
        for workspace, key in KEYS_ALL:
            for model, (_, chance, _, _) in MODELS.items():
                if rng.random() >= chance * (0.4 if key is None else 1.0):
                    continue
                long = model.startswith("claude-sonnet") and rng.random() < 0.15
                uncached = rng.randint(200, 40_000) + (200_000 if long else 0)
                rows.append(
                    UsageRow(
                        start_ms=start,
                        workspace_id=workspace,
                        api_key_id=key,
                        model=model,
                        service_tier="batch" if rng.random() < 0.1 else "standard",
                        context_window="200k-1M" if long else "0-200k",
                        uncached=uncached,
                        cache_5m=rng.randint(0, 30_000),
                        cache_1h=rng.choice((0, 0, rng.randint(1_000, 60_000))),
                        cache_read=rng.randint(0, 400_000),
                        output=rng.randint(50, 12_000),
                        web_search=rng.choice((0, 0, 0, rng.randint(1, 9))),
                    )
                )
    return rows


def line_items(row: UsageRow) -> list[dict[str, Any]]:
    """The cost report's line items for one usage row, amounts as exact Decimal cents."""
    name, _, price_in, price_out = MODELS[row.model]
    long = row.context_window == "200k-1M"
    batch = Decimal("0.5") if row.service_tier == "batch" else Decimal(1)
    base = {  # long context doubles input prices and multiplies output by 1.5
        "in": price_in * (2 if long else 1) * batch,
        "out": price_out * (Decimal("1.5") if long else 1) * batch,
    }
    suffix = " (Long Context)" if long else ""
    suffix += " (Batch)" if row.service_tier == "batch" else ""
    items: list[dict[str, Any]] = []
    for token_type, count in row.tokens().items():
        if not count:
            continue
        label, priced_off, multiple = TOKEN_TYPES[token_type]
        per_mtok = base[priced_off] * multiple
        items.append(
            {
                "amount": Decimal(count) * per_mtok * 100 / 1_000_000,
                "description": f"{name} Usage - {label}{suffix}",
                "cost_type": "tokens",
                "model": row.model,
                "service_tier": row.service_tier,
                "token_type": token_type,
                "context_window": row.context_window,
                "inference_geo": "global",
            }
        )
    if row.web_search:
        items.append(
            {
                "amount": WEB_SEARCH_CENTS * row.web_search,
                "description": "Web Search",
                "cost_type": "web_search",
                "model": None,
                "service_tier": None,
                "token_type": None,
                "context_window": None,
                "inference_geo": None,
            }
        )
    return items


def cents(value: Decimal) -> str:
    """Cents as the API writes them: a plain decimal string."""
    return format(value.normalize(), "f") if value else "0"


class FakeAnthropic(FakeServer):
    """Anthropic's Admin usage/cost reports and ``count_tokens`` over seeded data."""

    def __init__(
        self,
        *,
        admin_key: str = ADMIN_KEY,
        api_key: str = API_KEY,
        days: int = 3,
        seed: int = 7,
        now_ms: int = NOW_MS,
    ) -> None:
        super().__init__()
        self.admin_key, self.api_key, self.now_ms = admin_key, api_key, now_ms
        self.rows = generate(days, now_ms, seed)
        self.rate_remaining = 50

    # -- routing -----------------------------------------------------------------------

    def answer(self, request: Recorded) -> Reply:
        split = urlsplit(request.path)
        path, query = split.path, parse_qs(split.query, keep_blank_values=True)
        routes = {USAGE_PATH: "GET", COST_PATH: "GET", COUNT_PATH: "POST"}
        if path not in routes:
            return error(404, "not_found_error", f"Not found: {path}")
        if request.method != routes[path]:
            return error(405, "invalid_request_error", "Method not allowed")
        refused = self._check(request, admin=path != COUNT_PATH)
        if refused is not None:
            return refused
        scripted = self.next_scripted()
        if scripted is not None:
            return scripted
        try:
            if path == COUNT_PATH:
                return self._count_tokens(request.body)
            if path == COST_PATH:
                return Reply(200, self._report(query, cost=True), _request_id())
            return Reply(200, self._report(query, cost=False), _request_id())
        except ValueError as exc:
            return error(400, "invalid_request_error", str(exc))

    def _check(self, request: Recorded, *, admin: bool) -> Reply | None:
        key = request.headers.get("x-api-key")
        if not request.headers.get("anthropic-version"):
            return error(400, "invalid_request_error", "anthropic-version: header is required")
        if key is None:
            return error(401, "authentication_error", "x-api-key header is required")
        if admin and key == self.api_key:
            return error(
                403,
                "permission_error",
                "This endpoint requires an Admin API key (sk-ant-admin...).",
            )
        if key != (self.admin_key if admin else self.api_key):
            return error(401, "authentication_error", "invalid x-api-key")
        return None

    # -- reports -----------------------------------------------------------------------

    def _report(self, query: dict[str, list[str]], *, cost: bool) -> dict[str, Any]:
        width = _one(query, "bucket_width", "1d")
        if width not in WIDTH_MS or (cost and width != "1d"):
            raise ValueError(f"bucket_width: invalid value {width!r}")
        step = WIDTH_MS[width]
        default, most = (7, 31) if cost else LIMITS[width]
        limit = int(_one(query, "limit", str(default)))
        if not 1 <= limit <= most:
            raise ValueError(f"limit: must be between 1 and {most} for bucket_width {width}")
        if "starting_at" not in query:
            raise ValueError("starting_at: field required")
        start = parse_rfc3339(_one(query, "starting_at", "")) // step * step
        end = parse_rfc3339(_one(query, "ending_at", "")) if "ending_at" in query else self.now_ms
        groups = query.get("group_by[]", [])
        allowed = {"workspace_id", "description"} if cost else USAGE_GROUPS
        for group in groups:
            if group not in allowed:
                raise ValueError(f"group_by: invalid value {group!r}")
        page = _one(query, "page", "")
        if page:
            start = parse_rfc3339(base64.b64decode(page.removeprefix("page_")).decode())
        buckets = list(range(start, end, step))
        shown, rest = buckets[:limit], buckets[limit:]
        data = [
            {
                "starting_at": rfc3339(b),
                "ending_at": rfc3339(b + step),
                "results": self._costs(b, b + step, groups)
                if cost
                else self._usage(b, b + step, groups, query),
            }
            for b in shown
        ]
        token = "page_" + base64.b64encode(rfc3339(rest[0]).encode()).decode() if rest else None
        return {"data": data, "has_more": bool(rest), "next_page": token}

    def _usage(
        self, start: int, end: int, groups: list[str], query: dict[str, list[str]]
    ) -> list[dict[str, Any]]:
        filters = {
            "workspace_id": set(query.get("workspace_ids[]", [])),
            "api_key_id": set(query.get("api_key_ids[]", [])),
            "model": set(query.get("models[]", [])),
        }
        totals: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * 6)
        for row in self.rows:
            if not start <= row.start_ms < end:
                continue
            if any(allow and getattr(row, f) not in allow for f, allow in filters.items()):
                continue
            dims = tuple(getattr(row, g, None) if g in groups else None for g in _DIMS)
            sums = totals[dims]
            for i, value in enumerate(
                (row.uncached, row.cache_5m, row.cache_1h, row.cache_read, row.output)
            ):
                sums[i] += value
            sums[5] += row.web_search
        return [
            {
                "uncached_input_tokens": s[0],
                "cache_creation": {
                    "ephemeral_1h_input_tokens": s[2],
                    "ephemeral_5m_input_tokens": s[1],
                },
                "cache_read_input_tokens": s[3],
                "output_tokens": s[4],
                "server_tool_use": {"web_search_requests": s[5]},
                **dict(zip(_DIMS, dims, strict=True)),
            }
            for dims, s in sorted(totals.items(), key=lambda kv: json.dumps(kv[0]))
        ]

    def _costs(self, start: int, end: int, groups: list[str]) -> list[dict[str, Any]]:
        totals: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
        fields: dict[tuple[Any, ...], dict[str, Any]] = {}
        by_description = "description" in groups
        for row in self.rows:
            if not start <= row.start_ms < end:
                continue
            workspace = row.workspace_id if "workspace_id" in groups else None
            for item in line_items(row):
                key = (workspace, item["description"] if by_description else None)
                totals[key] += item["amount"]
                fields[key] = item
        results = []
        for key, amount in sorted(totals.items(), key=lambda kv: json.dumps(kv[0])):
            item = fields[key]
            shown = {f: item[f] if by_description else None for f in _COST_FIELDS}
            results.append(
                {"currency": "USD", "amount": cents(amount), "workspace_id": key[0], **shown}
            )
        return results

    # -- token counting ----------------------------------------------------------------

    def _count_tokens(self, body: bytes) -> Reply:
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            return error(400, "invalid_request_error", "There was an issue with the JSON body")
        if not isinstance(payload, dict) or "model" not in payload or "messages" not in payload:
            return error(400, "invalid_request_error", "model and messages: field required")
        if "max_tokens" in payload:
            return error(400, "invalid_request_error", "max_tokens: Extra inputs are not permitted")
        self.rate_remaining = max(0, self.rate_remaining - 1)
        reset = rfc3339((self.now_ms // 60_000 + 1) * 60_000)
        headers = {**_request_id(), **rate_limit_headers(self.rate_remaining, reset)}
        text = json.dumps(payload["messages"])
        return Reply(200, {"input_tokens": 8 + len(text) // 4}, headers)


_COST_FIELDS = (
    "description",
    "cost_type",
    "context_window",
    "model",
    "service_tier",
    "token_type",
    "inference_geo",
)
_request_ids = iter(range(1, 10**9))


def _request_id() -> dict[str, str]:
    return {"request-id": f"req_fake{next(_request_ids):012d}"}


def rate_limit_headers(requests_remaining: int, reset: str) -> dict[str, str]:
    """``anthropic-ratelimit-*`` headers: requests, tokens (the tightest), input, output."""
    figures = {
        "requests": (50, requests_remaining),
        "tokens": (100_000, 88_000),
        "input-tokens": (80_000, 80_000),
        "output-tokens": (20_000, 8_000),
    }
    headers: dict[str, str] = {}
    for name, (limit, remaining) in figures.items():
        headers[f"anthropic-ratelimit-{name}-limit"] = str(limit)
        headers[f"anthropic-ratelimit-{name}-remaining"] = str(remaining)
        headers[f"anthropic-ratelimit-{name}-reset"] = reset
    return headers


def _one(query: dict[str, list[str]], name: str, default: str) -> str:
    values = query.get(name)
    return values[-1] if values else default
