"""A fake of the ARM calls the Azure OpenAI adapter makes (provider-apis.md §7).

It serves, for one Cognitive Services account: the account itself (``GET {resourceId}``),
Azure Monitor metrics (``GET {resourceId}/providers/Microsoft.Insights/metrics`` with
``timespan``, ``interval`` PT1H|P1D, ``aggregation=Total``, ``metricnames``, a dimension
``$filter`` and ``top`` — whose default of 10 series it applies, as Azure does) and Cost
Management (``POST {scope}/providers/Microsoft.CostManagement/query``: daily rows grouped
by ResourceId, a few rows per page behind ``nextLink`` with ``$skiptoken``). It refuses
like ARM: 401 ``InvalidAuthenticationToken`` / ``ExpiredAuthenticationToken``, 403
``AuthorizationFailed`` for a token without the role, 400 without ``api-version``.
The shapes come from the reference, not from captured answers: **unverified**.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiusage.fake.cloud_data import DAY_S, NOW_S, Hour, buckets, daily_costs, seeded_hours
from aiusage.fake.server import FakeServer, Recorded, Reply

TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.FAKE-ARM-TOKEN.c2lnbmF0dXJl"
METRICS_ONLY_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.FAKE-NO-COST-ROLE.c2ln"
EXPIRED_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.FAKE-EXPIRED.c2ln"
SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-00000000fake"
ACCOUNT = "acme-openai"
RESOURCE_ID = (
    f"{SUBSCRIPTION}/resourceGroups/ai-rg/providers/Microsoft.CognitiveServices/accounts/{ACCOUNT}"
)
OTHER_RESOURCE = f"{SUBSCRIPTION}/resourceGroups/web-rg/providers/Microsoft.Web/sites/acme-site"
#: deployment -> model, as an Azure OpenAI account's deployments map
DEPLOYMENTS = {
    "chat-prod": "gpt-4o",
    "mini-batch": "gpt-4o-mini",
    "embed": "text-embedding-3-small",
}
PRICES = {"chat-prod": (2.5, 10.0), "mini-batch": (0.15, 0.6), "embed": (0.02, 0.0)}
METRIC_NAMES = {
    "ProcessedPromptTokens": "Processed Inference Tokens",
    "GeneratedTokens": "Generated Completion Tokens",
    "AzureOpenAIRequests": "Azure OpenAI Requests",
}
COST_PAGE = 4  # rows per Cost Management page
WIDTHS = {"PT1H": 3600, "P1D": DAY_S}


def error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message}})


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seconds(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


class FakeAzure(FakeServer):
    """``rows`` are the seeded hours (model = deployment); ``costs`` the other resource's
    daily dollars too, so a scope-wide query has rows to skip."""

    def __init__(self, *, now_s: int = NOW_S, days: int = 3, seed: int = 11) -> None:
        super().__init__()
        self.now_s = now_s
        self.rows: list[Hour] = seeded_hours(tuple(DEPLOYMENTS), now_s=now_s, days=days, seed=seed)
        self.costs = daily_costs(self.rows, PRICES)
        self.other_costs = {d: round(v / 7, 6) for d, v in self.costs.items()}
        self.tokens = {TOKEN: {"metrics", "cost"}, METRICS_ONLY_TOKEN: {"metrics"}}

    def answer(self, request: Recorded) -> Reply:
        url = urlsplit(request.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        token = request.bearer()
        if token is None:
            return error(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
            )
        if token == EXPIRED_TOKEN:
            return error(
                401,
                "ExpiredAuthenticationToken",
                "The access token expiry UTC time '1/1/2026 9:00:00 AM' is earlier than current "
                "UTC time '1/1/2026 10:40:00 AM'.",
            )
        roles = self.tokens.get(token)
        if roles is None:
            return error(401, "InvalidAuthenticationToken", "The access token is invalid.")
        if "api-version" not in query:
            return error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        path = url.path.rstrip("/")
        if path.lower() == RESOURCE_ID.lower() and request.method == "GET":
            return self.next_scripted() or Reply(200, self.account())
        if path.lower() == f"{RESOURCE_ID}/providers/Microsoft.Insights/metrics".lower():
            if "metrics" not in roles:
                return self._denied("microsoft.insights/metrics/read", RESOURCE_ID)
            return self.next_scripted() or self.metrics(query)
        if (
            path.lower().endswith("/providers/microsoft.costmanagement/query")
            and request.method == "POST"
        ):
            scope = path[: -len("/providers/Microsoft.CostManagement/query")]
            if "cost" not in roles:
                return self._denied("Microsoft.CostManagement/query/action", scope)
            if not RESOURCE_ID.lower().startswith(scope.lower() + "/"):
                return error(404, "NotFound", f"Scope '{scope}' was not found.")
            return self.next_scripted() or self.cost(request.body, scope, query)
        return error(404, "ResourceNotFound", f"The Resource '{path}' was not found.")

    def _denied(self, action: str, scope: str) -> Reply:
        return error(
            403,
            "AuthorizationFailed",
            f"The client 'fake@example.com' with object id '00000000-fake' does not have "
            f"authorization to perform action '{action}' over scope '{scope}' or the scope is "
            "invalid.",
        )

    def account(self) -> dict[str, Any]:
        return {
            "id": RESOURCE_ID,
            "name": RESOURCE_ID.rsplit("/", 1)[-1],
            "type": "Microsoft.CognitiveServices/accounts",
            "kind": "OpenAI",
            "location": "eastus",
            "sku": {"name": "S0"},
            "properties": {
                "endpoint": "https://acme-openai.openai.azure.com/",
                "provisioningState": "Succeeded",
            },
        }

    def metrics(self, query: dict[str, str]) -> Reply:
        try:
            start_text, end_text = query["timespan"].split("/")
            start, end = _seconds(start_text), _seconds(end_text)
            width = WIDTHS[query.get("interval", "PT1H")]
        except (KeyError, ValueError):
            return error(400, "BadRequest", "Invalid timespan or interval.")
        if "total" not in query.get("aggregation", "").lower():
            return error(400, "BadRequest", "Aggregation Total was not requested.")
        top = int(query.get("top", "10"))
        split = "modeldeploymentname eq '*'" in query.get("$filter", "").lower()
        with_model = "modelname eq '*'" in query.get("$filter", "").lower()
        summed = buckets(self.rows, width, start - start % width, min(end, self.now_s + 1))
        values = []
        for name in query.get("metricnames", "").split(","):
            if name not in METRIC_NAMES:
                return error(400, "BadRequest", f"Failed to find metric configuration for {name}.")
            series: dict[str, list[dict[str, Any]]] = {}
            for b in range(start - start % width, end, width):
                for deployment in DEPLOYMENTS if split else ("",):
                    hits = [
                        h
                        for (m, s), h in summed.items()
                        if s == b and (not deployment or m == deployment)
                    ]
                    point: dict[str, Any] = {"timeStamp": _iso(b)}
                    if hits:
                        point["total"] = float(sum(_value(name, h) for h in hits))
                    series.setdefault(deployment, []).append(point)
            values.append(
                {
                    "id": f"{RESOURCE_ID}/providers/Microsoft.Insights/metrics/{name}",
                    "type": "Microsoft.Insights/metrics",
                    "name": {"value": name, "localizedValue": METRIC_NAMES[name]},
                    "unit": "Count",
                    "timeseries": [
                        {"metadatavalues": _dims(dep, with_model), "data": data}
                        for dep, data in list(series.items())[:top]
                    ],
                    "errorCode": "Success",
                }
            )
        return Reply(
            200,
            {
                "cost": 0,
                "timespan": query["timespan"],
                "interval": query.get("interval", "PT1H"),
                "value": values,
                "namespace": "Microsoft.CognitiveServices/accounts",
                "resourceregion": "eastus",
            },
        )

    def cost(self, raw: bytes, scope: str, query: dict[str, str]) -> Reply:
        try:
            body = json.loads(raw)
            period = body["timePeriod"]
            first, last = _seconds(period["from"]), _seconds(period["to"])
            assert body["dataset"]["granularity"] == "Daily"
        except (ValueError, KeyError, TypeError, AssertionError):
            return error(400, "BadRequest", "Invalid query definition.")
        rows = []
        for resource, costs in (
            (RESOURCE_ID.lower(), self.costs),
            (OTHER_RESOURCE.lower(), self.other_costs),
        ):
            for d, usd in costs.items():
                if first - first % DAY_S <= d <= last:
                    date = int(datetime.fromtimestamp(d, UTC).strftime("%Y%m%d"))
                    rows.append([usd, date, resource, "USD"])
        rows.sort(key=lambda r: (r[1], r[2]))
        skip = int(query.get("$skiptoken", "0") or 0)
        page = rows[skip : skip + COST_PAGE]
        more = skip + COST_PAGE < len(rows)
        link = (
            f"{self.base_url}{scope}/providers/Microsoft.CostManagement/query"
            f"?api-version={query['api-version']}&$skiptoken={skip + COST_PAGE}"
            if more
            else None
        )
        return Reply(
            200,
            {
                "id": f"{scope}/providers/Microsoft.CostManagement/query/fake",
                "name": "fake",
                "type": "Microsoft.CostManagement/query",
                "properties": {
                    "nextLink": link,
                    "columns": [
                        {"name": "Cost", "type": "Number"},
                        {"name": "UsageDate", "type": "Number"},
                        {"name": "ResourceId", "type": "String"},
                        {"name": "Currency", "type": "String"},
                    ],
                    "rows": page,
                },
            },
        )


def _value(metric: str, hour: Hour) -> int:
    if metric == "ProcessedPromptTokens":
        return hour.input
    if metric == "GeneratedTokens":
        return hour.output
    return hour.requests


def _dims(deployment: str, with_model: bool) -> list[dict[str, Any]]:
    if not deployment:
        return []
    dims = [("modeldeploymentname", deployment)]
    if with_model:
        dims.append(("modelname", DEPLOYMENTS[deployment]))
    return [{"name": {"value": n, "localizedValue": n}, "value": v} for n, v in dims]
