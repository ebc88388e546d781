"""The alert engine: which conditions become notifications now, and the record of it.

Rules of firing, per alert key:
- an active condition fires once per episode; it fires again only after it turned
  inactive (re-armed) or when its severity rises (warning -> critical);
- not within the cooldown of the last time that key fired (an escalation is exempt);
- not during Do-Not-Disturb or a pause, unless it is critical and the user lets critical
  alerts through — a suppressed alert stays pending and fires when the window ends, if its
  condition still holds;
- a condition that turns inactive re-arms the key; if it had been sent and the rule says
  so (a failing account that recovers), an info notice says it is resolved.

Why the state is in the store: the decision and the log entry commit in one transaction
before anything is delivered, so a restarted collector never sends an alert again that
was already sent in its cooldown (at worst a crash between commit and delivery loses one
notification; the log still shows it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import time

from aiusage.alerts.rules import CRITICAL, INFO, RANK, Condition
from aiusage.alerts.settings import AlertSettings
from aiusage.store.db import Database
from aiusage.store.statements import upsert

STATE_COLUMNS = (
    "alert_key",
    "active",
    "severity",
    "since_ms",
    "last_sent_ms",
    "sent_severity",
    "value",
)
UPSERT_STATE = upsert("alert_state", STATE_COLUMNS, "alert_key")
LOG_COLUMNS = ("ts_ms", "alert_key", "rule", "severity", "title", "body", "value", "threshold")


@dataclass(frozen=True, slots=True)
class State:
    alert_key: str
    active: bool = False
    severity: str = ""
    since_ms: int | None = None
    last_sent_ms: int | None = None
    sent_severity: str = ""  # what this episode was notified at ('' = not yet)
    value: float | None = None


@dataclass(frozen=True, slots=True)
class Fired:
    """One notification decided now (``id`` is its alert_log row once recorded)."""

    condition: Condition
    severity: str
    title: str
    body: str
    ts_ms: int
    id: int = 0


def decide(
    conditions: Sequence[Condition],
    states: dict[str, State],
    settings: AlertSettings,
    *,
    now_ms: int,
    local_time: time,
    paused_until_ms: int | None = None,
) -> tuple[list[Fired], list[State]]:
    """The notifications to send now and the states to keep (pure: tests drive time)."""
    fired: list[Fired] = []
    changed: list[State] = []
    if not settings.enabled:
        return fired, changed
    quiet = settings.in_dnd(local_time) or (paused_until_ms or 0) > now_ms
    paused = (paused_until_ms or 0) > now_ms
    for c in conditions:
        if not settings.rule_on(c.rule) or (c.source and c.source in settings.muted_sources):
            continue
        old = states.get(c.key)
        if not c.active:
            if old is not None and old.active:
                changed.append(State(c.key, last_sent_ms=old.last_sent_ms, value=c.value))
                if old.sent_severity and c.resolved_title and not quiet:
                    fired.append(Fired(c, INFO, c.resolved_title, "", now_ms))
            continue
        ongoing = old is not None and old.active
        state = State(
            c.key,
            active=True,
            severity=c.severity,
            since_ms=old.since_ms if ongoing and old else now_ms,
            last_sent_ms=old.last_sent_ms if old else None,
            sent_severity=old.sent_severity if ongoing and old else "",
            value=c.value,
        )
        if RANK[c.severity] > RANK[state.sent_severity]:
            escalation = state.sent_severity != ""
            cooled = (
                escalation
                or state.last_sent_ms is None
                or now_ms - state.last_sent_ms >= settings.cooldown_s * 1000
            )
            pierces = c.severity == CRITICAL and settings.dnd_allows_critical and not paused
            if cooled and (not quiet or pierces):
                fired.append(Fired(c, c.severity, c.title, c.body, now_ms))
                state = replace(state, last_sent_ms=now_ms, sent_severity=c.severity)
        if state != old:
            changed.append(state)
    return fired, changed


def load_states(db: Database) -> dict[str, State]:
    rows = db.query(f"SELECT {', '.join(STATE_COLUMNS)} FROM alert_state")
    db.commit()
    return {r[0]: State(r[0], bool(r[1]), str(r[2]), r[3], r[4], str(r[5]), r[6]) for r in rows}


def record(db: Database, fired: Sequence[Fired], states: Sequence[State]) -> list[Fired]:
    """Keep the new states and log what fires, in one transaction; the log ids returned."""
    out = []
    with db.transaction():
        for state in states:
            row = {c: getattr(state, c) for c in STATE_COLUMNS}
            row["active"] = int(state.active)
            db.execute(UPSERT_STATE, row)
        for f in fired:
            c = f.condition
            db.execute(
                f"INSERT INTO alert_log ({', '.join(LOG_COLUMNS)}, status) "
                f"VALUES ({', '.join(':' + k for k in LOG_COLUMNS)}, 'sent')",
                {
                    "ts_ms": f.ts_ms,
                    "alert_key": c.key,
                    "rule": c.rule,
                    "severity": f.severity,
                    "title": f.title,
                    "body": f.body,
                    "value": c.value,
                    "threshold": c.threshold,
                },
            )
            new_id = db.scalar(
                "SELECT MAX(id) FROM alert_log WHERE alert_key = :k AND ts_ms = :t",
                {"k": c.key, "t": f.ts_ms},
            )
            out.append(replace(f, id=int(new_id or 0)))
    return out


def record_delivery(db: Database, fired: Fired, results: dict[str, str]) -> None:
    """What each channel answered ('ok' or the error), and the overall status."""
    if not results:
        status = "logged"  # no channel configured: the log is the notification
    elif all(v == "ok" for v in results.values()):
        status = "delivered"
    elif any(v == "ok" for v in results.values()):
        status = "partial"
    else:
        status = "failed"
    with db.transaction():
        db.execute(
            "UPDATE alert_log SET status = :s, delivery = :d WHERE id = :i",
            {"s": status, "d": json.dumps(results), "i": fired.id},
        )


def alert_log(
    db: Database, limit: int = 50, since_ms: int | None = None
) -> list[dict[str, object]]:
    """The newest alerts first."""
    rows = db.query(
        "SELECT id, ts_ms, alert_key, rule, severity, title, body, value, threshold, status, "
        "delivery FROM alert_log WHERE ts_ms >= :since ORDER BY ts_ms DESC, id DESC LIMIT :n",
        {"since": since_ms or 0, "n": limit},
    )
    db.commit()
    keys = ("id", "ts_ms", "key", "rule", "severity", "title", "body", "value", "threshold")
    return [
        {**dict(zip(keys, r[:9], strict=True)), "status": r[9], "delivery": json.loads(r[10])}
        for r in rows
    ]
