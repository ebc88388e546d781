"""AWS Bedrock: tokens and invocations per model from CloudWatch, and (opt-in) the daily
Bedrock bill from Cost Explorer.

Why these calls: Bedrock keeps no usage report; CloudWatch's ``AWS/Bedrock`` metrics
(``InputTokenCount``, ``OutputTokenCount``, ``Invocations`` by ``ModelId``) are the record,
read with one ``GetMetricData`` of SEARCH expressions, and Cost Explorer is the bill
(provider-apis.md §7). Both are JSON POSTs signed with SigV4 (``sigv4.py``). Money: AWS
bills ``GetMetricData`` at $0.01 per 1,000 metrics (a few metrics per model per run, so
hourly collection is the default) and **every Cost Explorer request at $0.01**, so the bill
is read only with ``cost_explorer=true``, and then once a UTC day. **Unverified**: the
dynamic label that names each SEARCH result by its ModelId, the cache-token metric
names, and that throttling and bad keys come as 400s whose ``message`` we classify.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from aiusage.errors import (
    ConfigError,
    SourceError,
    SourceForbiddenError,
    SourceFormatError,
    SourceUnavailableError,
)
from aiusage.records import UsageEvent
from aiusage.sources.providers.aws import call, credentials
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
from aiusage.sources.providers.sigv4 import Credentials
from aiusage.sources.subscriptions.shapes import instant_ms

NAME = "bedrock"
DEFAULT_REGION = "us-east-1"
DEFAULT_BASE_URL = f"https://monitoring.{DEFAULT_REGION}.amazonaws.com"
CE_URL = "https://ce.us-east-1.amazonaws.com"  # Cost Explorer's one endpoint (signs us-east-1)
GET_METRIC_DATA = "GraniteServiceVersion20100801.GetMetricData"
LIST_METRICS = "GraniteServiceVersion20100801.ListMetrics"
GET_COST = "AWSInsightsIndexService.GetCostAndUsage"
#: query id -> CloudWatch metric (the cache metrics are unverified; absent ones match nothing)
METRICS = {
    "input": "InputTokenCount",
    "output": "OutputTokenCount",
    "invocations": "Invocations",
    "cache_read": "CacheReadInputTokenCount",
    "cache_write": "CacheWriteInputTokenCount",
}
SETTLE_MS = HOUR_MS  # CloudWatch data points arrive within minutes; re-read the last hour
RETENTION_MS = 455 * DAY_MS  # 1-hour data points are kept 15 months
MAX_PAGES = 500
KEY_HINT = (
    "an IAM access key as ACCESS_KEY_ID:SECRET_ACCESS_KEY (temporary credentials: "
    "ACCESS_KEY_ID:SECRET_ACCESS_KEY:SESSION_TOKEN) allowed cloudwatch:GetMetricData and "
    "cloudwatch:ListMetrics (and ce:GetCostAndUsage for the bill)"
)
CE_PRICE = "AWS bills each Cost Explorer request $0.01; read once a day, about $0.30 a month"

INFO = ProviderInfo(
    name=NAME,
    label="AWS Bedrock",
    default_base_url=DEFAULT_BASE_URL,
    reports=frozenset({USAGE, COST}),
    unavailable={
        COST: f"opt-in with --option cost_explorer=true ({CE_PRICE}); daily, for the days "
        "before today (Cost Explorer lags up to a day and marks recent days Estimated)",
        BALANCE: "AWS bills the account monthly; there is no prepaid balance",
        RATE_LIMITS: "Bedrock quotas live in Service Quotas and are not sent with any free answer",
    },
    needs=("an IAM key allowed cloudwatch:GetMetricData",),
    key_hint=KEY_HINT,
    options={
        "region": f"AWS region whose Bedrock metrics to read (default {DEFAULT_REGION})",
        "cost_explorer": f"true to read the Bedrock bill from Cost Explorer: {CE_PRICE}",
        "bucket": BUCKET_HELP,
    },
    min_interval_s=900,
    default_interval_s=3600,  # GetMetricData is billed per metric read
)


def _region(request: CollectRequest) -> str:
    region = (request.options.get("region") or DEFAULT_REGION).strip().lower()
    if not region.replace("-", "").isalnum() or region.count("-") < 2:
        raise ConfigError(f"option region={region!r} is not an AWS region", hint="e.g. us-west-2")
    return region


def _urls(request: CollectRequest, region: str) -> tuple[str, str]:
    """CloudWatch's and Cost Explorer's URLs: derived from the region for the default base
    URL; a custom one (a proxy, the fake) receives both, told apart by X-Amz-Target."""
    base = request.base_url.rstrip("/")
    if base == DEFAULT_BASE_URL:
        return f"https://monitoring.{region}.amazonaws.com/", CE_URL + "/"
    return base + "/", base + "/"


class BedrockProvider:
    """Per-model tokens and invocations (CloudWatch) and the opt-in daily bill."""

    info = INFO

    async def collect(self, request: CollectRequest) -> Collected:
        creds, region = credentials(request, KEY_HINT), _region(request)
        bucket, width = bucket_ms(request.options)
        start = max(min(request.since_ms, request.now_ms), request.now_ms - RETENTION_MS)
        start = start // width * width
        until = settled_until(request.now_ms, width, SETTLE_MS)
        cw_url, ce_url = _urls(request, region)
        # without the bill, tokens are priced by aiusage (None) instead of counted as $0
        wanted = (request.options.get("cost_explorer") or "").strip().lower() in ("1", "true")

        async def usage(sink: list[UsageEvent]) -> None:
            if start < request.now_ms:  # CloudWatch refuses an empty time range
                sink.extend(
                    await self._metrics(request, creds, cw_url, region, bucket, start, wanted)
                )

        async def cost() -> list[UsageEvent]:
            return await self._costs(request, creds, ce_url, *cost_days(start, until))

        due = wanted and cost_due(start, until)
        return await usage_and_cost(
            usage, cost if due else None, start_ms=start, until_ms=until, width_ms=width
        )

    async def check(self, request: CollectRequest) -> str:
        """ListMetrics (within CloudWatch's free API allowance): which models have metrics."""
        creds, region = credentials(request, KEY_HINT), _region(request)
        cw_url, _ = _urls(request, region)
        body = {"Namespace": "AWS/Bedrock", "MetricName": "Invocations"}
        answer = await call(request, creds, cw_url, **_cloudwatch(region, LIST_METRICS), body=body)
        found = answer.body.get("Metrics") if isinstance(answer.body, dict) else None
        models = sorted(
            {
                str(d.get("Value"))
                for m in found or []
                if isinstance(m, dict)
                for d in m.get("Dimensions") or []
                if isinstance(d, dict) and d.get("Name") == "ModelId"
            }
        )
        shown = ", ".join(models[:5]) + (", …" if len(models) > 5 else "")
        return f"credentials accepted; {len(models)} Bedrock model(s) with metrics in {region}" + (
            f": {shown}" if shown else " in the last two weeks"
        )

    async def _metrics(
        self,
        request: CollectRequest,
        creds: Credentials,
        url: str,
        region: str,
        bucket: str,
        start: int,
        billed: bool,
    ) -> list[UsageEvent]:
        period = 3600 if bucket == "1h" else 86400
        body: dict[str, Any] = {
            "StartTime": start // 1000,
            "EndTime": request.now_ms // 1000,
            "ScanBy": "TimestampAscending",
            "MetricDataQueries": [
                {
                    "Id": qid,
                    "Expression": f"SEARCH('{{AWS/Bedrock,ModelId}} MetricName=\"{metric}\"', "
                    f"'Sum', {period})",
                    "Label": "${PROP('Dim.ModelId')}",
                    "ReturnData": True,
                }
                for qid, metric in METRICS.items()
            ],
        }
        where = "AWS CloudWatch GetMetricData"
        found: dict[tuple[str, int], dict[str, int]] = {}
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            answer = await call(
                request, creds, url, **_cloudwatch(region, GET_METRIC_DATA), body=body
            )
            token = _metric_page(answer.body, where, found)
            if not token:
                break
            if token in seen:
                raise SourceFormatError(f"{where}: NextToken repeats an earlier page")
            seen.add(token)
            body = {**body, "NextToken": token}
        else:
            raise SourceFormatError(f"{where}: still a NextToken after {MAX_PAGES} pages")
        events = []
        for (model, ts_ms), row in sorted(found.items()):
            events.append(
                UsageEvent(
                    ts_ms=ts_ms,
                    source=request.account,
                    dedup_key=f"{NAME}:{region}:{model}:{bucket}:{rfc3339(ts_ms)}",
                    model=model,
                    provider=NAME,
                    account=request.account,
                    input_tokens=row.get("input", 0),
                    output_tokens=row.get("output", 0),
                    cache_read_tokens=row.get("cache_read", 0),
                    cache_write_5m_tokens=row.get("cache_write", 0),
                    requests=row.get("invocations", 0),
                    reported_cost_usd=0.0 if billed else None,
                    meta={"region": region, "bucket": bucket, "origin": "cloudwatch"},
                )
            )
        return events

    async def _costs(
        self, request: CollectRequest, creds: Credentials, url: str, first: int, end: int
    ) -> list[UsageEvent]:
        """Daily UnblendedCost by SERVICE, every page; services named like Bedrock only."""
        body: dict[str, Any] = {
            "TimePeriod": {"Start": day(first), "End": day(end)},
            "Granularity": "DAILY",
            "Metrics": ["UnblendedCost"],
            "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
        }
        where = "AWS Cost Explorer GetCostAndUsage"
        events: list[UsageEvent] = []
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            answer = await call(
                request,
                creds,
                url,
                service="ce",
                region="us-east-1",
                target=GET_COST,
                json_version="1.1",
                body=body,
                label="Cost Explorer GetCostAndUsage (billed $0.01 per request)",
                action="ce:GetCostAndUsage",
                key_hint=KEY_HINT,
            )
            got, token = _cost_page(answer.body, where, request.account)
            events.extend(e for e in got if first <= e.ts_ms < end)
            if not token:
                return events
            if token in seen:
                raise SourceFormatError(f"{where}: NextPageToken repeats an earlier page")
            seen.add(token)
            body = {**body, "NextPageToken": token}
        raise SourceFormatError(f"{where}: still a NextPageToken after {MAX_PAGES} pages")


def _cloudwatch(region: str, target: str) -> dict[str, Any]:
    """``aws.call`` arguments for a CloudWatch JSON call."""
    operation = target.rsplit(".", 1)[-1]
    return {
        "service": "monitoring",
        "region": region,
        "target": target,
        "json_version": "1.0",
        "label": f"CloudWatch {operation}",
        "action": f"cloudwatch:{operation}",
        "key_hint": KEY_HINT,
    }


def _metric_page(body: Any, where: str, found: dict[tuple[str, int], dict[str, int]]) -> str:
    """Add one GetMetricData page to ``found`` [(model, bucket ms)][query id]; its NextToken."""
    results = body.get("MetricDataResults") if isinstance(body, dict) else None
    if not isinstance(results, list):
        raise SourceFormatError(f"{where}: the answer has no MetricDataResults list")
    token = body.get("NextToken") or ""
    for result in results:
        if not isinstance(result, dict):
            raise SourceFormatError(f"{where}: a MetricDataResults entry is not an object")
        qid = next((q for q in METRICS if str(result.get("Id", "")).startswith(q)), None)
        status = result.get("StatusCode")
        if status == "Forbidden":
            raise SourceForbiddenError(f"{where}: {qid}: StatusCode Forbidden", hint=KEY_HINT)
        if status == "InternalError":
            raise SourceUnavailableError(f"{where}: {qid}: StatusCode InternalError")
        if status == "PartialData" and not token:
            raise SourceFormatError(f"{where}: {qid}: PartialData without a NextToken")
        stamps, values = result.get("Timestamps") or [], result.get("Values") or []
        if qid is None or not isinstance(stamps, list) or not isinstance(values, list):
            raise SourceFormatError(f"{where}: result {result.get('Id')!r} is not ours")
        if len(stamps) != len(values):
            raise SourceFormatError(f"{where}: {qid}: Timestamps and Values differ in length")
        model = str(result.get("Label") or "")
        for stamp, value in zip(stamps, values, strict=True):
            ts_ms = instant_ms(stamp)
            if ts_ms is None:
                raise SourceFormatError(f"{where}: {qid}: timestamp {stamp!r} is not a time")
            row = found.setdefault((model, ts_ms), {})
            row[qid] = row.get(qid, 0) + whole(value, f"{where}: {qid}")
    if not isinstance(token, str):
        raise SourceFormatError(f"{where}: NextToken is not a string")
    return token


def _cost_page(body: Any, where: str, account: str) -> tuple[list[UsageEvent], str]:
    """The Bedrock services' daily amounts on one page (``Amount`` is a decimal string)."""
    results = body.get("ResultsByTime") if isinstance(body, dict) else None
    if not isinstance(results, list):
        raise SourceFormatError(f"{where}: the answer has no ResultsByTime list")
    events = []
    for result in results:
        period = result.get("TimePeriod") if isinstance(result, dict) else None
        start = instant_ms(f"{period.get('Start')}T00:00:00Z") if isinstance(period, dict) else None
        if start is None:
            raise SourceFormatError(f"{where}: a result has no TimePeriod.Start date")
        for group in result.get("Groups") or []:
            keys = group.get("Keys") if isinstance(group, dict) else None
            service = str(keys[0]) if isinstance(keys, list) and keys else ""
            if "bedrock" not in service.lower():
                continue
            metrics = group.get("Metrics") if isinstance(group, dict) else None
            cost = metrics.get("UnblendedCost") if isinstance(metrics, dict) else None
            if not isinstance(cost, dict):
                raise SourceFormatError(f"{where}: {service} has no UnblendedCost")
            amount, unit = cost.get("Amount"), cost.get("Unit") or "USD"
            try:
                usd = Decimal(amount) if isinstance(amount, str) else None
            except InvalidOperation:
                usd = None
            if usd is None or not usd.is_finite():
                raise SourceFormatError(f"{where}: {service} Amount {amount!r} is not a number")
            if unit != "USD":
                raise SourceError(
                    f"{where}: {service} is billed in {unit}; aiusage records USD only",
                    hint="drop the cost_explorer option (usage stays)",
                )
            events.append(
                UsageEvent(
                    ts_ms=start,
                    source=account,
                    dedup_key=f"{NAME}:cost:{service}:{day(start)}",
                    provider=NAME,
                    account=account,
                    requests=0,
                    reported_cost_usd=float(usd),
                    meta={
                        "service": service,
                        "date": day(start),
                        "amount": amount,
                        "estimated": result.get("Estimated") is True,
                        "origin": "cost_explorer",
                    },
                )
            )
    token = body.get("NextPageToken") or ""
    return events, token if isinstance(token, str) else ""
