"""What the monitor shows, as typed values: read from ``App.dashboard`` in one go.

Why a snapshot: the dashboard facade answers in JSON-ready dicts (the web's shapes); the
monitor turns them once into small dataclasses with epoch-millisecond times, so countdowns
can tick every second from the clock alone and the widgets never touch the store. Loading
runs on the monitor's data thread; everything here is pure except :func:`load`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiusage.tui.format import dollars

if TYPE_CHECKING:
    from aiusage.app import App

PERIODS = ("24h", "7d", "30d", "90d")
METRICS = ("cost", "tokens")
SORTS = ("month", "today", "tokens", "limit", "name")
SORT_LABELS = {
    "month": "month $",
    "today": "today $",
    "tokens": "tokens today",
    "limit": "limit %",
    "name": "name",
}
ALERTS_SHOWN = 8


def when(iso: str | None) -> datetime | None:
    """An ISO time as an aware datetime: it keeps the zone's offset, so it prints as the
    local time the user asked for (``--tz``)."""
    return None if not iso else datetime.fromisoformat(iso)


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class View:
    """What the user chose with the keys: the chart's period and metric, one source or
    all, and the table's order."""

    period: str = "24h"
    metric: str = "cost"
    source: str | None = None
    sort: str = "month"

    @property
    def chart(self) -> tuple[str, str, str | None]:
        """What the chart depends on (the order of the table does not change it)."""
        return self.period, self.metric, self.source


@dataclass(frozen=True, slots=True)
class Window:
    """One limit window: how full, when it resets, when it runs out at this rate."""

    label: str
    used_percent: float | None
    resets: datetime | None = None
    kind: str = ""
    exhausts: datetime | None = None
    limit_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class SourceRow:
    name: str
    kind: str  # 'agent' | 'account'
    provider: str
    status: str
    message: str
    today_usd: float
    month_usd: float
    tokens_today: int
    tokens_month: int
    requests_month: int
    limit: Window | None  # the fullest window
    burn_usd_h: float | None  # the active block's spend rate
    balance: str | None


@dataclass(frozen=True, slots=True)
class Block:
    """An active 5-hour block and, when the source has one, its 5-hour limit window."""

    agent: str
    start: datetime
    end: datetime
    tokens: int
    cost_usd: float
    requests: int
    tokens_per_min: float | None
    usd_per_h: float | None
    projected_tokens: float | None
    projected_usd: float | None
    window: Window | None


@dataclass(frozen=True, slots=True)
class Budget:
    name: str
    scope: str
    period: str
    percent: float | None
    state: str
    spent: str  # '$1,388.44 / $1,500.00' or tokens / requests when that is the limit
    projected_usd: float | None


@dataclass(frozen=True, slots=True)
class Alert:
    at: datetime
    severity: str
    title: str


@dataclass(frozen=True, slots=True)
class Chart:
    period: str
    metric: str
    bucket: str  # 'hour' | 'day'
    labels: list[str]  # each bucket's start as the axis shows it ('14:00', 'Nov 24')
    values: list[float]
    total: float
    change_percent: float | None = None  # of cost, on the period before


@dataclass(frozen=True, slots=True)
class Snapshot:
    status: str
    timezone: str
    today_usd: float
    week_usd: float
    month_usd: float
    rows: list[SourceRow]
    blocks: list[Block]
    budgets: list[Budget]
    alerts: list[Alert]
    chart: Chart
    limit_warning: float = 80.0
    limit_critical: float = 95.0
    paused_until: datetime | None = None
    generated: datetime | None = None  # when read, in the views' zone
    sources: list[str] = field(default_factory=list)  # every name the filter can pick

    @property
    def empty(self) -> bool:
        return not self.rows and not self.budgets


def load(app: App, view: View, now_ms: int) -> Snapshot:
    """Everything on screen, from the dashboard facade (cheap between collections: it
    keeps day sums and recomputes limits only when the store changed)."""
    d = app.dashboard
    overview = d.overview(now_ms)
    limits = d.limits(now_ms)
    alerts = d.alerts(ALERTS_SHOWN)
    rules = d.settings()["alerts"]["rules"]["limit"]
    snap = build(overview, limits, d.budgets(now_ms), alerts, load_chart(app, view, now_ms))
    return _with(snap, rules)


def load_chart(app: App, view: View, now_ms: int) -> Chart:
    sources = (view.source,) if view.source else ()
    h = app.dashboard.history(view.period, sources=sources, metric=view.metric, now_ms=now_ms)
    return chart(h)


def _with(snap: Snapshot, rules: dict[str, Any]) -> Snapshot:
    from dataclasses import replace

    return replace(
        snap,
        limit_warning=float(rules.get("warning", 80.0)),
        limit_critical=float(rules.get("critical", 95.0)),
    )


def chart(h: dict[str, Any]) -> Chart:
    n = len(h["buckets"])
    values = [0.0] * n
    for series in h["series"]:
        for i, v in enumerate(series["values"]):
            values[i] += float(v)
    totals = h["totals"]
    compare = h.get("compare") or {}
    return Chart(
        period=h["range"],
        metric=h["metric"],
        bucket=h["bucket"],
        labels=[_label(b, h["bucket"]) for b in h["buckets"]],
        values=values,
        total=float(totals["usd"] if h["metric"] == "cost" else totals[h["metric"]]),
        change_percent=compare.get("change_percent"),
    )


def _label(iso: str, bucket: str) -> str:
    when = datetime.fromisoformat(iso)  # keeps the zone's offset: local times
    return when.strftime("%H:%M" if bucket == "hour" else "%b %d")


def build(
    overview: dict[str, Any],
    limits: dict[str, Any],
    budgets: dict[str, Any],
    alerts: dict[str, Any],
    chart_: Chart,
) -> Snapshot:
    windows = _windows(limits["windows"])
    blocks = [_block(b, windows) for b in limits["blocks"] if b["is_active"] and not b["is_gap"]]
    burn = {b.agent: b.usd_per_h for b in blocks}
    rows = [_row(c, burn.get(c["name"]), windows) for c in overview["cards"]]
    totals = overview["totals"]
    blocks.sort(key=lambda b: (b.window is None, -b.cost_usd, b.agent))
    return Snapshot(
        status=overview["status"],
        timezone=overview["timezone"],
        today_usd=float(totals["today_usd"]),
        week_usd=float(totals["week_usd"]),
        month_usd=float(totals["month_usd"]),
        rows=rows,
        blocks=blocks,
        budgets=[_budget(b) for b in budgets["budgets"]],
        alerts=[
            Alert(at, str(a["severity"]), str(a["title"]))
            for a in alerts["alerts"]
            if (at := when(a["fired_at"])) is not None
        ],
        chart=chart_,
        paused_until=when(alerts.get("paused_until")),
        generated=when(overview.get("generated_at")),
        sources=sorted(r.name for r in rows),
    )


def _windows(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(str(w["source"]), str(w["window"])): w for w in rows}


def _window(w: dict[str, Any], detail: dict[str, Any] | None) -> Window:
    tokens = ((detail or {}).get("limit") or {}).get("tokens")
    return Window(
        label=str(w.get("window", "")),
        used_percent=w.get("used_percent"),
        resets=when(w.get("resets_at")),
        kind=str(w.get("kind", "")),
        exhausts=when((detail or {}).get("exhausts_at")),
        limit_tokens=int(tokens) if isinstance(tokens, int | float) else None,
    )


def _row(
    card: dict[str, Any],
    burn_usd_h: float | None,
    windows: dict[tuple[str, str], dict[str, Any]],
) -> SourceRow:
    shown = [w for w in card["limits"] if w.get("used_percent") is not None]
    fullest = max(shown, key=lambda w: float(w["used_percent"]), default=None)
    balance = card.get("balance")
    return SourceRow(
        name=str(card["name"]),
        kind=str(card["kind"]),
        provider=str(card["provider"]),
        status=str(card["status"]),
        message=str(card.get("message") or ""),
        today_usd=float(card["today_usd"]),
        month_usd=float(card["month_usd"]),
        tokens_today=int(card["tokens_today"]),
        tokens_month=int(card["tokens_month"]),
        requests_month=int(card["requests_month"]),
        limit=(
            None
            if fullest is None
            else _window(fullest, windows.get((str(card["name"]), str(fullest["window"]))))
        ),
        burn_usd_h=burn_usd_h,
        balance=(
            None if not balance else f"{float(balance['value']):,.2f} {balance['unit']}".strip()
        ),
    )


def _block(b: dict[str, Any], windows: dict[tuple[str, str], dict[str, Any]]) -> Block:
    rate = b.get("burn_rate") or {}
    projection = b.get("projection") or {}
    w = windows.get((str(b["agent"]), "5h"))
    return Block(
        agent=str(b["agent"]),
        start=datetime.fromisoformat(b["start"]),
        end=datetime.fromisoformat(b["end"]),
        tokens=int(b["total_tokens"]),
        cost_usd=float(b["cost_usd"]),
        requests=int(b["requests"]),
        tokens_per_min=rate.get("tokens_per_minute"),
        usd_per_h=rate.get("cost_per_hour"),
        projected_tokens=projection.get("total_tokens"),
        projected_usd=projection.get("cost_usd"),
        window=None if w is None else _window(w, w),
    )


def _budget(b: dict[str, Any]) -> Budget:
    if b.get("limit_usd") is not None:
        spent = f"{dollars(b['spent_usd'])} / {dollars(b['limit_usd'])}"
    elif b.get("limit_tokens") is not None:
        spent = f"{b['spent_tokens']:,} / {b['limit_tokens']:,} tokens"
    else:
        spent = f"{b.get('spent_requests', 0):,} / {b.get('limit_requests') or 0:,} requests"
    return Budget(
        name=str(b["name"]),
        scope=str(b["scope"]),
        period=str(b["period"]),
        percent=b.get("percent"),
        state=str(b["state"]),
        spent=spent,
        projected_usd=b.get("projected_usd") if b.get("limit_usd") is not None else None,
    )


def sorted_rows(rows: list[SourceRow], view: View) -> list[SourceRow]:
    """The table's rows: the chosen source only (if one is), in the chosen order."""
    shown = [r for r in rows if view.source is None or r.name == view.source]
    if view.sort == "name":
        return sorted(shown, key=lambda r: r.name)
    if view.sort == "today":
        return sorted(shown, key=lambda r: (-r.today_usd, r.name))
    if view.sort == "tokens":
        return sorted(shown, key=lambda r: (-r.tokens_today, r.name))
    if view.sort == "limit":
        return sorted(shown, key=lambda r: (-_used(r), r.name))
    return sorted(shown, key=lambda r: (-r.month_usd, r.name))


def _used(row: SourceRow) -> float:
    if row.limit is None or row.limit.used_percent is None:
        return -1.0
    return float(row.limit.used_percent)


def cycle(options: tuple[str, ...] | list[str], current: str | None, step: int = 1) -> str:
    """The next option after ``current`` (wrapping; the first when current is unknown)."""
    items = list(options)
    if current not in items:
        return items[0]
    return items[(items.index(current) + step) % len(items)]
