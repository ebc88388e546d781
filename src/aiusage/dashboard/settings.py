"""Settings as the dashboard shows them, and the safe subset it may change.

Why a subset: the web page may change how aiusage reports and alerts (time zone, week
start, alert cooldown, Do-Not-Disturb, thresholds, rule toggles, muted sources) but not
where data lives (the database URL) or where secrets come from: those stay in the config
file, edited by hand. Every change is parsed with the config file's own parsers before
the file is rewritten, so the page can never write a file aiusage would refuse to read.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from aiusage.accounts import format_interval, read_toml, write_toml
from aiusage.alerts.settings import RULES, AlertSettings, parse_alerts
from aiusage.analytics.timezones import parse_start_of_week, resolve_tz
from aiusage.errors import ConfigError
from aiusage.store import retention

if TYPE_CHECKING:
    from aiusage.app import App

ALERT_KEYS = ("enabled", "cooldown", "dnd", "dnd_critical", "muted_sources")


def alerts_json(s: AlertSettings) -> dict[str, Any]:
    return {
        "enabled": s.enabled,
        "cooldown_s": s.cooldown_s,
        "dnd": None if s.dnd is None else f"{s.dnd[0]:%H:%M}-{s.dnd[1]:%H:%M}",
        "dnd_critical": s.dnd_allows_critical,
        "muted_sources": sorted(s.muted_sources),
        "rules": {
            rule: {"enabled": rule not in s.disabled_rules, **{k: s.value(rule, k) for k in d}}
            for rule, d in RULES.items()
        },
    }


def view(app: App) -> dict[str, Any]:
    from aiusage.app import ReportOptions

    notifiers = [
        {
            "name": c.name,
            "kind": c.kind,
            "enabled": c.enabled,
            "target": c.target,
            "min_severity": c.min_severity,
            "secret": c.secret,
        }
        for c in app.notify.all()
    ]
    return {
        "timezone": app.tz_name(None),
        "timezone_setting": app.config.timezone,
        "start_of_week": app.config.start_of_week,
        "cost_mode": app._mode(ReportOptions()).value,
        "alerts": alerts_json(app.alerts.settings),
        "notifiers": notifiers,
        "database": {"url": app.store.shown_url, "size_bytes": retention.database_size(app.store)},
        "retention": retention_json(app),
        "config_file": str(app.config.path) if app.config.path else None,
        "env_overrides": sorted(
            name
            for name in ("AIUSAGE_TZ", "AIUSAGE_START_OF_WEEK", "AIUSAGE_COST_MODE")
            if os.environ.get(name)
        ),
    }


def retention_json(app: App) -> dict[str, Any]:
    from aiusage.dashboard.shapes import iso_in

    iso = iso_in(app.tz(None))
    state = app.retention.state()
    return {
        "setting": retention_setting(app),
        "days": state["days"],
        "oldest_event": iso(state["oldest_event_ms"]),
        "pruned_before": iso(state["pruned_before_ms"]),
        "last_prune": iso(state["last_prune_ms"]),
    }


def retention_setting(app: App) -> str | None:
    """The retention as written (``400d``), from the environment or the file."""
    if os.environ.get("AIUSAGE_RETENTION"):
        return os.environ["AIUSAGE_RETENTION"]
    if app.config.retention_days is None or app.config.path is None:
        return None
    value = read_toml(app.config.path).get("retention")
    return None if value is None else str(value)


def update(app: App, changes: dict[str, Any]) -> list[str]:
    """Apply ``timezone``, ``start_of_week``, ``alerts`` and ``retention`` changes to the
    config file; returns warnings (an environment variable that overrides the file)."""
    from aiusage.config import load_config, parse_retention
    from aiusage.paths import config_file

    path = app.config.path or config_file()
    doc = read_toml(path)
    warnings = []
    if "timezone" in changes:
        tz = changes["timezone"]
        if tz:
            resolve_tz(tz)  # refuses an unknown zone with a hint
            doc["timezone"] = tz
        else:
            doc.pop("timezone", None)  # the system's zone
        if os.environ.get("AIUSAGE_TZ"):
            warnings.append("AIUSAGE_TZ is set and overrides the file's timezone")
    if changes.get("start_of_week") is not None:
        parse_start_of_week(changes["start_of_week"])
        doc["start_of_week"] = str(changes["start_of_week"]).lower()
        if os.environ.get("AIUSAGE_START_OF_WEEK"):
            warnings.append("AIUSAGE_START_OF_WEEK is set and overrides the file")
    if changes.get("alerts") is not None:
        doc["alerts"] = _alerts_table(doc.get("alerts", {}), changes["alerts"])
        parse_alerts(doc["alerts"], "settings")
    if "retention" in changes:
        value = str(changes["retention"] or "").strip().lower()
        if parse_retention(value) is None:
            doc.pop("retention", None)
        else:
            doc["retention"] = value
        if os.environ.get("AIUSAGE_RETENTION"):
            warnings.append("AIUSAGE_RETENTION is set and overrides the file's retention")
    write_toml(path, doc)
    app.config = load_config(path)
    return warnings


def _alerts_table(table: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The ``[alerts]`` table with ``changes`` merged in (None removes a key)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in table.items()}
    for key, value in changes.items():
        if key == "rules":
            for rule, values in (value or {}).items():
                if rule not in RULES:
                    raise ConfigError(f"unknown alert rule {rule!r}", hint=", ".join(RULES))
                sub = out.setdefault(rule, {})
                for name, v in (values or {}).items():
                    if v is None:
                        sub.pop(name, None)
                    else:
                        sub[name] = v
            continue
        if key == "cooldown_s":
            key, value = "cooldown", None if value is None else format_interval(int(value))
        if key not in ALERT_KEYS:
            raise ConfigError(f"unknown alert setting {key!r}", hint=", ".join(ALERT_KEYS))
        if value is None or value == "":
            out.pop(key, None)
        else:
            out[key] = value
    return {k: v for k, v in out.items() if v != {}}
