"""One fake for eight providers that expose little more than key validity (§6 of
provider-apis.md): xAI (+ its Management API), Mistral, Groq, Gemini, Together, Fireworks,
Perplexity and Cohere.

Why one server: each provider gets its own path prefix (``/groq/openai/v1/models``), so
one loopback server speaks all eight real paths and auth styles side by side. ``url(name)``
is the base URL to give an adapter, with the path the official SDK's base URL carries
(``/xai/v1``, ``/together/v1``). It refuses what the real APIs refuse: a missing or wrong
key (401; Gemini: 403 without a key, 400 ``API_KEY_INVALID`` with a wrong one), a key sent
the wrong way (Gemini takes ``x-goog-api-key`` or ``?key=``, the rest ``Bearer``).

Rate-limit headers follow the reference: Groq sends them on every answer (verified names
and Go-duration resets); Mistral's and Together's names are third-party observations and
are sent only while ``rate_headers`` is on. Error-body wording is representative, not
captured. The 401 bodies echo the key, so tests can check that it is redacted.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from aiusage.fake.server import FakeServer, Recorded, Reply

NAMES = ("xai", "mistral", "groq", "gemini", "together", "fireworks", "perplexity", "cohere")

#: The path each official SDK's base URL carries after the host.
SDK_SUFFIX = {"xai": "/v1", "together": "/v1"}

KEYS: dict[str, str] = {name: f"fake-{name}-key-0123456789abcdef" for name in NAMES}
MANAGEMENT_KEY = "xai-fake-management-key-0123456789"
TEAM_ID = "team-fake-0000"
BALANCE_VAL = "-1234"  # $12.34 of prepaid credit, in the inverted-cents ledger
FIREWORKS_ACCOUNT = "acme-fake"

MODELS = ("model-a", "model-b", "model-c")

RATE_HEADERS: dict[str, dict[str, str]] = {
    "groq": {
        "x-ratelimit-limit-requests": "14400",
        "x-ratelimit-remaining-requests": "14370",
        "x-ratelimit-reset-requests": "2m59.56s",
        "x-ratelimit-limit-tokens": "18000",
        "x-ratelimit-remaining-tokens": "17997",
        "x-ratelimit-reset-tokens": "7.66s",
    },
    "mistral": {
        "x-ratelimit-limit-req-minute": "60",
        "x-ratelimit-remaining-req-minute": "59",
        "x-ratelimit-limit-tokens-minute": "500000",
        "x-ratelimit-remaining-tokens-minute": "499000",
        "x-ratelimit-limit-tokens-month": "1000000000",
        "x-ratelimit-remaining-tokens-month": "987654321",
    },
    "together": {
        "x-ratelimit-limit": "100",
        "x-ratelimit-remaining": "97",
        "x-ratelimit-reset": "2",
        "x-tokenlimit-limit": "200000",
        "x-tokenlimit-remaining": "199000",
    },
}

BILLING_SUMMARY: dict[str, Any] = {
    "lineItems": [
        {
            "category": "serverless",
            "groupingValue": "accounts/fireworks/models/llama-v3p1-8b-instruct",
            "quantity": 1200000,
            "totalCost": {"currencyCode": "USD", "units": "1", "nanos": 250000000},
        },
        {
            "category": "serverless",
            "groupingValue": "accounts/fireworks/models/deepseek-v3",
            "quantity": 300000,
            "totalCost": {"currencyCode": "USD", "units": "0", "nanos": 500000000},
        },
        {"category": "other", "totalCost": {"currencyCode": "EUR", "units": "9", "nanos": 0}},
    ]
}


def _error(name: str, status: int, message: str) -> Reply:
    """An error body in the provider's own shape."""
    if name == "gemini":
        statuses = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND"}
        body: Any = {
            "error": {"code": status, "message": message, "status": statuses.get(status, "")}
        }
    elif name == "cohere":
        body = {"id": "00000000-fake", "message": message}
    elif name == "mistral":
        body = {"message": message, "request_id": "fake-request"}
    else:
        body = {"error": {"message": message, "type": "invalid_request_error", "code": status}}
    return Reply(status, body)


def _models(name: str) -> Any:
    if name == "gemini":
        return {"models": [{"name": f"models/{m}", "displayName": m} for m in MODELS]}
    if name == "together":  # Together answers a bare list
        return [{"id": m, "object": "model", "type": "chat"} for m in MODELS]
    return {"object": "list", "data": [{"id": m, "object": "model"} for m in MODELS]}


class FakeOthers(FakeServer):
    """The eight providers under ``/<name>/…`` and xAI's Management API under
    ``/xai-management/…``. Attributes are the state valid requests see."""

    def __init__(self, *, rate_headers: bool = True) -> None:
        super().__init__()
        self.keys = dict(KEYS)
        self.management_key = MANAGEMENT_KEY
        self.team_id = TEAM_ID
        self.balance_val: Any = BALANCE_VAL
        self.rate_headers = rate_headers
        self.fireworks_accounts = [FIREWORKS_ACCOUNT]
        self.billing_summary = copy.deepcopy(BILLING_SUMMARY)

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}{SDK_SUFFIX.get(name, '')}"

    def management_url(self) -> str:
        return f"{self.base_url}/xai-management"

    # -- routing -------------------------------------------------------------------------

    def answer(self, request: Recorded) -> Reply:
        split = urlsplit(request.path)
        prefix, _, rest = split.path.lstrip("/").partition("/")
        rest = "/" + rest
        if prefix == "xai-management":
            return self._management(request, rest)
        if prefix not in NAMES:
            return Reply(404, {"error": "not found"})
        route = self._route(prefix, request.method, rest)
        if route is None:
            return _error(prefix, 404, f"no route {request.method} {rest}")
        refused = self._auth(prefix, request, parse_qs(split.query))
        if refused is not None:
            return refused
        reply = self.next_scripted() or route
        if prefix in RATE_HEADERS and (prefix == "groq" or self.rate_headers):
            headers = {**RATE_HEADERS[prefix], **reply.headers}
            reply = Reply(reply.status, reply.body, headers, reply.delay_s)
        return reply

    def _route(self, name: str, method: str, rest: str) -> Reply | None:
        models_path = {
            "xai": "/v1/models",
            "mistral": "/v1/models",
            "groq": "/openai/v1/models",
            "gemini": "/v1beta/models",
            "together": "/v1/models",
        }
        if rest == models_path.get(name) and method == "GET":
            return Reply(200, _models(name))
        if name == "perplexity" and rest == "/async/chat/completions" and method == "GET":
            return Reply(200, {"requests": [], "next_token": None})
        if name == "cohere" and rest == "/v1/check-api-key" and method == "POST":
            return Reply(
                200, {"valid": True, "organization_id": "org-fake", "owner_id": "owner-fake"}
            )
        if name == "fireworks" and method == "GET":
            return self._fireworks(rest)
        return None

    def _fireworks(self, rest: str) -> Reply | None:
        if rest == "/v1/accounts":
            accounts = [
                {"name": f"accounts/{slug}", "displayName": slug, "state": "READY"}
                for slug in self.fireworks_accounts
            ]
            return Reply(200, {"accounts": accounts, "totalSize": len(accounts)})
        parts = rest.strip("/").split("/")
        if (
            len(parts) == 5
            and parts[:2] == ["v1", "accounts"]
            and parts[3:]
            == [
                "billing",
                "summary",
            ]
        ):
            if unquote(parts[2]) not in self.fireworks_accounts:
                return _error("fireworks", 404, f"account {parts[2]} not found")
            return Reply(200, copy.deepcopy(self.billing_summary))
        return None

    def _auth(self, name: str, request: Recorded, query: dict[str, list[str]]) -> Reply | None:
        key = self.keys[name]
        if name == "gemini":
            given = request.headers.get("x-goog-api-key") or "".join(query.get("key", [])[:1])
            if not given:
                return _error(name, 403, "Method doesn't allow unregistered callers.")
            if given != key:
                return _error(name, 400, "API key not valid. Please pass a valid API key.")
            return None
        bearer = request.bearer()
        if bearer is None:
            return _error(name, 401, "No API key provided.")
        if bearer != key:
            return _error(name, 401, f"Incorrect API key provided: {bearer}")
        return None

    def _management(self, request: Recorded, rest: str) -> Reply:
        parts = rest.strip("/").split("/")
        if not (
            request.method == "GET"
            and len(parts) == 6
            and parts[:3] == ["v1", "billing", "teams"]
            and parts[4:] == ["prepaid", "balance"]
        ):
            return Reply(404, {"code": 5, "error": "not found"})
        given = request.bearer()
        if given != self.management_key:
            return Reply(401, {"code": 16, "error": f"invalid management key: {given}"})
        if unquote(parts[3]) != self.team_id:
            return Reply(404, {"code": 5, "error": "team not found"})
        scripted = self.next_scripted()
        if scripted is not None:
            return scripted
        return Reply(200, {"total": {"val": self.balance_val}})
