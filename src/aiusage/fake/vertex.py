"""A fake of Cloud Monitoring's ``timeSeries.list`` for Vertex AI's publisher-model metrics
(provider-apis.md §7).

It serves ``GET /v3/projects/{project}/timeSeries`` for ``…/online_serving/token_count``
(label ``type`` = input|output) and ``…/model_invocation_count`` on the
``aiplatform.googleapis.com/PublisherModel`` resource, with the ``filter`` (metric type,
resource type, optional ``resource.labels.location``), ``interval.startTime/endTime``,
``aggregation.alignmentPeriod`` + ALIGN_SUM + REDUCE_SUM and ``groupByFields``. Points
come newest first with ``int64Value`` as a *string*; whole series are paged behind
``nextPageToken``. It refuses like Google: 401 UNAUTHENTICATED, 403 PERMISSION_DENIED (a
token without monitoring.viewer, or an unknown project), 400 INVALID_ARGUMENT.
Shapes are from the reference, not captured: **unverified**.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiusage.fake.cloud_data import NOW_S, Hour, buckets, seeded_hours
from aiusage.fake.server import FakeServer, Recorded, Reply

TOKEN = "ya29.a0FAKE-FAKE-FAKE-gcloud-access-token-0000000000"
VIEWERLESS_TOKEN = "ya29.a0FAKE-no-monitoring-viewer-role-000000000"
PROJECT = "acme-ml"
PREFIX = "aiplatform.googleapis.com/publisher/online_serving/"
TOKENS, CALLS = PREFIX + "token_count", PREFIX + "model_invocation_count"
RESOURCE = "aiplatform.googleapis.com/PublisherModel"
#: model_user_id -> (publisher, location)
MODELS = {
    "gemini-2.5-flash": ("google", "us-central1"),
    "gemini-2.5-pro": ("google", "us-central1"),
    "claude-sonnet-4": ("anthropic", "us-east5"),
}
POINTS_PER_PAGE = 100  # whole series per page, at most this many points (at least one)
CLAUSE = re.compile(r'\s*([\w.]+)\s*=\s*"([^"]*)"\s*')


def google_error(status: int, reason: str, message: str) -> Reply:
    return Reply(status, {"error": {"code": status, "message": message, "status": reason}})


def _clauses(text: str) -> dict[str, str]:
    """``a="x" AND b="y"`` as {a: x, b: y}; ValueError for anything else."""
    found = {}
    for clause in text.split(" AND "):
        match = CLAUSE.fullmatch(clause)
        if match is None:
            raise ValueError("filter")
        found[match.group(1)] = match.group(2)
    return found


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seconds(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


class FakeCloudMonitoring(FakeServer):
    """``rows`` are the seeded hours (model = model_user_id, located as in MODELS)."""

    def __init__(self, *, now_s: int = NOW_S, days: int = 3, seed: int = 13) -> None:
        super().__init__()
        self.now_s = now_s
        self.rows: list[Hour] = seeded_hours(tuple(MODELS), now_s=now_s, days=days, seed=seed)
        self.tokens = {TOKEN: True, VIEWERLESS_TOKEN: False}

    def answer(self, request: Recorded) -> Reply:
        url = urlsplit(request.path)
        query = parse_qs(url.query)
        allowed = self.tokens.get(request.bearer() or "")
        if allowed is None:
            return google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
            )
        match = re.fullmatch(r"/v3/projects/([^/]+)/timeSeries", url.path)
        if match is None:
            return google_error(404, "NOT_FOUND", "Method not found.")
        if not allowed or match.group(1) != PROJECT:
            return google_error(
                403,
                "PERMISSION_DENIED",
                "Permission monitoring.timeSeries.list denied (or the resource may not exist).",
            )
        scripted = self.next_scripted()
        if scripted is not None:
            return scripted
        try:
            return self.series(query)
        except (KeyError, ValueError) as exc:
            return google_error(400, "INVALID_ARGUMENT", f"Field {exc} had an invalid value")

    def series(self, query: dict[str, list[str]]) -> Reply:
        one = {k: v[-1] for k, v in query.items()}
        clauses = _clauses(one["filter"])
        metric = clauses["metric.type"]
        if metric not in (TOKENS, CALLS) or clauses.get("resource.type", RESOURCE) != RESOURCE:
            return Reply(200, {"unit": "1"})  # nothing matches: no timeSeries at all
        where = clauses.get("resource.labels.location")
        start, end = _seconds(one["interval.startTime"]), _seconds(one["interval.endTime"])
        period = int(one["aggregation.alignmentPeriod"].removesuffix("s"))
        if one.get("aggregation.perSeriesAligner") != "ALIGN_SUM":
            raise ValueError("aggregation.perSeriesAligner")
        group = set(query.get("aggregation.groupByFields", []))
        by_model = "resource.label.model_user_id" in group
        by_type = metric == TOKENS and "metric.label.type" in group
        rows = [r for r in self.rows if where is None or MODELS[r.model][1] == where]
        summed = buckets(rows, period, start - start % period, end)
        series: dict[tuple[str, str], dict[int, int]] = {}
        for (model, b), hour in summed.items():
            if b < start or b + period > end:
                continue  # only whole alignment periods inside the interval
            kinds = (
                [("input", hour.input), ("output", hour.output)]
                if by_type
                else [("", hour.input + hour.output if metric == TOKENS else hour.requests)]
            )
            for kind, value in kinds:
                points = series.setdefault((model if by_model else "", kind), {})
                points[b] = points.get(b, 0) + value
        listed = [self._one(metric, m, k, p, period) for (m, k), p in sorted(series.items())]
        size = min(int(one.get("pageSize", "100000")), POINTS_PER_PAGE)
        offset, count = int(one.get("pageToken") or 0), 0
        page: list[dict[str, Any]] = []
        for item in listed[offset:]:
            if page and count + len(item["points"]) > size:
                break
            page.append(item)
            count += len(item["points"])
        answer: dict[str, Any] = {"timeSeries": page, "unit": "1"} if page else {"unit": "1"}
        if offset + len(page) < len(listed):
            answer["nextPageToken"] = str(offset + len(page))
        return Reply(200, answer)

    def _one(
        self, metric: str, model: str, kind: str, points: dict[int, int], period: int
    ) -> dict[str, Any]:
        labels = {"resource_container": "123456789", "project_id": PROJECT}
        if model:
            labels["model_user_id"] = model
        return {
            "metric": {"type": metric, "labels": {"type": kind} if kind else {}},
            "resource": {"type": RESOURCE, "labels": labels},
            "metricKind": "DELTA",
            "valueType": "INT64",
            "points": [
                {
                    "interval": {"startTime": _iso(b), "endTime": _iso(b + period)},
                    "value": {"int64Value": str(v)},
                }
                for b, v in sorted(points.items(), reverse=True)  # newest first
            ],
        }
