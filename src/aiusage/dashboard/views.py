"""The API's read views and actions over accounts, budgets, alerts, limits and insights.

Each returns plain JSON-ready data shaped as the matching CLI ``--json`` (shapes.py), so
a script moving from the CLI to the API reads the same fields. Nothing here carries a
key: accounts show where their key comes from, never the key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from aiusage.dashboard.changes import markers
from aiusage.dashboard.daily import daily_cells, day_number, day_of, memo
from aiusage.dashboard.shapes import alert_json, budget_json, budget_status_json, iso_in
from aiusage.dashboard.shapes import observation_json as obs_json
from aiusage.dashboard.standing import cached_budgets, cached_limits
from aiusage.errors import AiusageError, ConfigError
from aiusage.records import Account

if TYPE_CHECKING:
    from aiusage.app import App

RECENT_BLOCKS_MS = 3 * 86_400_000  # the blocks the limits page shows (`blocks --recent`)
MAX_FORECAST_DAYS = 400
MAX_FORECAST_AWAY_DAYS = 5 * 365


def _now() -> int:
    return int(time.time() * 1000)


def limits(app: App, now_ms: int | None = None) -> dict[str, Any]:
    """Every window (as `aiusage limits --json`) and the recent 5-hour blocks."""
    from aiusage.app import block_json

    now = _now() if now_ms is None else now_ms
    marks = markers(app)
    iso = iso_in(app.tz(None))
    rows = cached_limits(app, marks, now)
    blocks = memo(
        app,
        "blocks",
        (marks.events, now // 30_000),
        lambda: app.recent_blocks((), now),
    )
    recent = [b for b in blocks if b.is_active or b.start_ms >= now - RECENT_BLOCKS_MS]
    return {
        "windows": [r.to_json(iso) for r in rows],
        "blocks": [block_json(b, now, iso) for b in recent],
        "timezone": app.tz_name(None),
    }


def budgets(app: App, now_ms: int | None = None) -> dict[str, Any]:
    now = _now() if now_ms is None else now_ms
    return {"budgets": [budget_status_json(s) for s in cached_budgets(app, markers(app), now)]}


def set_budget(app: App, name: str, values: dict[str, Any]) -> dict[str, Any]:
    return budget_json(app.budgets.set(name, {k: v for k, v in values.items() if v is not None}))


def alerts(app: App, limit: int = 50) -> dict[str, Any]:
    iso = iso_in(app.tz(None))
    paused = app.alerts.paused_until()
    return {
        "alerts": [alert_json(e, iso) for e in app.alerts.log(limit)],
        "paused_until": iso(paused) if paused and paused > _now() else None,
    }


def check_alerts(app: App) -> dict[str, Any]:
    """As `aiusage alerts check --json`."""
    fired = app.alerts.check()
    active = [c for c in app.alerts.conditions() if c.active]
    return {
        "fired": [
            {"key": f.condition.key, "severity": f.severity, "title": f.title} for f in fired
        ],
        "active": [
            {"key": c.key, "rule": c.rule, "severity": c.severity, "title": c.title} for c in active
        ],
    }


def pause_alerts(app: App, duration: str) -> dict[str, Any]:
    from aiusage.app import parse_interval

    until = app.alerts.pause(parse_interval(duration, "duration"))
    return {"paused_until": iso_in(app.tz(None))(until)}


def forecast(
    app: App,
    period: str,
    since: date | None,
    until: date | None,
    sources: tuple[str, ...],
    project: str | None,
) -> dict[str, Any]:
    today = datetime.now(app.tz(None)).date()
    if (since is None) != (until is None):  # one end given: a custom period all the same
        since = since or (until or today).replace(day=1)
        until = until or max(today, since)
    if since is not None and until is not None:
        far = max(abs((since - today).days), abs((until - today).days))
        if (until - since).days > MAX_FORECAST_DAYS or far > MAX_FORECAST_AWAY_DAYS:
            raise ConfigError(
                f"a custom forecast period is at most {MAX_FORECAST_DAYS} days, within "
                f"{MAX_FORECAST_AWAY_DAYS // 365} years of today",
                hint="e.g. since=2026-01-01&until=2026-12-31",
            )
    marks = markers(app)
    key = (marks.events, marks.config_ns, _now() // 60_000, period, since, until, sources, project)

    def compute() -> dict[str, Any]:
        now = _now()
        daily = None if project else _spend_from_day_sums(app, sources, now)
        windows = cached_limits(app, marks, now)
        report = app.insights.forecast(
            sources,
            project,
            period.lower(),
            since,
            until,
            now_ms=now,
            daily=daily,
            windows=windows,
        )
        return report.to_json(iso_in(app.tz(None)))

    return memo(app, "forecast", key, compute)


def _spend_from_day_sums(
    app: App, sources: tuple[str, ...], now_ms: int
) -> Callable[[date, date], dict[str, dict[date, float]]]:
    """Daily spend per source from the day sums the overview keeps in memory (the same
    numbers as a rollup query in the configured zone and cost mode, without the query)."""
    from aiusage.app import normalize_agents

    wanted = set(normalize_agents(sources))

    def spend(first: date, last: date) -> dict[str, dict[date, float]]:
        cells = daily_cells(app, now_ms)
        out: dict[str, dict[date, float]] = {}
        for n, per in cells.sources_between(day_number(first), day_number(last)).items():
            for source, sums in per.items():
                if not wanted or source in wanted:
                    out.setdefault(source, {})[day_of(n)] = sums.cost
        return out

    return spend


def anomalies(
    app: App, days: int, hourly: bool, sensitivity: float | None, sources: tuple[str, ...]
) -> dict[str, Any]:
    marks = markers(app)
    key = (marks.events, marks.config_ns, _now() // 60_000, days, hourly, sensitivity, sources)
    return memo(
        app,
        "anomalies",
        key,
        lambda: app.insights.anomalies(sources, days, hourly, sensitivity).to_json(),
    )


def providers(app: App) -> dict[str, Any]:
    """As `aiusage accounts providers --json`, plus what the add form needs."""
    return {
        "providers": [
            {
                "name": i.name,
                "label": i.label,
                "base_url": i.default_base_url,
                "reports": sorted(i.reports),
                "unavailable": dict(i.unavailable),
                "needs": list(i.needs),
                "options": dict(i.options),
                "key_required": i.key_required,
                "key_hint": i.key_hint,
                "default_interval_s": i.default_interval_s,
                "min_interval_s": i.min_interval_s,
            }
            for i in app.accounts.providers().values()
        ]
    }


def accounts(app: App) -> dict[str, Any]:
    """`aiusage status --json` rows with what `accounts list` adds (never the key)."""
    iso = iso_in(app.tz(None))
    infos = app.accounts.providers()
    configured = {a.name: a for a in app.accounts.all()}
    rows = []
    for r in app.accounts.status():
        a = configured[r.name]
        info = infos.get(a.provider)
        rows.append(
            {
                "name": r.name,
                "provider": r.provider,
                "enabled": r.enabled,
                "status": r.status,
                "message": r.message,
                "hint": r.hint,
                "last_success": iso(r.last_success_ms),
                "last_attempt": iso(r.last_attempt_ms),
                "observations": [obs_json(ob, iso) for ob in r.observations],
                "interval": a.interval_s or (info.default_interval_s if info else None),
                "base_url": a.base_url or (info.default_base_url if info else None),
                "key": f"env:{a.key_env}" if a.key_env else "keyring",
                "options": dict(a.options),
            }
        )
    return {"accounts": rows}


@dataclass(frozen=True, slots=True)
class NewAccount:
    provider: str
    name: str
    base_url: str | None = None
    key: str | None = None  # write-only: to the keyring, never echoed
    key_env: str | None = None
    interval: str | None = None
    options: dict[str, str] | None = None


def add_account(app: App, new: NewAccount) -> dict[str, Any]:
    from aiusage.app import parse_interval

    if new.key and new.key_env:
        raise ConfigError("give key or key_env, not both", hint="key goes to the OS keyring")
    account = Account(
        name=new.name,
        provider=new.provider,
        base_url=new.base_url or None,
        key_env=new.key_env or None,
        interval_s=parse_interval(new.interval, "interval") if new.interval else None,
        options=dict(new.options or {}),
    )
    warnings = app.accounts.add(account, new.key or None)
    return {"name": account.name, "provider": account.provider, "warnings": warnings}


def replace_account(app: App, new: NewAccount) -> dict[str, Any]:
    """Change an account in place (the edit form). A new ``key`` replaces the one in the
    keyring; ``key_env`` switches to that variable (the keyring entry is removed); with
    neither, the key stays where it was. Options left out (None) stay; its history and
    enabled state stay."""
    from aiusage.accounts import save_account
    from aiusage.accounts_app import _url_warnings
    from aiusage.app import parse_interval
    from aiusage.paths import config_file
    from aiusage.plugins import provider
    from aiusage.secrets import delete_key, store_key

    old = app.accounts.get(new.name)
    if new.key and new.key_env:
        raise ConfigError("give key or key_env, not both", hint="key goes to the OS keyring")
    if provider(new.provider) is None:
        raise ConfigError(
            f"no provider named {new.provider!r}", hint="GET /api/v1/providers lists them"
        )
    account = Account(
        name=new.name,
        provider=new.provider,
        base_url=new.base_url or None,
        key_env=new.key_env or (None if new.key else old.key_env),
        interval_s=parse_interval(new.interval, "interval") if new.interval else None,
        enabled=old.enabled,
        options=dict(old.options if new.options is None else new.options),
    )
    warnings = _url_warnings(account.base_url)
    if new.key:
        store_key(account.name, new.key)
    save_account(app.config.path or config_file(), account, replace_existing=True)
    if new.key_env and not old.key_env:
        delete_key(account.name)
    app.config.accounts[account.name] = account
    return {"name": account.name, "provider": account.provider, "warnings": warnings}


def test_account(app: App, name: str) -> dict[str, Any]:
    app.accounts.get(name)  # an unknown name is a 404, not a failed test
    try:
        return {"ok": True, "message": app.accounts.test(name), "hint": ""}
    except AiusageError as exc:
        message = str(exc.args[0]) if exc.args else type(exc).__name__
        return {"ok": False, "message": message, "hint": exc.hint or ""}


def collect(app: App, names: list[str] | None = None) -> dict[str, Any]:
    """As `aiusage collect --json`."""
    return {
        "results": [
            {
                "account": r.account,
                "provider": r.provider,
                "status": r.status,
                "message": r.message,
                "hint": r.hint,
                "events": r.events,
                "observations": r.observations,
                "seconds": round(r.seconds, 3),
            }
            for r in app.accounts.collect(names or None)
        ]
    }
