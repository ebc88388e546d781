"""A fake of the AWS calls the Bedrock adapter makes: CloudWatch ``GetMetricData`` and
``ListMetrics`` (JSON 1.0, ``GraniteServiceVersion20100801.*``) and Cost Explorer
``GetCostAndUsage`` (JSON 1.1, ``AWSInsightsIndexService.*``), told apart by
``X-Amz-Target`` on one loopback port (provider-apis.md §7).

It **verifies every SigV4 signature** by recomputing it with the key's secret
(``sigv4_check.py``, written apart from the adapter's signer) and refuses like AWS: 403
``InvalidSignatureException`` for a bad signature or one older than 15 minutes, 400
``UnrecognizedClientException`` for an unknown key id, 400 ``ExpiredTokenException``,
400 ``AccessDeniedException`` for a key without ``ce:GetCostAndUsage``. Data: SEARCH
expressions over ``{AWS/Bedrock,ModelId}`` with the ``${PROP('Dim.ModelId')}`` label,
points paged behind ``NextToken``; daily costs per SERVICE (Bedrock, a Marketplace
"(Amazon Bedrock Edition)" model, EC2 to skip) with string ``Amount``s, paged behind
``NextPageToken``. Shapes are from the reference, not captured: **unverified**.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from aiusage.fake.cloud_data import DAY_S, NOW_S, Hour, buckets, daily_costs, seeded_hours
from aiusage.fake.server import FakeServer, Recorded, Reply
from aiusage.fake.sigv4_check import Key, verify

ACCESS_KEY = "AKIAFAKEFAKEFAKE0001"
SECRET = "fakeSecretKey/0123456789abcdefghijklmnopqrst"
NO_COST_KEY = "AKIAFAKEFAKEFAKE0002"
TEMP_KEY, TEMP_SECRET, SESSION = (
    "ASIAFAKEFAKEFAKE0003",
    "tempSecret/xyz0123456789",
    "FwoGZXIvYXdzEFAKE==",
)
EXPIRED_KEY = "ASIAFAKEFAKEFAKE0004"
MODELS = (
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "amazon.titan-text-express-v1",
    "meta.llama3-70b-instruct-v1:0",
)
CACHE_MODELS = frozenset({MODELS[0]})  # the only one with CacheRead/WriteInputTokenCount
PRICES = {MODELS[0]: (3.0, 15.0), MODELS[1]: (0.2, 0.6), MODELS[2]: (2.65, 3.5)}
MARKETPLACE = "Claude 3.5 Sonnet (Amazon Bedrock Edition)"
METRICS = {
    "InputTokenCount": "input",
    "OutputTokenCount": "output",
    "Invocations": "requests",
    "CacheReadInputTokenCount": "cache_read",
    "CacheWriteInputTokenCount": "cache_write",
}
SEARCH = re.compile(r"SEARCH\('\{AWS/Bedrock,ModelId\} MetricName=\"(\w+)\"', 'Sum', (\d+)\)")
DYNAMIC_LABEL = "${PROP('Dim.ModelId')}"
POINTS_PER_PAGE = 120
DAYS_PER_PAGE = 2
TARGETS = {
    "GraniteServiceVersion20100801.GetMetricData": ("monitoring", "1.0"),
    "GraniteServiceVersion20100801.ListMetrics": ("monitoring", "1.0"),
    "AWSInsightsIndexService.GetCostAndUsage": ("ce", "1.1"),
}


def aws_error(status: int, kind: str, message: str) -> Reply:
    return Reply(status, {"__type": kind, "message": message})


def throttled() -> Reply:
    """How AWS JSON services throttle: 400, not 429."""
    return aws_error(400, "ThrottlingException", "Rate exceeded")


class FakeAws(FakeServer):
    """``rows`` are the seeded hours (model = ModelId); ``clock`` is the wall clock the
    signature age is checked against (AWS allows 15 minutes)."""

    def __init__(self, *, now_s: int = NOW_S, days: int = 3, seed: int = 5) -> None:
        super().__init__()
        self.now_s = now_s
        self.rows: list[Hour] = [
            h if h.model in CACHE_MODELS else Hour(h.model, h.hour_s, h.input, h.output, h.requests)
            for h in seeded_hours(MODELS, now_s=now_s, days=days, seed=seed, cache=True)
        ]
        self.costs = daily_costs(self.rows, PRICES)
        self.keys = {
            ACCESS_KEY: Key(SECRET),
            NO_COST_KEY: Key(SECRET, may_read_costs=False),
            TEMP_KEY: Key(TEMP_SECRET, SESSION),
            EXPIRED_KEY: Key(TEMP_SECRET, SESSION, expired=True),
        }
        self.clock: Any = None  # None: time.time()

    def answer(self, request: Recorded) -> Reply:
        target = request.headers.get("x-amz-target", "")
        if request.method != "POST" or target not in TARGETS:
            return aws_error(400, "UnknownOperationException", "")
        service, version = TARGETS[target]
        if request.headers.get("content-type") != f"application/x-amz-json-{version}":
            return aws_error(400, "SerializationException", "Unexpected content type")
        refused = verify(request, service, self.keys, self.clock)
        if refused is not None:
            return aws_error(*refused)
        key = self.keys[request.headers["authorization"].split("Credential=")[1].split("/")[0]]
        if service == "ce" and not key.may_read_costs:
            return aws_error(
                400,
                "AccessDeniedException",
                "User: arn:aws:iam::123456789012:user/fake is not authorized to perform: "
                "ce:GetCostAndUsage on resource: arn:aws:ce:us-east-1:123456789012:/"
                "GetCostAndUsage because no identity-based policy allows the "
                "ce:GetCostAndUsage action",
            )
        scripted = self.next_scripted()
        if scripted is not None:
            return scripted
        try:
            body = json.loads(request.body)
        except ValueError:
            return aws_error(400, "SerializationException", "Start of structure or map found")
        operation = target.rsplit(".", 1)[1]
        if operation == "GetMetricData":
            return self.metric_data(body)
        if operation == "ListMetrics":
            return self.list_metrics(body)
        return self.cost_and_usage(body)

    def metric_data(self, body: dict[str, Any]) -> Reply:
        start, end = int(body["StartTime"]), int(body["EndTime"])
        series: list[tuple[str, str, int, float]] = []  # (query id, label, ts, value)
        for query in body["MetricDataQueries"]:
            match = SEARCH.fullmatch(query.get("Expression", ""))
            if match is None or match.group(1) not in METRICS:
                return aws_error(400, "InvalidParameterValue", "Unsupported expression")
            metric, period = match.group(1), int(match.group(2))
            summed = buckets(self.rows, period, start - start % period, end)
            for (model, ts), hour in sorted(summed.items(), key=lambda i: (i[0][0], i[0][1])):
                if ts < start:
                    continue
                value = getattr(hour, METRICS[metric])
                if METRICS[metric].startswith("cache") and model not in CACHE_MODELS:
                    continue  # that metric does not exist for the model: SEARCH finds none
                label = model if query.get("Label") == DYNAMIC_LABEL else metric
                series.append((query["Id"], label, ts, float(value)))
        if body.get("ScanBy", "TimestampDescending") == "TimestampDescending":
            series.sort(key=lambda s: -s[2])
        offset = int(body.get("NextToken") or 0)
        page = series[offset : offset + POINTS_PER_PAGE]
        more = offset + POINTS_PER_PAGE < len(series)
        results: dict[tuple[str, str], dict[str, Any]] = {}
        for qid, label, ts, value in page:
            result = results.setdefault(
                (qid, label),
                {
                    "Id": qid,
                    "Label": label,
                    "Timestamps": [],
                    "Values": [],
                    "StatusCode": "PartialData" if more else "Complete",
                },
            )
            result["Timestamps"].append(ts)
            result["Values"].append(value)
        answer: dict[str, Any] = {"MetricDataResults": list(results.values()), "Messages": []}
        if more:
            answer["NextToken"] = str(offset + POINTS_PER_PAGE)
        return Reply(200, answer)

    def list_metrics(self, body: dict[str, Any]) -> Reply:
        models = sorted({r.model for r in self.rows})
        return Reply(
            200,
            {
                "Metrics": [
                    {
                        "Namespace": "AWS/Bedrock",
                        "MetricName": body.get("MetricName") or "Invocations",
                        "Dimensions": [{"Name": "ModelId", "Value": m}],
                    }
                    for m in models
                ]
            },
        )

    def cost_and_usage(self, body: dict[str, Any]) -> Reply:
        try:
            first = _day_s(body["TimePeriod"]["Start"])
            end = _day_s(body["TimePeriod"]["End"])
            assert body["Granularity"] == "DAILY" and first < end
        except (KeyError, ValueError, TypeError, AssertionError):
            return aws_error(400, "ValidationException", "Start date must be before end date")
        days = list(range(first, end, DAY_S))
        offset = int(body.get("NextPageToken") or 0)
        page = days[offset : offset + DAYS_PER_PAGE]
        results = []
        for d in page:
            groups = [
                ("Amazon Elastic Compute Cloud - Compute", 12.3456789),
                *self.services(d).items(),
            ]
            results.append(
                {
                    "TimePeriod": {"Start": _date(d), "End": _date(d + DAY_S)},
                    "Total": {},
                    "Groups": [
                        {
                            "Keys": [name],
                            "Metrics": {"UnblendedCost": {"Amount": f"{usd:.10f}", "Unit": "USD"}},
                        }
                        for name, usd in groups
                    ],
                    "Estimated": d >= self.now_s - 2 * DAY_S,
                }
            )
        answer: dict[str, Any] = {
            "GroupDefinitions": [{"Type": "DIMENSION", "Key": "SERVICE"}],
            "ResultsByTime": results,
            "DimensionValueAttributes": [],
        }
        if offset + DAYS_PER_PAGE < len(days):
            answer["NextPageToken"] = str(offset + DAYS_PER_PAGE)
        return Reply(200, answer)

    def services(self, day_s: int) -> dict[str, float]:
        """The day's Bedrock services: Claude bills under its Marketplace name."""
        claude = daily_costs([r for r in self.rows if r.model in CACHE_MODELS], PRICES)
        total = self.costs.get(day_s, 0.0)
        own = claude.get(day_s, 0.0)
        found = {"Amazon Bedrock": round(total - own, 6), MARKETPLACE: own}
        return {k: v for k, v in found.items() if v}


def _day_s(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC).timestamp())


def _date(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d")
