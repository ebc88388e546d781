"""Export the usage rows of any filtered view, and import manual entries from CSV.

Why manual entries are events: a service with no API (a chat subscription, an invoice)
is then counted by every report, budget and forecast like any other source. Each row is
stored as a UsageEvent of source ``manual:<source>`` whose dedup key is a hash of the
row, so importing the same file twice counts it once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiusage.analytics.timezones import local_midnight_ms
from aiusage.dashboard.daily import BUCKET_MS, day_of, grouped
from aiusage.errors import ConfigError
from aiusage.records import UsageEvent

if TYPE_CHECKING:
    from aiusage.app import App

EXPORT_COLUMNS = (
    "date",
    "source",
    "provider",
    "model",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "total_tokens",
    "requests",
    "cost_usd",
    "unpriced_requests",
)
IMPORT_COLUMNS = (
    "date",
    "source",
    "model",
    "cost_usd",
    "input_tokens",
    "output_tokens",
    "requests",
    "note",
)
REQUIRED = ("date", "source")
MAX_IMPORT_ROWS = 100_000
SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,62}$")
MANUAL = "manual:"


@dataclass(frozen=True, slots=True)
class ExportQuery:
    since: date | None = None
    until: date | None = None
    sources: tuple[str, ...] = ()
    project: str | None = None


def export_rows(app: App, q: ExportQuery) -> list[dict[str, Any]]:
    """Daily sums per source and model (local days, the configured cost mode), oldest
    first: what `aiusage daily --breakdown` counts, one row per day and model."""
    from aiusage.app import ReportOptions, normalize_agents

    opts = ReportOptions(since=q.since, until=q.until, agents=q.sources, project=q.project)
    zone = app.tz(None)
    flt = app._filter(opts, zone)
    app.store.refresh_rollup()
    span = app.store.db.query("SELECT MIN(bucket), MAX(bucket) FROM usage_rollup")
    app.store.db.commit()
    if not span or span[0][0] is None:
        return []
    # Within the stored span: a filter reaching to 1970 or 2199 walks no empty years.
    first, last = int(span[0][0]) * BUCKET_MS, (int(span[0][1]) + 1) * BUCKET_MS
    since = max(flt.since_ms, first) if flt.since_ms is not None else first
    until = min(flt.until_ms, last) if flt.until_ms is not None else last
    if since >= until:
        return []
    providers = _providers(app)
    rows = grouped(
        app.store.db,
        zone,
        app._mode(opts),
        since,
        until,
        sources=normalize_agents(q.sources),
        project=q.project,
    )
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return [
        {
            "date": day_of(day).isoformat(),
            "source": source,
            "provider": providers.get((source, model), ""),
            "model": model,
            "input_tokens": s.input,
            "output_tokens": s.output,
            "cache_read_tokens": s.cache_read,
            "cache_write_tokens": s.cache_write,
            "reasoning_tokens": s.reasoning,
            "total_tokens": s.tokens,
            "requests": s.requests,
            "cost_usd": round(s.cost, 6),
            "unpriced_requests": s.unpriced,
        }
        for day, source, model, s in rows
    ]


def _providers(app: App) -> dict[tuple[str, str], str]:
    from aiusage.dashboard.daily import daily_cells

    return dict(daily_cells(app).providers)


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula is quoted with a '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@dataclass(slots=True)
class ImportResult:
    rows: int = 0
    added: int = 0  # new entries (the rest were imported before)
    sources: tuple[str, ...] = ()


def import_csv(app: App, text: str) -> ImportResult:
    """Read ``date,source,model,cost_usd,input_tokens,output_tokens,requests,note`` rows
    (header required; only date and source must be present) into manual entries."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    hint = "the first line names the columns: " + ",".join(IMPORT_COLUMNS)
    if missing := [c for c in REQUIRED if c not in header]:
        raise ConfigError(f"CSV without the column(s) {', '.join(missing)}", hint=hint)
    if unknown := [c for c in header if c not in IMPORT_COLUMNS]:
        raise ConfigError(f"CSV with unknown column(s) {', '.join(unknown)}", hint=hint)
    reader.fieldnames = header
    zone = app.tz(None)
    events: dict[str, UsageEvent] = {}
    for n, raw in enumerate(reader, start=2):
        if n - 1 > MAX_IMPORT_ROWS:
            raise ConfigError(f"more than {MAX_IMPORT_ROWS:,} rows", hint="split the file")
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            raise ConfigError(f"line {n}: more cells than columns", hint=hint)
        if not any(row.values()):
            continue
        event = _event(row, n, zone)
        events[event.dedup_key] = event
    if not events:
        raise ConfigError("the CSV has no rows", hint=hint)
    before = _stored(app, list(events.values()))
    app.store.add_events(events.values())
    return ImportResult(
        rows=len(events),
        added=len(events) - before,
        sources=tuple(sorted({e.source for e in events.values()})),
    )


def _event(row: dict[str, str], n: int, zone: Any) -> UsageEvent:
    try:
        day = datetime.strptime(row["date"], "%Y-%m-%d").date()
    except ValueError:
        raise ConfigError(f"line {n}: date {row['date']!r} is not YYYY-MM-DD") from None
    source = row["source"]
    if not SOURCE.match(source):
        raise ConfigError(
            f"line {n}: source {source!r} is not a name", hint="letters, digits, '.', '_', '-'"
        )
    cost = _number(row["cost_usd"], "cost_usd", n) if row.get("cost_usd") else None
    tokens = [
        int(_number(row.get(c, ""), c, n, integer=True)) for c in ("input_tokens", "output_tokens")
    ]
    requests = int(_number(row.get("requests", ""), "requests", n, integer=True, default=1))
    model, note = row.get("model", ""), row.get("note", "")
    digest = hashlib.sha256(
        "\x1f".join(
            [day.isoformat(), source, model, repr(cost), *map(str, tokens), str(requests), note]
        ).encode()
    ).hexdigest()[:32]
    noon = local_midnight_ms(day, zone) + int(timedelta(hours=12).total_seconds() * 1000)
    return UsageEvent(
        ts_ms=noon,
        source=MANUAL + source.lower().replace(" ", "-"),
        dedup_key=f"csv:{digest}",
        model=model,
        provider="manual",
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        requests=requests,
        reported_cost_usd=cost,
        meta={"note": note} if note else {},
    )


def _number(text: str, column: str, n: int, integer: bool = False, default: float = 0) -> float:
    if not text:
        return default
    try:
        value = float(text.replace(",", "")) if not integer else int(text.replace(",", ""))
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"line {n}: {column} {text!r} is not {kind}") from None
    if value < 0 or value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(f"line {n}: {column} must be a finite number >= 0")
    return value


def _stored(app: App, events: list[UsageEvent]) -> int:
    """How many of these entries are stored already."""
    found = 0
    by_source: dict[str, list[str]] = {}
    for e in events:
        by_source.setdefault(e.source, []).append(e.dedup_key)
    for source, keys in by_source.items():
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            params: dict[str, Any] = {f"k{j}": k for j, k in enumerate(chunk)}
            params["s"] = source
            marks = ", ".join(f":k{j}" for j in range(len(chunk)))
            found += int(
                app.store.db.scalar(
                    "SELECT COUNT(*) FROM usage_events "
                    f"WHERE source = :s AND dedup_key IN ({marks})",
                    params,
                )
                or 0
            )
    app.store.db.commit()
    return found
