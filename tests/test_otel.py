"""OpenTelemetry export to a real OTLP/HTTP receiver on loopback: the GenAI conventions'
token histogram per request (each request once, across restarts) and the metric table,
decoded from the protobuf the SDK sends."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)

from aiusage.app import AppContext, open_app
from aiusage.fake.server import FakeServer, Recorded, Reply
from aiusage.otel.exporter import TOKEN_BUCKETS, ExportFailed, OtelExporter
from aiusage.records import UsageEvent
from aiusage.store import open_store


class Collector(FakeServer):
    """An OTLP/HTTP receiver: keeps each ExportMetricsServiceRequest it is sent."""

    def __init__(self, status: int = 200) -> None:
        super().__init__()
        self.status = status

    def answer(self, request: Recorded) -> Reply:
        return Reply(self.status, b"")

    def exports(self) -> list[ExportMetricsServiceRequest]:
        return [
            ExportMetricsServiceRequest.FromString(r.body)
            for r in self.requests
            if r.path == "/v1/metrics"
        ]


def _metrics(req: ExportMetricsServiceRequest) -> dict[str, Any]:
    return {m.name: m for rm in req.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}


def _attrs(point: Any) -> dict[str, str]:
    return {a.key: a.value.string_value for a in point.attributes}


def _event(key: str, provider: str, model: str, inp: int, out: int) -> UsageEvent:
    return UsageEvent(
        ts_ms=int(time.time() * 1000) - 60_000,
        source="claude-code" if provider == "anthropic" else "mistral-work",
        dedup_key=key,
        provider=provider,
        model=model,
        input_tokens=inp,
        cache_read_tokens=1000,
        output_tokens=out,
        reported_cost_usd=0.5,
    )


def test_token_histogram_and_metric_table_reach_the_collector(
    tmp_path: Path, database_url: str
) -> None:
    store = open_store(database_url)
    store.add_events([_event("old", "anthropic", "claude-sonnet-4-5", 10, 20)])
    store.close()
    config = tmp_path / "config.toml"
    receiver = Collector()
    with receiver as url:
        app = open_app(AppContext(database_url=database_url, config_path=config))
        exporter = OtelExporter(app, OTLPMetricExporter(endpoint=f"{url}/v1/metrics"))
        assert exporter.export() == 0  # the first run starts from now: history is not replayed
        add = open_store(database_url)
        add.add_events(
            [
                _event("a", "anthropic", "claude-sonnet-4-5", 100, 300),
                _event("b", "mistral", "mistral-large", 50, 5000),
            ]
        )
        add.close()
        assert exporter.export() == 2
        exporter.shutdown()

        # A restart: the cursor is in the store, nothing is recorded twice.
        again = OtelExporter(app, OTLPMetricExporter(endpoint=f"{url}/v1/metrics"))
        assert again.export() == 0
        again.shutdown()
        app.close()

    last = _metrics(receiver.exports()[1])
    usage = last["gen_ai.client.token.usage"]
    assert usage.unit == "{token}"
    points = {
        (_attrs(p)["gen_ai.provider.name"], _attrs(p)["gen_ai.token.type"]): p
        for p in usage.histogram.data_points
    }
    assert set(points) == {
        ("anthropic", "input"),
        ("anthropic", "output"),
        ("mistral_ai", "input"),
        ("mistral_ai", "output"),
    }
    anthropic_in = points[("anthropic", "input")]
    assert anthropic_in.count == 1 and anthropic_in.sum == 1100  # uncached + cache reads
    assert points[("mistral_ai", "output")].sum == 5000
    assert list(anthropic_in.explicit_bounds) == [float(b) for b in TOKEN_BUCKETS]
    attrs = _attrs(anthropic_in)
    assert attrs["gen_ai.operation.name"] == "chat"
    assert attrs["gen_ai.request.model"] == "claude-sonnet-4-5"
    # The metric table, as /metrics serves it: cost of all three events, 0.5 each.
    cost = last["aiusage.cost_usd"]
    assert cost.unit == "USD" and cost.sum.is_monotonic
    assert round(sum(p.as_double for p in cost.sum.data_points), 6) == 1.5
    resource = {
        a.key: a.value.string_value
        for a in receiver.exports()[1].resource_metrics[0].resource.attributes
    }
    assert resource["service.name"] == "aiusage"


def test_a_refusing_collector_is_an_error_and_the_cursor_stays(
    tmp_path: Path, database_url: str
) -> None:
    with Collector(status=503) as url:
        app = open_app(AppContext(database_url=database_url, config_path=tmp_path / "c.toml"))
        exporter = OtelExporter(app, OTLPMetricExporter(endpoint=f"{url}/v1/metrics", timeout=2))
        add = open_store(database_url)
        add.add_events([_event("c", "anthropic", "claude-sonnet-4-5", 1, 2)])
        add.close()
        with pytest.raises(ExportFailed):
            exporter.export()
        stored = app.exports.cursor("otel")
        assert stored is not None and stored < app.exports.latest_event_id()
        exporter.shutdown()
        app.close()


def test_the_otel_command_exports_once_and_names_a_dead_collector(tmp_path: Path) -> None:
    from clitools import run_cli

    home = tmp_path / "home"
    home.mkdir()
    store = open_store(f"sqlite:///{home / 'aiusage.db'}")
    store.add_events([_event("d", "anthropic", "claude-sonnet-4-5", 1, 2)])
    store.close()
    with Collector() as url:
        done = run_cli(home, "otel", "--once", "--endpoint", url, "--from-start")
        assert done.returncode == 0, done.stderr
        assert f"exported to {url}/v1/metrics: 1 new requests" in done.stdout
    dead = run_cli(home, "otel", "--once", "--endpoint", "http://127.0.0.1:9")
    assert dead.returncode == 2  # as every aiusage error
    assert "did not accept" in dead.stderr and "collector running" in dead.stderr
