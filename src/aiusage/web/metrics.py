"""GET /metrics: Prometheus text, through prometheus-client's custom-collector interface.

The metric table (name, type, unit, labels, help) is the core's one declaration
(``App.dashboard.metrics()``); this module only turns a snapshot of it into families.
The snapshot is read on the database thread first, so the collector never touches the
App from the event loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

router = APIRouter(tags=["meta"])


class Snapshot:
    """A custom collector over one reading of ``App.dashboard.metrics()``."""

    def __init__(self, table: Any, samples: dict[str, list[tuple[tuple[str, ...], float]]]):
        self.table = table
        self.samples = samples

    def collect(self) -> Iterator[Metric]:
        for spec in self.table:
            help_text = f"{spec.help} Unit: {spec.unit}."
            family: CounterMetricFamily | GaugeMetricFamily
            if spec.type == "counter":
                # prometheus-client appends _total to a counter's samples itself
                name = spec.name.removesuffix("_total")
                family = CounterMetricFamily(name, help_text, labels=spec.labels)
            else:
                family = GaugeMetricFamily(spec.name, help_text, labels=spec.labels)
            for labels, value in self.samples.get(spec.name, []):
                family.add_metric(list(labels), value)
            yield family


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
)
async def metrics(request: Request) -> Response:
    """Cost, tokens, requests, limit and budget use, account health (Prometheus text)."""
    table, samples = await request.app.state.backend.call(lambda a: a.dashboard.metrics())
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Snapshot(table, samples))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
