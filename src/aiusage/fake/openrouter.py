"""A fake of OpenRouter's ``GET /key``, ``GET /credits`` and ``GET /activity``.

It speaks the shapes of OpenRouter's OpenAPI spec (provider-apis.md §4; the tests validate
every body against the spec's response schemas) with seeded, realistic data: 30 completed
UTC days of per-model, per-endpoint activity with token counts and USD cost, one BYOK
endpoint, and key spend that adds up from that activity. It refuses what the real API
refuses: no key or an unknown one (401), an inference key on a management-only endpoint
(403), a malformed ``date`` filter (400), always as ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import copy
import random
import threading
from collections import defaultdict, deque
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiusage.fake.server import FakeServer, Recorded, Reply

BASE_PATH = "/api/v1"
INFERENCE_KEY = "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"
MANAGEMENT_KEY = "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"
NOW_MS = 1_766_940_000_000  # 2025-12-28T16:40:00Z (a Sunday): today is still filling
DAY_MS = 86_400_000
#: model -> (permaslug, [(provider_name, endpoint_id, byok)], $/MTok in, out, reasoning share)
MODELS: dict[str, tuple[str, list[tuple[str, str, bool]], float, float, float]] = {
    "openai/gpt-4.1": (
        "openai/gpt-4.1-2025-04-14",
        [("OpenAI", "6b7f5c1e-0000-4000-8000-00000000a001", False)],
        2.0,
        8.0,
        0.0,
    ),
    "anthropic/claude-sonnet-4.5": (
        "anthropic/claude-4.5-sonnet-20250929",
        [
            ("Anthropic", "6b7f5c1e-0000-4000-8000-00000000b001", False),
            ("Google", "6b7f5c1e-0000-4000-8000-00000000b002", False),
        ],
        3.0,
        15.0,
        0.0,
    ),
    "deepseek/deepseek-r1": (
        "deepseek/deepseek-r1",
        [("DeepInfra", "6b7f5c1e-0000-4000-8000-00000000c001", True)],
        0.7,
        2.4,
        0.6,
    ),
    "google/gemini-2.5-flash": (
        "google/gemini-2.5-flash",
        [("Google AI Studio", "6b7f5c1e-0000-4000-8000-00000000d001", False)],
        0.3,
        2.5,
        0.2,
    ),
}
BYOK_FEE = 0.05  # OpenRouter charges 5% of the upstream cost on BYOK requests
EARLIER_USAGE = 12.3456  # spent before the 30 days /activity covers
TOTAL_CREDITS = 250.0


def error(code: int, message: str, **extra: Any) -> Reply:
    """OpenRouter's error body: ``{"error": {"code": …, "message": …}}``."""
    body: dict[str, Any] = {"error": {"code": code, "message": message, **extra}}
    return Reply(code, body)


def too_many_requests(retry_after: str | None = "2") -> Reply:
    """OpenRouter's own 429: X-RateLimit-* headers (reset in epoch ms, unverified)."""
    headers = {"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0"}
    headers["X-RateLimit-Reset"] = str(NOW_MS + 10_000)
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    body = {
        "error": {
            "code": 429,
            "message": "Rate limit exceeded",
            "metadata": {"error_type": "rate_limit_exceeded"},
        }
    }
    return Reply(429, body, headers)


def key_label(key: str) -> str:
    """How OpenRouter labels an unnamed key: a prefix and the last three characters."""
    return f"{key[:11]}...{key[-3:]}"


def make_activity(now_ms: int = NOW_MS, seed: int = 0) -> list[dict[str, Any]]:
    """Rows for the 30 completed UTC days before ``now_ms``, newest day first."""
    rng = random.Random(seed)
    today = datetime.fromtimestamp(now_ms / 1000, UTC).date()
    rows: list[dict[str, Any]] = []
    for back in range(1, 31):
        day = (today - timedelta(days=back)).isoformat()
        for model, (slug, endpoints, p_in, p_out, reasoning) in MODELS.items():
            for provider, endpoint, byok in endpoints:
                if rng.random() > 0.65:
                    continue
                requests = rng.randint(1, 80)
                prompt = requests * rng.randint(400, 9000)
                completion = requests * rng.randint(80, 1600)
                upstream = (prompt * p_in + completion * p_out) / 1e6
                rows.append(
                    {
                        "date": day,
                        "model": model,
                        "model_permaslug": slug,
                        "endpoint_id": endpoint,
                        "provider_name": provider,
                        "usage": round(upstream * BYOK_FEE if byok else upstream, 6),
                        "byok_usage_inference": round(upstream, 6) if byok else 0.0,
                        "requests": requests,
                        "prompt_tokens": prompt,
                        "completion_tokens": completion,
                        "reasoning_tokens": int(completion * reasoning),
                    }
                )
    return rows


class FakeOpenRouter(FakeServer):
    """OpenRouter under ``/api/v1``. ``activity``, ``credits`` and ``keys`` hold the data."""

    def __init__(self, *, now_ms: int = NOW_MS, seed: int = 0) -> None:
        super().__init__()
        self.now_ms = now_ms
        self.activity = make_activity(now_ms, seed)
        rng = random.Random(seed + 1)
        self.today_usage = round(rng.uniform(0.05, 1.5), 6)
        spent = sum(r["usage"] for r in self.activity) + self.today_usage
        self.credits = {
            "total_credits": TOTAL_CREDITS,
            "total_usage": round(spent + EARLIER_USAGE, 6),
        }
        self.keys: dict[str, dict[str, Any]] = {
            INFERENCE_KEY: self._key_info(INFERENCE_KEY, management=False),
            MANAGEMENT_KEY: self._key_info(MANAGEMENT_KEY, management=True),
        }
        self._by_path: dict[str, deque[Reply]] = defaultdict(deque)
        self._path_lock = threading.Lock()

    def _key_info(self, key: str, *, management: bool) -> dict[str, Any]:
        today = datetime.fromtimestamp(self.now_ms / 1000, UTC).date()
        week_start = today - timedelta(days=today.weekday())

        def spent(since: date, field: str = "usage") -> float:
            rows = [r for r in self.activity if date.fromisoformat(r["date"]) >= since]
            return float(sum(r[field] for r in rows))

        usage = 0.0 if management else self.today_usage
        info: dict[str, Any] = {
            "label": "Management key" if management else key_label(key),
            "limit": None if management else 100.0,
            "limit_remaining": None,
            "limit_reset": None if management else "monthly",
            "include_byok_in_limit": False,
            "usage": round(0 if management else spent(date.min) + EARLIER_USAGE + usage, 6),
            "usage_daily": round(usage, 6),
            "usage_weekly": round(0 if management else spent(week_start) + usage, 6),
            "usage_monthly": round(0 if management else spent(today.replace(day=1)) + usage, 6),
            "byok_usage": round(0 if management else spent(date.min, "byok_usage_inference"), 6),
            "byok_usage_daily": 0.0,  # today is BYOK-free in the sample
            "byok_usage_weekly": round(
                0 if management else spent(week_start, "byok_usage_inference"), 6
            ),
            "byok_usage_monthly": round(
                0 if management else spent(today.replace(day=1), "byok_usage_inference"), 6
            ),
            "is_free_tier": False,
            "is_management_key": management,
            "is_provisioning_key": management,
            "creator_user_id": "user_2dHFtVWx2n56w6HkM0FakeUser0",
            "expires_at": None if management else "2027-12-31T23:59:59Z",
            "rate_limit": {
                "requests": -1,
                "interval": "10s",
                "note": "This field is deprecated and safe to ignore.",
            },
        }
        if not management:
            info["limit_remaining"] = round(max(0.0, 100.0 - info["usage_monthly"]), 6)
            info["free_model_daily_requests"] = {"used": 3, "limit": 50, "remaining": 47}
        return info

    def script_path(self, path: str, *replies: Reply) -> None:
        """Queue replies for one endpoint ('/key', '/credits', '/activity') only."""
        with self._path_lock:
            self._by_path[path].extend(replies)

    def _scripted_for(self, path: str) -> Reply | None:
        with self._path_lock:
            queue = self._by_path.get(path)
            return queue.popleft() if queue else None

    def answer(self, request: Recorded) -> Reply:
        url = urlsplit(request.path)
        if not url.path.startswith(BASE_PATH + "/"):
            return error(404, "Resource not found")
        path = url.path[len(BASE_PATH) :]
        if path not in ("/key", "/credits", "/activity"):
            return error(404, "Resource not found")
        if request.method != "GET":
            return error(405, "Method not allowed")
        bearer = request.bearer()
        if not bearer:
            return error(401, "Missing Authentication header")
        if bearer not in self.keys:
            return error(401, "User not found.")
        scripted = self._scripted_for(path) or self.next_scripted()
        if scripted is not None:
            return scripted
        if path == "/key":
            return Reply(200, {"data": copy.deepcopy(self.keys[bearer])})
        if not self.keys[bearer]["is_management_key"]:
            return error(403, "Only management keys can perform this operation")
        if path == "/credits":
            return Reply(200, {"data": dict(self.credits)})
        return self._activity(parse_qs(url.query))

    def _activity(self, query: dict[str, list[str]]) -> Reply:
        rows = self.activity
        wanted = query.get("date", [None])[0]
        if wanted is not None:
            try:
                date.fromisoformat(wanted)
            except ValueError:
                return error(400, "Invalid request parameters")
            rows = [r for r in rows if r["date"] == wanted]
        return Reply(200, {"data": copy.deepcopy(rows)})
