"""A fake of GitHub's premium-request billing usage API (provider-apis.md §9).

It serves ``/users/{u}``, ``/organizations/{o}`` and ``/enterprises/{e}``
``/settings/billing/premium_request/usage`` with the documented ``year``/``month``/``day``
filters (default: the fake's current month), summing daily rows per product, SKU and
model as the real report does. It refuses like GitHub: 401 "Bad credentials", 403
"Resource not accessible by personal access token" for a token without the permission,
404 for a name the token cannot see (GitHub's habit; the exact case is unverified), 400
for an unknown ``X-GitHub-Api-Version``. Error bodies are ``{message, documentation_url,
status}``; successful answers carry ``x-ratelimit-*`` headers.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiusage.fake.server import FakeServer, Recorded, Reply

FAKE_TOKEN = "github_pat_11FAKE0000000000000000_fakefakefakefakefakefakefakefakefakefake"
DOCS = "https://docs.github.com/rest/billing/usage"
VERSIONS = frozenset({"2022-11-28", "2026-03-10"})
KINDS = {"users": "user", "organizations": "organization", "enterprises": "enterprise"}


@dataclass(frozen=True, slots=True)
class Grant:
    """What a token may read: its own user's plan, and billing of these orgs/enterprises."""

    login: str
    plan_read: bool = True
    admin_of: frozenset[str] = frozenset()


def item(model: str, quantity: float, *, included: float | None = None) -> dict[str, Any]:
    """One day's premium requests for a model at $0.04, ``included`` of them free."""
    free = quantity if included is None else min(included, quantity)
    net = quantity - free
    return {
        "product": "Copilot",
        "sku": "Copilot Premium Request",
        "model": model,
        "unitType": "requests",
        "pricePerUnit": 0.04,
        "grossQuantity": quantity,
        "grossAmount": round(quantity * 0.04, 4),
        "discountQuantity": free,
        "discountAmount": round(free * 0.04, 4),
        "netQuantity": net,
        "netAmount": round(net * 0.04, 4),
    }


#: monalisa's June 2025: within the allowance, then over it on the 3rd.
SAMPLE_DAYS: dict[str, list[dict[str, Any]]] = {
    "2025-06-01": [item("GPT-5", 40), item("Claude Sonnet 4", 12.5)],
    "2025-06-02": [item("GPT-5", 100)],
    "2025-06-03": [item("Claude Opus 4", 150, included=47.5)],
}


def error(status: int, message: str) -> Reply:
    return Reply(status, {"message": message, "documentation_url": DOCS, "status": str(status)})


class FakeGitHubBilling(FakeServer):
    """``days[(kind, name)]["YYYY-MM-DD"]`` are the rows; ``now`` sets the default month."""

    def __init__(
        self,
        *,
        tokens: dict[str, Grant] | None = None,
        now: datetime = datetime(2025, 6, 15, 12, tzinfo=UTC),
    ) -> None:
        super().__init__()
        self.tokens = tokens if tokens is not None else {FAKE_TOKEN: Grant("monalisa")}
        self.now = now
        self.days: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {
            ("user", "monalisa"): copy.deepcopy(SAMPLE_DAYS)
        }

    def answer(self, request: Recorded) -> Reply:
        url = urlsplit(request.path)
        parts = url.path.strip("/").split("/")
        if (
            len(parts) != 6
            or parts[0] not in KINDS
            or parts[2:] != ["settings", "billing", "premium_request", "usage"]
        ):
            return error(404, "Not Found")
        kind, name = KINDS[parts[0]], parts[1]
        auth = request.headers.get("authorization", "")
        token = auth.split(" ", 1)[1] if auth.lower().startswith(("bearer ", "token ")) else None
        grant = self.tokens.get(token or "")
        if grant is None:
            return error(401, "Requires authentication" if token is None else "Bad credentials")
        version = request.headers.get("x-github-api-version")
        if version is not None and version not in VERSIONS:
            return error(400, f"Unsupported 'X-GitHub-Api-Version' header: {version}")
        if kind == "user":
            if name.lower() != grant.login.lower():
                return error(404, "Not Found")
            if not grant.plan_read:
                return error(403, "Resource not accessible by personal access token")
        elif name.lower() not in {a.lower() for a in grant.admin_of}:
            known = any(k == kind and n.lower() == name.lower() for k, n in self.days)
            return error(
                403 if known else 404,
                "Resource not accessible by personal access token" if known else "Not Found",
            )
        scripted = self.next_scripted()
        if scripted is not None:
            return scripted
        try:
            query = {
                k: int(v[-1])
                for k, v in parse_qs(url.query).items()
                if k in ("year", "month", "day")
            }
        except ValueError:
            return error(400, "Invalid request: year, month and day must be integers")
        return Reply(200, self.report(kind, name, query), _rate_headers())

    def report(self, kind: str, name: str, query: dict[str, int]) -> dict[str, Any]:
        year = query.get("year", self.now.year)
        month = query.get("month", self.now.month)
        day = query.get("day")
        prefix = f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")
        merged: dict[tuple[str, str, str], dict[str, Any]] = {}
        for date, rows in sorted(self.days.get((kind, name), {}).items()):
            if not date.startswith(prefix):
                continue
            for row in rows:
                key = (row["product"], row["sku"], row["model"])
                if key not in merged:
                    merged[key] = copy.deepcopy(row)
                    continue
                for field_name, value in row.items():
                    if field_name.endswith(("Quantity", "Amount")):
                        merged[key][field_name] = round(merged[key][field_name] + value, 4)
        period: dict[str, int] = {"year": year, "month": month}
        if day:
            period["day"] = day
        return {"timePeriod": period, kind: name, "usageItems": list(merged.values())}


def _rate_headers() -> dict[str, str]:
    return {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4999",
        "x-ratelimit-reset": "1749992400",
        "x-ratelimit-used": "1",
        "x-ratelimit-resource": "core",
    }
