"""A fake of Anthropic's undocumented ``GET /api/oauth/usage`` (Claude plan limits).

It speaks the captured format (provider-apis.md §2e) and refuses what the real endpoint
refuses: a missing or unknown bearer token (401), a missing ``anthropic-beta: oauth-…``
header (401, "OAuth authentication is currently not supported"), an expired token (401).
Errors use Anthropic's envelope ``{"type":"error","error":{type,message},"request_id"}``.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from aiusage.fake.server import FakeServer, Recorded, Reply, rate_limited

USAGE_PATH = "/api/oauth/usage"
PROFILE_PATH = "/api/oauth/profile"
FAKE_TOKEN = "sk-ant-oat01-FAKE-claude-oauth-access-token-0123456789abcdef"

#: A sanitized capture: µs fractions with +00:00, null windows, cents in extra_usage.
SAMPLE_USAGE: dict[str, Any] = {
    "five_hour": {
        "utilization": 10.0,
        "resets_at": "2026-08-04T16:20:00.001100+00:00",
        "limit_dollars": None,
        "used_dollars": None,
        "remaining_dollars": None,
    },
    "seven_day": {"utilization": 29.0, "resets_at": "2026-08-06T19:00:00.001127+00:00"},
    "seven_day_oauth_apps": None,
    "seven_day_opus": None,
    "seven_day_sonnet": {"utilization": 0.0, "resets_at": None},
    "extra_usage": {
        "is_enabled": True,
        "monthly_limit": 5000,
        "used_credits": 325.0,
        "utilization": 6.5,
        "currency": "USD",
        "decimal_places": 2,
    },
    "limits": [
        {
            "kind": "session",
            "group": "session",
            "percent": 10,
            "severity": "normal",
            "resets_at": "2026-08-04T16:20:00.001100+00:00",
            "is_active": True,
        }
    ],
}

_request_ids = itertools.count(1)


def error(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    """An error in Anthropic's envelope."""
    body = {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": f"req_fake{next(_request_ids):08d}",
    }
    return Reply(status, body, headers or {})


def expired_token() -> Reply:
    return error(
        401,
        "authentication_error",
        "OAuth token has expired. Please obtain a new token or refresh your existing token.",
    )


def invalid_token() -> Reply:
    return error(401, "authentication_error", "Invalid bearer token")


def forbidden() -> Reply:
    return error(
        403, "permission_error", "OAuth token does not meet scope requirement user:profile"
    )


def too_many_requests(retry_after: str | None = None) -> Reply:
    """429; the real endpoint often omits Retry-After."""
    return rate_limited(
        error(429, "rate_limit_error", "Rate limited. Please try again later.").body, retry_after
    )


def server_error(status: int = 500) -> Reply:
    if status == 529:
        return error(529, "overloaded_error", "Overloaded")
    return error(status, "api_error", "Internal server error")


class FakeClaudeOAuth(FakeServer):
    """Anthropic's OAuth usage endpoint. ``usage`` is the body valid requests get."""

    def __init__(
        self,
        *,
        token: str = FAKE_TOKEN,
        usage: dict[str, Any] | None = None,
        expired_tokens: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__()
        self.token = token
        self.usage = copy.deepcopy(SAMPLE_USAGE if usage is None else usage)
        self.expired_tokens = expired_tokens

    def answer(self, request: Recorded) -> Reply:
        path = request.path.split("?")[0]
        if path not in (USAGE_PATH, PROFILE_PATH):
            return error(404, "not_found_error", f"Not found: {path}")
        if request.method != "GET":
            return error(405, "invalid_request_error", "Method not allowed")
        refused = self._check(request)
        if refused is not None:
            return refused
        scripted = self.next_scripted()
        if scripted is not None:
            return scripted
        if path == PROFILE_PATH:
            return Reply(200, {"account": {"uuid": "acc-fake", "email": "dev@example.com"}})
        return Reply(200, copy.deepcopy(self.usage))

    def _check(self, request: Recorded) -> Reply | None:
        """The checks the real endpoint makes before it looks at usage."""
        bearer = request.bearer()
        if bearer is None:
            return error(401, "authentication_error", "x-api-key header is required")
        if "oauth-2025-04-20" not in request.headers.get("anthropic-beta", ""):
            return error(
                401, "authentication_error", "OAuth authentication is currently not supported."
            )
        if bearer in self.expired_tokens:
            return expired_token()
        if bearer != self.token:
            return invalid_token()
        return None
