"""OpenTelemetry metrics over OTLP/HTTP: the GenAI conventions and aiusage's own table.

- ``gen_ai.client.token.usage``: the semantic conventions' histogram (unit ``{token}``,
  their bucket boundaries), one input and one output recording per request, attributes
  ``gen_ai.operation.name``, ``gen_ai.provider.name``, ``gen_ai.token.type``,
  ``gen_ai.request.model``. Each event is recorded once: a cursor in the store remembers
  the last one, across restarts.
- Every metric of the one metrics table (what ``/metrics`` serves) as an observable
  counter or gauge named ``aiusage.<name>``, with its unit and help.

Why the SDK's reader never exports on its own: the App's database connection belongs to
the thread that opened it, so this loop reads the store and then flushes; the reader's
callbacks only hand over the snapshot the loop took.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.metrics import CallbackOptions, Observation
    from opentelemetry.sdk.metrics.export import MetricExporter

    from aiusage.app import App

CURSOR = "otel"
TOKEN_USAGE = "gen_ai.client.token.usage"
#: semconv's boundaries for gen_ai.client.token.usage
TOKEN_BUCKETS = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
)  # fmt: skip
#: our provider names → gen_ai.provider.name's well-known values (others pass through)
PROVIDER_NAMES = {
    "azure_openai": "azure.ai.openai",
    "bedrock": "aws.bedrock",
    "gemini": "gcp.gemini",
    "google": "gcp.gemini",
    "vertex": "gcp.vertex_ai",
    "mistral": "mistral_ai",
    "moonshot": "moonshot_ai",
    "xai": "x_ai",
}
UNITS = {"tokens": "{token}", "requests": "{request}", "ratio": "1", "boolean": "1"}
BATCH = 10_000


def otel_name(metric_name: str) -> str:
    """``aiusage_cost_usd_total`` → ``aiusage.cost_usd`` (OTel names; a Prometheus
    backend adds its own ``_total``)."""
    return "aiusage." + metric_name.removeprefix("aiusage_").removesuffix("_total")


class OtelExporter:
    """Records new usage and the metric table into an OTel MeterProvider and exports."""

    def __init__(self, app: App, exporter: MetricExporter, from_start: bool = False) -> None:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
        from opentelemetry.sdk.resources import Resource

        from aiusage.app import package_version

        self.app = app
        self.outcome = _Outcome(exporter)
        self.reader = PeriodicExportingMetricReader(self.outcome, export_interval_millis=math.inf)
        self.provider = MeterProvider(
            resource=Resource.create(
                {"service.name": "aiusage", "service.version": package_version()}
            ),
            metric_readers=[self.reader],
            views=[
                View(
                    instrument_name=TOKEN_USAGE,
                    aggregation=ExplicitBucketHistogramAggregation(list(TOKEN_BUCKETS)),
                )
            ],
        )
        meter = self.provider.get_meter("aiusage", package_version())
        self.tokens = meter.create_histogram(
            TOKEN_USAGE, unit="{token}", description="Tokens used per request, by type."
        )
        self._lock = threading.Lock()
        table, self._samples = app.exports.metrics()
        for spec in table:
            make = (
                meter.create_observable_counter
                if spec.type == "counter"
                else meter.create_observable_gauge
            )
            make(
                otel_name(spec.name),
                callbacks=[self._callback(spec.name, spec.labels)],
                unit=UNITS.get(spec.unit, spec.unit),
                description=spec.help,
            )
        start = app.exports.cursor(CURSOR)
        if start is None:  # first run: from now on, unless the history is wanted too
            start = 0 if from_start else app.exports.latest_event_id()
            app.exports.set_cursor(CURSOR, start)
        self.cursor = start

    def _callback(
        self, name: str, labels: tuple[str, ...]
    ) -> Callable[[CallbackOptions], Iterable[Observation]]:
        from opentelemetry.metrics import Observation

        def observe(_: CallbackOptions) -> Iterable[Observation]:
            with self._lock:
                rows = list(self._samples.get(name, []))
            return [
                Observation(value, dict(zip(labels, values, strict=True))) for values, value in rows
            ]

        return observe

    def record_new(self) -> int:
        """Record the events written since the cursor; returns how many."""
        count = 0
        while True:
            events = self.app.exports.events_after(self.cursor, BATCH)
            for e in events:
                attrs: dict[str, Any] = {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": PROVIDER_NAMES.get(e.provider, e.provider or "unknown"),
                    "gen_ai.request.model": e.model,
                    "aiusage.source": e.source,
                }
                billed_input = e.input_tokens + e.cache_read_tokens + e.cache_write_tokens
                self.tokens.record(billed_input, {**attrs, "gen_ai.token.type": "input"})
                self.tokens.record(e.output_tokens, {**attrs, "gen_ai.token.type": "output"})
            count += len(events)
            if events:
                self.cursor = events[-1].id
            if len(events) < BATCH:
                break
        return count

    def export(self) -> int:
        """Read the store, export everything; returns the events recorded.

        Metrics are cumulative: what a failed export carried goes again with the next
        one, so the stored cursor moves only after a success (a restart in between
        records those requests again in a fresh process, never twice in one)."""
        recorded = self.record_new()
        _, samples = self.app.exports.metrics()
        with self._lock:
            self._samples = samples
        self.outcome.ok = None
        self.provider.force_flush(timeout_millis=30_000)
        if self.outcome.ok is False:  # None: nothing to send yet (an empty store)
            raise ExportFailed("the OTLP endpoint did not accept the metrics")
        self.app.exports.set_cursor(CURSOR, self.cursor)
        return recorded

    def shutdown(self) -> None:
        self.provider.shutdown()


def _outcome_base() -> type:
    from opentelemetry.sdk.metrics.export import MetricExporter

    return MetricExporter


class _Outcome(_outcome_base()):  # type: ignore[misc]
    """Passes exports on and remembers whether the last one succeeded (the SDK's
    force_flush says True whatever happened)."""

    def __init__(self, inner: MetricExporter) -> None:
        super().__init__(
            preferred_temporality=inner._preferred_temporality,
            preferred_aggregation=inner._preferred_aggregation,
        )
        self.inner = inner
        self.ok: bool | None = None

    def export(self, metrics_data: Any, timeout_millis: float = 10_000, **kw: Any) -> Any:
        from opentelemetry.sdk.metrics.export import MetricExportResult

        result = self.inner.export(metrics_data, timeout_millis=timeout_millis, **kw)
        self.ok = result is MetricExportResult.SUCCESS
        return result

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return bool(self.inner.force_flush(timeout_millis=timeout_millis))

    def shutdown(self, timeout_millis: float = 30_000, **kw: Any) -> None:
        self.inner.shutdown(timeout_millis=timeout_millis, **kw)


class ExportFailed(RuntimeError):
    """The collector refused or did not answer; the next export tries again."""
