"""``aiusage otel``: send usage to an OpenTelemetry collector over OTLP/HTTP."""

from __future__ import annotations

import os
import time
from typing import Annotated

import typer

from aiusage.app import AiusageError, App, parse_interval
from aiusage.cli import options as o
from aiusage.cli.common import err, out, with_app

DEFAULT_ENDPOINT = "http://localhost:4318"


def register(app: typer.Typer) -> None:
    app.command(name="otel")(otel)


def metrics_url(endpoint: str) -> str:
    """A collector's base URL gets OTLP/HTTP's metrics path; a full URL is kept."""
    base = endpoint.rstrip("/")
    return base if base.endswith("/v1/metrics") else base + "/v1/metrics"


def otel(
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint",
            help="The collector's OTLP/HTTP address (default: OTEL_EXPORTER_OTLP_ENDPOINT, "
            f"else {DEFAULT_ENDPOINT}); /v1/metrics is added. Headers such as an API key go "
            "in OTEL_EXPORTER_OTLP_HEADERS, never on the command line.",
        ),
    ] = None,
    every: Annotated[str, typer.Option("--every", help="Export this often: 30s, 1m, 5m.")] = "1m",
    once: Annotated[bool, typer.Option("--once", help="Export once and exit.")] = False,
    from_start: Annotated[
        bool,
        typer.Option(
            "--from-start",
            help="On the first run, record every stored request, not only new ones.",
        ),
    ] = False,
    database: o.Database = None,
) -> None:
    """Export to OpenTelemetry: gen_ai.client.token.usage per request (the GenAI semantic
    conventions) and aiusage's metrics (cost, tokens, limits, budgets, account health).

    Runs beside `aiusage daemon` (which collects); each request is recorded once, across
    restarts. Needs the extra: pip install 'aiusage[otel]'."""
    try:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        from aiusage.otel.exporter import ExportFailed, OtelExporter
    except ImportError:
        err.print("error: OpenTelemetry export needs the extra: pip install 'aiusage[otel]'")
        raise typer.Exit(2) from None
    seconds = parse_interval(every, "--every")
    if seconds <= 0:
        err.print("error: --every must be at least 1s")
        raise typer.Exit(2)
    url = metrics_url(endpoint or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or DEFAULT_ENDPOINT)

    def body(application: App) -> None:
        exporter = OtelExporter(application, OTLPMetricExporter(endpoint=url), from_start)
        try:
            while True:
                try:
                    recorded = exporter.export()
                    out.print(f"exported to {url}: {recorded:,} new requests", highlight=False)
                except ExportFailed as exc:
                    if once:
                        raise AiusageError(
                            f"{exc} ({url})", hint="is the collector running? check --endpoint"
                        ) from None
                    err.print(f"[yellow]{exc}[/] ({url}); trying again in {every}")
                if once:
                    return
                time.sleep(seconds)
        finally:
            exporter.shutdown()

    with_app(database, body)
