"""GET /api/v1/…: every page's data, as the CLI's ``--json`` where the CLI has the view."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BeforeValidator

from aiusage.web import api_models as m
from aiusage.web.backend import Backend

router = APIRouter(prefix="/api/v1", tags=["read"])

Sources = Annotated[
    list[str],
    Query(
        alias="source",
        max_length=50,
        description="Only this agent or account (repeatable).",
    ),
]


def _iso_day(value: object) -> object:
    """Only YYYY-MM-DD (pydantic would also take '0' as 1970-01-01), and only a year a
    store can hold: a day in 4940 would make the server walk time zones for millennia."""
    if not isinstance(value, date) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
        raise ValueError("use YYYY-MM-DD")
    if not 1970 <= int(str(value)[:4]) <= 2199:
        raise ValueError("use a day between 1970-01-01 and 2199-12-31")
    return value


Day = Annotated[
    Annotated[date, BeforeValidator(_iso_day)] | None,
    Query(description="YYYY-MM-DD, a local day."),
]


def backend(request: Request) -> Backend:
    found: Backend = request.app.state.backend
    return found


def _sources(values: list[str]) -> tuple[str, ...]:
    return tuple(v[:100] for v in values if v.strip())


@router.get("/overview", response_model=m.Overview)
async def overview(request: Request) -> dict[str, Any]:
    """Status bar, totals, and one card per provider account and agent."""
    return await backend(request).call(lambda a: a.dashboard.overview())


@router.get("/history", response_model=m.History)
async def history(
    request: Request,
    range: Annotated[Literal["24h", "7d", "30d", "90d", "custom"], Query()] = "7d",
    since: Day = None,
    until: Day = None,
    source: Sources = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    metric: Annotated[Literal["cost", "tokens", "requests"], Query()] = "cost",
    group: Annotated[Literal["source", "model", "provider"], Query()] = "source",
) -> dict[str, Any]:
    """Cost, tokens or requests per hour (24h) or day, with the donut, calendar, ratios
    and the comparison with the period before. ``custom``: since … until (default: the
    30 days up to until, until defaults to today)."""
    sources = _sources(source)
    return await backend(request).call(
        lambda a: a.dashboard.history(range, since, until, sources, metric, group)
    )


@router.get("/limits", response_model=m.Limits)
async def limits(request: Request) -> dict[str, Any]:
    """Every window (as `aiusage limits --json`) and the recent 5-hour blocks."""
    return await backend(request).call(lambda a: a.dashboard.limits())


@router.get("/budgets", response_model=m.Budgets)
async def budgets(request: Request) -> dict[str, Any]:
    """Where every budget stands (as `aiusage budgets --json`)."""
    return await backend(request).call(lambda a: a.dashboard.budgets())


@router.get("/alerts", response_model=m.Alerts)
async def alerts(
    request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 50
) -> dict[str, Any]:
    """The alert log, newest first (as `aiusage alerts --json`), and any pause."""
    return await backend(request).call(lambda a: a.dashboard.alerts(limit))


@router.get("/forecast", response_model=m.Forecast)
async def forecast(
    request: Request,
    period: Annotated[Literal["month", "week", "day"], Query()] = "month",
    since: Day = None,
    until: Day = None,
    source: Sources = [],  # noqa: B006
    project: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:
    """Expected end-of-period spend per source and in total (as `aiusage forecast
    --json`); since and/or until give a custom period (since alone: up to today; until
    alone: from the first of its month)."""
    sources = _sources(source)
    return await backend(request).action(  # seconds on a year of history: beside the pages
        lambda a: a.dashboard.forecast(period, since, until, sources, project)
    )


@router.get("/anomalies", response_model=m.Anomalies)
async def anomalies(
    request: Request,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    hourly: bool = False,
    sensitivity: Annotated[float | None, Query(gt=0, le=100)] = None,
    source: Sources = [],  # noqa: B006
) -> dict[str, Any]:
    """Spend spikes (as `aiusage anomalies --json`)."""
    sources = _sources(source)
    return await backend(request).action(
        lambda a: a.dashboard.anomalies(days, hourly, sensitivity, sources)
    )


@router.get("/providers", response_model=m.Providers)
async def providers(request: Request) -> dict[str, Any]:
    """What each provider reports and needs (the add-account form)."""
    return await backend(request).call(lambda a: a.dashboard.providers())


@router.get("/accounts", response_model=m.Accounts)
async def accounts(request: Request) -> dict[str, Any]:
    """Accounts with health and latest readings (as `aiusage status --json`); never keys."""
    return await backend(request).call(lambda a: a.dashboard.accounts())


@router.get("/settings", response_model=m.Settings)
async def settings(request: Request) -> dict[str, Any]:
    """Time zone, week start, cost mode, alert settings, channels, database, collector."""
    return await settings_view(request)


async def settings_view(request: Request) -> dict[str, Any]:
    found = await backend(request).call(lambda a: a.dashboard.settings())
    collectors = request.app.state.collector
    if collectors:
        c = collectors[0]
        state = {"state": c.state, "message": c.message, "logs_interval_s": c.logs_interval_s}
    else:
        state = {"state": "off", "message": "serving only (--no-collect)"}
    return {**found, "collector": state}


@router.get(
    "/export",
    responses={
        200: {
            "content": {"text/csv": {}, "application/json": {}},
            "description": "Daily rows per source and model, as an attachment.",
        }
    },
    response_class=Response,
)
async def export(
    request: Request,
    format: Annotated[Literal["csv", "json"], Query()] = "csv",
    since: Day = None,
    until: Day = None,
    source: Sources = [],  # noqa: B006
    project: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """The filtered usage rows, one per local day, source and model."""
    import msgspec

    sources = _sources(source)

    def build(a: Any) -> bytes:
        rows = a.dashboard.export_rows(since, until, sources, project)
        if format == "csv":
            return str(a.dashboard.export_csv(rows)).encode()
        return msgspec.json.encode({"rows": rows})

    body = await backend(request).action(build)
    name = f"aiusage-{since or 'all'}-{until or 'now'}.{format}"
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
