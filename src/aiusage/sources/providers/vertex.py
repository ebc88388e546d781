"""Vertex AI: tokens and invocations per publisher model from Cloud Monitoring.

Why this call: Vertex keeps no usage report; the platform metrics
``aiplatform.googleapis.com/publisher/online_serving/token_count`` (label ``type`` =
input|output) and ``…/model_invocation_count`` on ``aiplatform.googleapis.com/
PublisherModel`` are the per-model record (provider-apis.md §7). ``timeSeries.list``
sums them per hour or day and per ``model_user_id`` server-side; counts come as int64
*strings*. Money is only in the Cloud Billing export to BigQuery, which is out of scope.
Buckets are asked for aligned to whole hours/days and end at the last boundary, so the
running hour (or day) is read once it is over; the last hour is re-read once more, as
Google says points can arrive minutes late. **Unverified**: only the reference and the
fake (``aiusage.fake.vertex``) back the label names, the alignment and the answer shape.
"""

from __future__ import annotations

from typing import Any

from aiusage.errors import ConfigError, SourceAuthError, SourceFormatError
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
    rfc3339,
    settled_until,
    usage_and_cost,
    whole,
)
from aiusage.sources.providers.http import request_json
from aiusage.sources.subscriptions.shapes import instant_ms

NAME = "vertex"
PREFIX = "aiplatform.googleapis.com/publisher/online_serving/"
TOKENS = PREFIX + "token_count"
CALLS = PREFIX + "model_invocation_count"
RESOURCE = "aiplatform.googleapis.com/PublisherModel"
MODEL = "resource.label.model_user_id"
SETTLE_MS = HOUR_MS
RETENTION_MS = 42 * DAY_MS  # Cloud Monitoring keeps Google Cloud metrics six weeks
PAGE_SIZE = 10_000
MAX_PAGES = 500
TOKEN_HINT = (
    "an OAuth access token: `gcloud auth print-access-token` (for a service account: "
    "`gcloud auth print-access-token --impersonate-service-account=SA`); it expires after "
    "about an hour"
)
EXPIRED_HINT = (
    "Google access tokens expire after about an hour: get a new one with `gcloud auth "
    "print-access-token` and store it again (`aiusage accounts add … --key-stdin`, or the "
    "env var named by --key-env)"
)

INFO = ProviderInfo(
    name=NAME,
    label="Vertex AI",
    default_base_url="https://monitoring.googleapis.com",
    reports=frozenset({USAGE}),
    unavailable={
        COST: "Google Cloud reports Vertex spend only through the Cloud Billing export to "
        "BigQuery, which aiusage does not read (out of scope); --mode calculate prices the "
        "tokens instead",
        BALANCE: "Google Cloud bills a billing account; there is no prepaid balance",
        RATE_LIMITS: "quota use is in Cloud Monitoring's serviceruntime quota metrics, "
        "which aiusage does not read yet",
    },
    needs=("an OAuth access token (expires in about an hour)", "roles/monitoring.viewer"),
    key_hint=TOKEN_HINT,
    options={
        "project": "required: the Google Cloud project id whose Vertex AI use to read",
        "location": "optional region filter, e.g. us-central1 (default: every location)",
        "bucket": BUCKET_HELP,
    },
    min_interval_s=300,
    default_interval_s=900,
)


def _project(request: CollectRequest) -> str:
    project = (request.options.get("project") or "").strip()
    if not project or "/" in project or " " in project:
        raise ConfigError(
            "a Vertex AI account needs option project=PROJECT_ID",
            hint="`gcloud config get-value project` prints the current one",
        )
    return project


def _token(request: CollectRequest) -> str:
    if not request.key:
        raise SourceAuthError(f"Vertex AI account {request.account!r} has no token", TOKEN_HINT)
    return request.key


class VertexProvider:
    """Per-model input/output tokens and invocations, hourly or daily."""

    info = INFO

    async def collect(self, request: CollectRequest) -> Collected:
        project, token = _project(request), _token(request)
        bucket, width = bucket_ms(request.options)
        start = max(min(request.since_ms, request.now_ms), request.now_ms - RETENTION_MS)
        start = start // width * width
        end = request.now_ms // width * width  # the running bucket is read once it is over
        until = settled_until(request.now_ms, width, SETTLE_MS)

        async def usage(sink: list[UsageEvent]) -> None:
            if end > start:
                sink.extend(await self._usage(request, project, token, bucket, start, end))

        return await usage_and_cost(
            usage, None, start_ms=start, until_ms=min(until, end), width_ms=width
        )

    async def check(self, request: CollectRequest) -> str:
        """One day of token counts per model: a free read that proves token and project."""
        project, token = _project(request), _token(request)
        end = request.now_ms // HOUR_MS * HOUR_MS
        found = await self._series(request, project, token, TOKENS, end - DAY_MS, end, HOUR_MS)
        tokens = sum(v for (_, _, kind), v in found.items() if kind != "requests")
        models = {model for model, _, _ in found}
        return (
            f"token accepted; project {project}: {tokens:,} tokens in the last 24 h "
            f"across {len(models)} model(s)"
        )

    async def _usage(
        self, request: CollectRequest, project: str, token: str, bucket: str, start: int, end: int
    ) -> list[UsageEvent]:
        width = HOUR_MS if bucket == "1h" else DAY_MS
        found = await self._series(request, project, token, TOKENS, start, end, width)
        found.update(await self._series(request, project, token, CALLS, start, end, width))
        rows: dict[tuple[str, int], dict[str, int]] = {}
        for (model, ts_ms, kind), value in found.items():
            row = rows.setdefault((model, ts_ms), {})
            row[kind] = row.get(kind, 0) + value
        location = (request.options.get("location") or "").strip()
        events = []
        for (model, ts_ms), row in sorted(rows.items()):
            other = {k: v for k, v in row.items() if k not in ("input", "output", "requests")}
            meta: dict[str, Any] = {"bucket": bucket, "origin": "cloud_monitoring"}
            if location:
                meta["location"] = location
            if other:
                meta["other_tokens"] = other
            events.append(
                UsageEvent(
                    ts_ms=ts_ms,
                    source=request.account,
                    dedup_key=f"{NAME}:{project}:{location or '*'}:{model}:{bucket}:"
                    + rfc3339(ts_ms),
                    model=model,
                    provider=NAME,
                    account=request.account,
                    project=project,
                    input_tokens=row.get("input", 0),
                    output_tokens=row.get("output", 0),
                    requests=row.get("requests", 0),
                    reported_cost_usd=None,  # no bill here: aiusage prices the tokens
                    meta=meta,
                )
            )
        return events

    async def _series(
        self,
        request: CollectRequest,
        project: str,
        token: str,
        metric: str,
        start: int,
        end: int,
        width: int,
    ) -> dict[tuple[str, int, str], int]:
        """(model, bucket start, 'input'|'output'|'requests'|other type) -> count."""
        where = f"Cloud Monitoring {metric.removeprefix(PREFIX)}"
        filters = [f'metric.type="{metric}"', f'resource.type="{RESOURCE}"']
        if location := (request.options.get("location") or "").strip():
            filters.append(f'resource.labels.location="{location}"')
        params: list[tuple[str, str]] = [
            ("filter", " AND ".join(filters)),
            ("interval.startTime", rfc3339(start)),
            ("interval.endTime", rfc3339(end)),
            ("aggregation.alignmentPeriod", f"{width // 1000}s"),
            ("aggregation.perSeriesAligner", "ALIGN_SUM"),
            ("aggregation.crossSeriesReducer", "REDUCE_SUM"),
            ("aggregation.groupByFields", MODEL),
            *([("aggregation.groupByFields", "metric.label.type")] if metric == TOKENS else []),
            ("pageSize", str(PAGE_SIZE)),
        ]
        found: dict[tuple[str, int, str], int] = {}
        page, seen = "", set()
        for _ in range(MAX_PAGES):
            answer = await request_json(
                request.client,
                "GET",
                f"v3/projects/{project}/timeSeries",
                params=params + ([("pageToken", page)] if page else []),
                label=where,
                secrets=[token],
                headers={"Authorization": f"Bearer {token}"},
                login_hint=EXPIRED_HINT,
                forbidden_hint=f"the identity needs roles/monitoring.viewer on project "
                f"{project} (and the Cloud Monitoring API enabled)",
            )
            page = _page(answer.body, where, metric, width, found)
            if not page:
                return found
            if page in seen:
                raise SourceFormatError(f"{where}: nextPageToken repeats an earlier page")
            seen.add(page)
        raise SourceFormatError(f"{where}: still a nextPageToken after {MAX_PAGES} pages")


def _page(
    body: Any, where: str, metric: str, width: int, found: dict[tuple[str, int, str], int]
) -> str:
    """Add one timeSeries.list page to ``found``; its nextPageToken ('' at the end)."""
    if not isinstance(body, dict):
        raise SourceFormatError(f"{where}: the answer is not an object")
    series = body.get("timeSeries", [])  # omitted when nothing matched
    if not isinstance(series, list):
        raise SourceFormatError(f"{where}: timeSeries is not a list")
    for one in series:
        if not isinstance(one, dict) or not isinstance(one.get("points"), list):
            raise SourceFormatError(f"{where}: a time series has no points list")
        kind = "requests" if metric == CALLS else _label(one, "metric", "type") or "input"
        model = _label(one, "resource", "model_user_id")
        for point in one["points"]:
            interval = point.get("interval") if isinstance(point, dict) else None
            ends = instant_ms(interval.get("endTime")) if isinstance(interval, dict) else None
            value = point.get("value") if isinstance(point, dict) else None
            if ends is None or not isinstance(value, dict):
                raise SourceFormatError(f"{where}: a point has no interval.endTime or value")
            raw = value.get("int64Value", value.get("doubleValue"))
            key = (model, ends - width, kind)
            found[key] = found.get(key, 0) + whole(raw, f"{where}: {model} {kind}")
    token = body.get("nextPageToken") or ""
    if not isinstance(token, str):
        raise SourceFormatError(f"{where}: nextPageToken is not a string")
    return token


def _label(series: dict[str, Any], part: str, name: str) -> str:
    """``series[part].labels[name]``, or '' when any level is missing or not an object."""
    holder = series.get(part)
    labels = holder.get("labels") if isinstance(holder, dict) else None
    value = labels.get(name) if isinstance(labels, dict) else None
    return str(value) if value is not None else ""
