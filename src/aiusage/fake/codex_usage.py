"""A fake of ChatGPT's undocumented ``GET /backend-api/wham/usage`` (Codex plan limits).

It speaks the captured format (provider-apis.md §3b) and refuses what the real endpoint
refuses: no bearer token, an unknown or expired one (401), a missing ``ChatGPT-Account-Id``
or one that does not match the token (403). The error bodies follow the ChatGPT backend's
``{"detail": …}`` / ``{"error": {message, code}}`` forms; their exact text is unverified.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

from aiusage.fake.server import FakeServer, Recorded, Reply, rate_limited

USAGE_PATH = "/backend-api/wham/usage"
FAKE_ACCOUNT_ID = "acc-00000000-fake-0000-0000-000000000000"


def fake_jwt(exp_s: int, subject: str = "user-fake") -> str:
    """An unsigned JWT-shaped token with an ``exp`` claim, like Codex's access tokens."""

    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({'exp': exp_s, 'sub': subject})}.sig"


#: Valid until 2100 so that tests do not age.
FAKE_TOKEN = fake_jwt(4_102_444_800)

#: A sanitized capture: two windows, credits as a string, one extra per-model limit.
SAMPLE_USAGE: dict[str, Any] = {
    "plan_type": "pro",
    "rate_limit": {
        "allowed": True,
        "limit_reached": False,
        "primary_window": {
            "used_percent": 22,
            "limit_window_seconds": 18000,
            "reset_after_seconds": 7200,
            "reset_at": 1766948068,
        },
        "secondary_window": {
            "used_percent": 43,
            "limit_window_seconds": 604800,
            "reset_after_seconds": 466000,
            "reset_at": 1767407914,
        },
    },
    "code_review_rate_limit": {
        "allowed": True,
        "limit_reached": False,
        "primary_window": {
            "used_percent": 5,
            "limit_window_seconds": 604800,
            "reset_after_seconds": 300000,
            "reset_at": 1767241914,
        },
        "secondary_window": None,
    },
    "credits": {
        "has_credits": False,
        "unlimited": False,
        "balance": "0",
        "approx_local_messages": [0, 0],
        "approx_cloud_messages": [0, 0],
    },
    "additional_rate_limits": [
        {
            "limit_name": "GPT-5.3-Codex-Spark",
            "metered_feature": "gpt_5_3_codex_spark",
            "rate_limit": {
                "allowed": True,
                "limit_reached": False,
                "primary_window": {
                    "used_percent": 30,
                    "limit_window_seconds": 18000,
                    "reset_at": 1766948068,
                },
                "secondary_window": None,
            },
        }
    ],
}


def expired_token() -> Reply:
    return Reply(
        401,
        {
            "error": {
                "message": "Provided authentication token is expired. Please try signing in again.",
                "type": None,
                "code": "token_expired",
                "param": None,
            },
            "status": 401,
        },
    )


def invalid_token() -> Reply:
    return Reply(
        401, {"detail": "Could not parse your authentication token. Please try signing in again."}
    )


def forbidden() -> Reply:
    return Reply(
        403, {"detail": {"code": "account_mismatch", "message": "Unusual activity detected."}}
    )


def too_many_requests(retry_after: str | None = None) -> Reply:
    return rate_limited({"detail": "Too many requests. Please slow down."}, retry_after)


def server_error(status: int = 500) -> Reply:
    return Reply(status, {"detail": "Internal Server Error"})


class FakeCodexUsage(FakeServer):
    """ChatGPT's ``wham/usage``. ``usage`` is the body valid requests get."""

    def __init__(
        self,
        *,
        token: str = FAKE_TOKEN,
        account_id: str | None = FAKE_ACCOUNT_ID,
        usage: dict[str, Any] | None = None,
        expired_tokens: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__()
        self.token = token
        self.account_id = account_id  # None: the header is not required
        self.usage = copy.deepcopy(SAMPLE_USAGE if usage is None else usage)
        self.expired_tokens = expired_tokens

    def answer(self, request: Recorded) -> Reply:
        path = request.path.split("?")[0]
        if path != USAGE_PATH:
            return Reply(404, {"detail": "Not Found"})
        if request.method != "GET":
            return Reply(405, {"detail": "Method Not Allowed"})
        bearer = request.bearer()
        if bearer is None:
            return Reply(401, {"detail": "Unauthorized"})
        if bearer in self.expired_tokens:
            return expired_token()
        if bearer != self.token:
            return invalid_token()
        if self.account_id is not None:
            given = request.headers.get("chatgpt-account-id")
            if given != self.account_id:
                return forbidden()
        scripted = self.next_scripted()
        if scripted is not None:
            return scripted
        return Reply(200, copy.deepcopy(self.usage))
