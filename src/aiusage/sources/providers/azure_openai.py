"""Azure OpenAI: tokens and requests per deployment from Azure Monitor metrics, and the
resource's daily bill from Cost Management.

Why these calls: Azure OpenAI has no usage report of its own; the platform's metrics
(``ProcessedPromptTokens``, ``GeneratedTokens``, ``AzureOpenAIRequests`` split by the
``ModelDeploymentName`` and ``ModelName`` dimensions, ``Total`` per hour or day) are the
per-deployment record, and Cost Management is the bill (provider-apis.md §7). Both are ARM
reads with one bearer token. **Unverified**: the api-versions, the response shapes, the
``top`` limit and the ModelName dimension are from the reference and general Azure
knowledge, checked only against ``aiusage.fake.azure_openai``. Metrics arrive minutes to
hours late, so the last two hours are re-read on the next run.
"""

from __future__ import annotations

from typing import Any

from aiusage.errors import ConfigError, SourceAuthError, SourceError, SourceFormatError
from aiusage.records import UsageEvent
from aiusage.sources.providers.base import (
    BALANCE,
    COST,
    RATE_LIMITS,
    USAGE,
    Collected,
    CollectRequest,
    ProviderInfo,
)
from aiusage.sources.providers.cloud import (
    BUCKET_HELP,
    DAY_MS,
    HOUR_MS,
    bucket_ms,
    cost_days,
    cost_due,
    day,
    rfc3339,
    settled_until,
    usage_and_cost,
    whole,
)
from aiusage.sources.providers.http import request_json
from aiusage.sources.subscriptions.shapes import instant_ms

NAME = "azure_openai"
METRICS_API = "2023-10-01"
COST_API = "2023-03-01"
ACCOUNT_API = "2023-05-01"
METRICS = {"ProcessedPromptTokens": "input", "GeneratedTokens": "output"}
REQUESTS = "AzureOpenAIRequests"
TOP = 100  # series per metric; Azure's default is 10 (unverified maximum)
SETTLE_MS = 2 * HOUR_MS
CHUNK_MS = {"1h": 7 * DAY_MS, "1d": 30 * DAY_MS}  # one metrics request covers this much
RETENTION_MS = 93 * DAY_MS  # Azure Monitor keeps platform metrics 93 days
MAX_PAGES = 200
TOKEN_HINT = (
    "an ARM access token: `az account get-access-token --resource https://management.azure.com "
    "--query accessToken -o tsv`; it expires after about an hour"
)
EXPIRED_HINT = (
    "ARM access tokens expire after about an hour: get a new one with `az account "
    "get-access-token --resource https://management.azure.com --query accessToken -o tsv` "
    "and store it again (`aiusage accounts add … --key-stdin`, or the env var named by "
    "--key-env)"
)
METRICS_ROLE = (
    "the identity needs the Monitoring Reader (or Reader) role on the Azure OpenAI resource"
)
COST_ROLE = "the identity needs the Cost Management Reader role on the cost_scope"

INFO = ProviderInfo(
    name=NAME,
    label="Azure OpenAI",
    default_base_url="https://management.azure.com",
    reports=frozenset({USAGE, COST}),
    unavailable={
        COST: "only with option cost_scope (Cost Management, daily, read once a day for the "
        "days before it; bills lag up to a day); USD bills only",
        BALANCE: "Azure bills the subscription; there is no prepaid balance to read",
        RATE_LIMITS: "the x-ratelimit-* headers come only on inference calls, which are "
        "billed; aiusage makes none",
    },
    needs=("an ARM access token (expires in about an hour)", "Monitoring Reader role"),
    key_hint=TOKEN_HINT,
    options={
        "resource_id": "required: /subscriptions/ID/resourceGroups/RG/providers/"
        "Microsoft.CognitiveServices/accounts/NAME",
        "cost_scope": "optional Cost Management scope for the bill, e.g. /subscriptions/ID",
        "bucket": BUCKET_HELP,
    },
    min_interval_s=300,
    default_interval_s=900,
)


def _resource(request: CollectRequest) -> str:
    rid = (request.options.get("resource_id") or "").strip().rstrip("/")
    if not rid.lower().startswith("/subscriptions/") or (
        "/providers/microsoft.cognitiveservices/accounts/" not in rid.lower()
    ):
        raise ConfigError(
            "an Azure OpenAI account needs option resource_id=/subscriptions/…/providers/"
            "Microsoft.CognitiveServices/accounts/NAME",
            hint="`az cognitiveservices account show -n NAME -g GROUP --query id -o tsv` prints it",
        )
    return rid


def _token(request: CollectRequest) -> str:
    if not request.key:
        raise SourceAuthError(f"Azure OpenAI account {request.account!r} has no token", TOKEN_HINT)
    return request.key


def _arm(token: str, what: str, forbidden: str) -> dict[str, Any]:
    return {
        "label": f"Azure {what}",
        "secrets": [token],
        "headers": {"Authorization": f"Bearer {token}"},
        "login_hint": EXPIRED_HINT,
        "forbidden_hint": forbidden,
    }


class AzureOpenAIProvider:
    """Per-deployment tokens and requests (metrics) and the resource's bill (optional)."""

    info = INFO

    async def collect(self, request: CollectRequest) -> Collected:
        rid, token = _resource(request), _token(request)
        bucket, width = bucket_ms(request.options)
        floor = request.now_ms - RETENTION_MS
        start = max(min(request.since_ms, request.now_ms), floor) // width * width
        until = settled_until(request.now_ms, width, SETTLE_MS)
        scope = (request.options.get("cost_scope") or "").strip().rstrip("/")
        billed = bool(scope)  # without the bill, tokens are priced by aiusage (None)

        async def usage(sink: list[UsageEvent]) -> None:
            chunk = start
            while chunk < request.now_ms:
                end = min(chunk + CHUNK_MS[bucket], request.now_ms)
                sink.extend(await self._metrics(request, rid, token, bucket, (chunk, end), billed))
                chunk = end

        async def cost() -> list[UsageEvent]:
            return await self._costs(request, rid, token, scope, *cost_days(start, until))

        due = bool(scope) and cost_due(start, until)
        return await usage_and_cost(
            usage, cost if due else None, start_ms=start, until_ms=until, width_ms=width
        )

    async def check(self, request: CollectRequest) -> str:
        """Read the resource itself (free, read-only): proves the token and the id."""
        rid, token = _resource(request), _token(request)
        answer = await request_json(
            request.client,
            "GET",
            rid,
            params={"api-version": ACCOUNT_API},
            **_arm(token, "OpenAI resource", METRICS_ROLE),
        )
        body = answer.body if isinstance(answer.body, dict) else {}
        sku = body.get("sku")
        sku_name = sku.get("name") if isinstance(sku, dict) else None
        return (
            f"token accepted; {body.get('kind') or '?'} resource {body.get('name') or '?'} "
            f"in {body.get('location') or '?'} (sku {sku_name or '?'})"
        )

    async def _metrics(
        self,
        request: CollectRequest,
        rid: str,
        token: str,
        bucket: str,
        span: tuple[int, int],
        billed: bool,
    ) -> list[UsageEvent]:
        start, end = span
        path = f"{rid}/providers/Microsoft.Insights/metrics"
        params = {
            "api-version": METRICS_API,
            "metricnamespace": "Microsoft.CognitiveServices/accounts",
            "metricnames": ",".join([*METRICS, REQUESTS]),
            "timespan": f"{rfc3339(start)}/{rfc3339(end)}",
            "interval": "PT1H" if bucket == "1h" else "P1D",
            "aggregation": "Total",
            "$filter": "ModelDeploymentName eq '*' and ModelName eq '*'",
            "top": str(TOP),
        }
        answer = await request_json(
            request.client,
            "GET",
            path,
            params=params,
            **_arm(token, "Monitor metrics", METRICS_ROLE),
        )
        where = f"Azure Monitor metrics {rfc3339(start)}/{rfc3339(end)}"
        found: dict[tuple[str, str, int], dict[str, int]] = {}
        for metric, series in _series(answer.body, where):
            for deployment, model, ts_ms, total in series:
                row = found.setdefault((deployment, model, ts_ms), {})
                row[metric] = row.get(metric, 0) + total
        account = rid.rsplit("/", 1)[-1].lower()
        events = []
        for (deployment, model, ts_ms), row in sorted(found.items()):
            tokens = {METRICS[m]: row.get(m, 0) for m in METRICS}
            if not (tokens["input"] or tokens["output"] or row.get(REQUESTS)):
                continue
            events.append(
                UsageEvent(
                    ts_ms=ts_ms,
                    source=request.account,
                    dedup_key=f"{NAME}:{account}:{deployment}:{model}:{bucket}:{rfc3339(ts_ms)}",
                    model=model or deployment,
                    provider=NAME,
                    account=request.account,
                    project=account,
                    input_tokens=tokens["input"],
                    output_tokens=tokens["output"],
                    requests=row.get(REQUESTS, 0),
                    reported_cost_usd=0.0 if billed else None,
                    meta={"deployment": deployment, "bucket": bucket, "origin": "azure_monitor"},
                )
            )
        return events

    async def _costs(
        self, request: CollectRequest, rid: str, token: str, scope: str, first: int, end: int
    ) -> list[UsageEvent]:
        """Daily ActualCost grouped by ResourceId, every page, this resource's rows only."""
        body = {
            "type": "ActualCost",
            "timeframe": "Custom",
            "timePeriod": {"from": rfc3339(first), "to": rfc3339(end - 1000)},
            "dataset": {
                "granularity": "Daily",
                "aggregation": {"totalCost": {"name": "Cost", "function": "Sum"}},
                "grouping": [{"type": "Dimension", "name": "ResourceId"}],
            },
        }
        base = str(request.client.base_url).rstrip("/")
        path = f"{scope}/providers/Microsoft.CostManagement/query?api-version={COST_API}"
        where = "Azure Cost Management query"
        per_day: dict[int, float] = {}
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            answer = await request_json(
                request.client,
                "POST",
                path,
                json_body=body,
                **_arm(token, "Cost Management query", COST_ROLE),
            )
            rows, link = _cost_rows(answer.body, where)
            for cost, ts_ms, resource, currency in rows:
                if resource.lower() != rid.lower() or not first <= ts_ms < end:
                    continue
                if currency.upper() != "USD":
                    raise SourceError(
                        f"{where}: the bill is in {currency}; aiusage records costs in USD only",
                        hint="drop the cost_scope option to stop reading the bill (usage stays)",
                    )
                per_day[ts_ms] = per_day.get(ts_ms, 0.0) + cost
            if not link:
                break
            if not link.lower().startswith(base.lower() + "/") or link in seen:
                raise SourceFormatError(f"{where}: nextLink {link[:80]!r} is not followed")
            seen.add(link)
            path = link[len(base) :]
        else:
            raise SourceFormatError(f"{where}: still a nextLink after {MAX_PAGES} pages")
        account = rid.rsplit("/", 1)[-1].lower()
        return [
            UsageEvent(
                ts_ms=ts_ms,
                source=request.account,
                dedup_key=f"{NAME}:cost:{account}:{day(ts_ms)}",
                provider=NAME,
                account=request.account,
                project=account,
                requests=0,
                reported_cost_usd=usd,
                meta={"date": day(ts_ms), "currency": "USD", "origin": "cost_management"},
            )
            for ts_ms, usd in sorted(per_day.items())
        ]


def _series(body: Any, where: str) -> list[tuple[str, list[tuple[str, str, int, int]]]]:
    """(metric, [(deployment, model, bucket ms, total)]) from a metrics answer."""
    values = body.get("value") if isinstance(body, dict) else None
    if not isinstance(values, list):
        raise SourceFormatError(f"{where}: the answer has no 'value' list")
    names = {n.lower(): n for n in [*METRICS, REQUESTS]}
    out = []
    for metric in values:
        name = metric.get("name") if isinstance(metric, dict) else None
        known = names.get(str(name.get("value") if isinstance(name, dict) else "").lower())
        if known is None:
            continue
        code = metric.get("errorCode")
        if code not in (None, "Success"):
            raise SourceFormatError(f"{where}: {known}: {code} {metric.get('errorMessage') or ''}")
        points = []
        for ts in metric.get("timeseries") or []:
            if not isinstance(ts, dict):
                raise SourceFormatError(f"{where}: {known}.timeseries holds a non-object")
            dims = {
                str((m.get("name") or {}).get("value") or "").lower(): str(m.get("value") or "")
                for m in ts.get("metadatavalues") or []
                if isinstance(m, dict) and isinstance(m.get("name"), dict)
            }
            for point in ts.get("data") or []:
                at = instant_ms(point.get("timeStamp")) if isinstance(point, dict) else None
                if at is None:
                    raise SourceFormatError(f"{where}: {known}: a data point has no timeStamp")
                if point.get("total") is None:
                    continue  # an empty bucket
                points.append(
                    (
                        dims.get("modeldeploymentname", ""),
                        dims.get("modelname", ""),
                        at,
                        whole(point["total"], f"{where}: {known}.total"),
                    )
                )
        out.append((known, points))
    return out


def _cost_rows(body: Any, where: str) -> tuple[list[tuple[float, int, str, str]], str | None]:
    """(cost, day ms, resource id, currency) rows and the nextLink of a query answer."""
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict) or not isinstance(props.get("rows"), list):
        raise SourceFormatError(f"{where}: the answer has no properties.rows")
    columns = [str(c.get("name")) for c in props.get("columns") or [] if isinstance(c, dict)]
    index = {c.lower(): i for i, c in enumerate(columns)}
    cost_at = index.get("cost", index.get("pretaxcost"))
    if cost_at is None or "usagedate" not in index or "resourceid" not in index:
        raise SourceFormatError(f"{where}: columns {columns} lack Cost, UsageDate or ResourceId")
    rows = []
    for row in props["rows"]:
        if not isinstance(row, list) or len(row) < len(columns):
            raise SourceFormatError(f"{where}: a row does not match the columns")
        cost, date = row[cost_at], str(row[index["usagedate"]])
        if isinstance(cost, bool) or not isinstance(cost, int | float):
            raise SourceFormatError(f"{where}: cost {cost!r} is not a number")
        text = f"{date[:4]}-{date[4:6]}-{date[6:8]}" if date.isdigit() else date[:10]
        ts_ms = instant_ms(text + "T00:00:00Z")
        if len(text) != 10 or ts_ms is None:
            raise SourceFormatError(f"{where}: UsageDate {date!r} is not a date")
        currency = str(row[index["currency"]]) if "currency" in index else "USD"
        rows.append((float(cost), ts_ms, str(row[index["resourceid"]]), currency))
    link = props.get("nextLink")
    return rows, link if isinstance(link, str) and link else None
