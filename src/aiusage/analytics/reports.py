"""Daily, weekly, monthly and per-session reports from aggregated rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import Any

from aiusage.analytics.timezones import day_number_to_date, week_start
from aiusage.analytics.totals import Totals
from aiusage.store.queries import AggRow


class Period(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    SESSION = "session"


#: JSON list key and row key for each report, e.g. {"days": [{"date": …}]}.
KEYS: dict[Period, tuple[str, str]] = {
    Period.DAILY: ("days", "date"),
    Period.WEEKLY: ("weeks", "week"),
    Period.MONTHLY: ("months", "month"),
    Period.SESSION: ("sessions", "session_id"),
}


@dataclass(slots=True)
class ReportRow:
    key: str
    totals: Totals = field(default_factory=Totals)
    by_model: dict[str, Totals] = field(default_factory=dict)
    sources: set[str] = field(default_factory=set)
    projects: set[str] = field(default_factory=set)
    first_ms: int | None = None
    last_ms: int | None = None

    def add(self, row: AggRow) -> None:
        self.totals.add(row)
        self.by_model.setdefault(row.model, Totals()).add(row)
        self.sources.add(row.source)
        if row.project:
            self.projects.add(row.project)
        self.first_ms = row.first_ms if self.first_ms is None else min(self.first_ms, row.first_ms)
        self.last_ms = row.last_ms if self.last_ms is None else max(self.last_ms, row.last_ms)

    @property
    def models(self) -> list[str]:
        return sorted(self.by_model)


@dataclass(slots=True)
class Report:
    period: Period
    rows: list[ReportRow]
    totals: Totals
    unpriced_models: dict[str, int]
    by_project: dict[str, list[ReportRow]] | None = None

    def to_json(self, tz: tzinfo, breakdown: bool) -> dict[str, Any]:
        list_key, row_key = KEYS[self.period]
        body: dict[str, Any] = {}
        if self.by_project is not None:
            body["projects"] = {
                name: [_row_json(self.period, r, row_key, tz, breakdown) for r in rows]
                for name, rows in self.by_project.items()
            }
        else:
            body[list_key] = [_row_json(self.period, r, row_key, tz, breakdown) for r in self.rows]
        body["totals"] = self.totals.to_dict()
        body["unpriced_models"] = [
            {"model": m, "requests": n} for m, n in sorted(self.unpriced_models.items())
        ]
        return body


def _row_json(
    period: Period, row: ReportRow, row_key: str, tz: tzinfo, breakdown: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {row_key: row.key}
    out.update(row.totals.to_dict())
    out["models"] = row.models
    out["agents"] = sorted(row.sources)
    if period is Period.SESSION:
        out["project"] = next(iter(sorted(row.projects)), "")
        out["first_activity"] = _iso(row.first_ms, tz)
        out["last_activity"] = _iso(row.last_ms, tz)
    if breakdown:
        out["breakdown"] = [{"model": m, **t.to_dict()} for m, t in sorted(row.by_model.items())]
    return out


def _iso(ts_ms: int | None, tz: tzinfo) -> str | None:
    if ts_ms is None:
        return None
    return datetime.fromtimestamp(ts_ms / 1000, tz).isoformat(timespec="seconds")


def period_key(period: Period, day: date, start_of_week: int) -> str:
    if period is Period.DAILY:
        return day.isoformat()
    if period is Period.WEEKLY:
        return week_start(day, start_of_week).isoformat()
    return f"{day.year:04d}-{day.month:02d}"


def build_report(
    period: Period,
    rows: Iterable[AggRow],
    *,
    start_of_week: int = 0,
    instances: bool = False,
    descending: bool = False,
) -> Report:
    """Group aggregated rows into report rows (per project too when ``instances``)."""
    key_of: Callable[[AggRow], str]
    if period is Period.SESSION:

        def key_of(r: AggRow) -> str:
            return r.session
    else:
        cache: dict[int, str] = {}

        def key_of(r: AggRow) -> str:
            assert r.day is not None
            k = cache.get(r.day)
            if k is None:
                k = cache[r.day] = period_key(period, day_number_to_date(r.day), start_of_week)
            return k

    groups: dict[tuple[str, str], ReportRow] = {}
    totals = Totals()
    unpriced: dict[str, int] = {}
    for r in rows:
        project = r.project if instances else ""
        k = key_of(r)
        row = groups.get((project, k))
        if row is None:
            row = groups[(project, k)] = ReportRow(k)
        row.add(r)
        totals.add(r)
        if r.unpriced:
            unpriced[r.model] = unpriced.get(r.model, 0) + r.unpriced

    def order(items: list[ReportRow]) -> list[ReportRow]:
        if period is Period.SESSION:
            return sorted(items, key=lambda x: x.last_ms or 0, reverse=descending)
        return sorted(items, key=lambda x: x.key, reverse=descending)

    report = Report(period, order(list(groups.values())), totals, unpriced)
    if instances:
        by_project: dict[str, list[ReportRow]] = {}
        for (project, _), row in groups.items():
            by_project.setdefault(project or "(unknown)", []).append(row)
        report.by_project = {p: order(v) for p, v in sorted(by_project.items())}
    return report
