"""What changed in the store since the last look: cheap markers, and the events they imply.

Why markers and not notifications: the collector may be another process (``aiusage
daemon``, ``aiusage demo``) or another machine writing to the same PostgreSQL, so the web
server polls a few index-only reads (the newest row id of each table, the accounts'
health) every second or two and turns each difference into a server-sent event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiusage.app import App


@dataclass(frozen=True, slots=True)
class Markers:
    events: int = 0  # newest usage_events id
    observations: int = 0  # newest observations id
    alerts: int = 0  # newest alert_log id
    health: tuple[tuple[str, str, int], ...] = ()  # (account, status, last attempt)
    config_ns: int = 0  # the config file's mtime


def markers(app: App) -> Markers:
    db = app.store.db
    row = db.query(
        "SELECT (SELECT MAX(id) FROM usage_events), (SELECT MAX(id) FROM observations), "
        "(SELECT MAX(id) FROM alert_log)"
    )[0]
    health = db.query(
        "SELECT account, status, COALESCE(last_attempt_ms, 0) FROM account_health ORDER BY account"
    )
    db.commit()
    path = app.config.path
    try:
        config_ns = path.stat().st_mtime_ns if path is not None else 0
    except OSError:
        config_ns = 0
    return Markers(
        events=int(row[0] or 0),
        observations=int(row[1] or 0),
        alerts=int(row[2] or 0),
        health=tuple((str(a), str(s), int(t)) for a, s, t in health),
        config_ns=config_ns,
    )


def changes(app: App, before: Markers | None) -> tuple[Markers, list[tuple[str, dict[str, Any]]]]:
    """The markers now, and one (event, data) per kind of change since ``before``
    (nothing on the first look: a page fetches everything when it opens)."""
    now = markers(app)
    if before is None:
        return now, []
    db = app.store.db
    out: list[tuple[str, dict[str, Any]]] = []
    if now.events > before.events:
        rows = db.query(
            "SELECT DISTINCT source FROM usage_events WHERE id > :a AND id <= :b",
            {"a": before.events, "b": now.events},
        )
        out.append(("usage", {"sources": sorted(str(r[0]) for r in rows)}))
    if now.observations > before.observations:
        rows = db.query(
            "SELECT DISTINCT account FROM observations WHERE id > :a AND id <= :b",
            {"a": before.observations, "b": now.observations},
        )
        out.append(("observation", {"accounts": sorted(str(r[0]) for r in rows)}))
    if now.alerts > before.alerts:
        rows = db.query(
            "SELECT title, severity FROM alert_log WHERE id > :a AND id <= :b ORDER BY id",
            {"a": before.alerts, "b": now.alerts},
        )
        out += [("alert", {"title": str(t), "severity": str(s)}) for t, s in rows]
    if now.health != before.health or now.config_ns != before.config_ns:
        was = {a: s for a, s, _ in before.health}
        changed = [{"account": a, "status": s, "was": was.get(a)} for a, s, _ in now.health]
        out.append(("health", {"accounts": changed, "config": now.config_ns != before.config_ns}))
    db.commit()
    return now, out
