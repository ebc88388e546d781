"""Each provider account's health and collection cursor, one row per account."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from aiusage.records import Observation
from aiusage.store.db import Database
from aiusage.store.statements import upsert

COLUMNS = (
    "account",
    "provider",
    "status",
    "message",
    "hint",
    "last_attempt_ms",
    "last_success_ms",
    "complete_until_ms",
    "retry_at_ms",
    "failures",
)
UPSERT = upsert("account_health", COLUMNS, "account")


@dataclass(slots=True)
class Health:
    account: str
    provider: str
    status: str = "never_collected"
    message: str = ""
    hint: str = ""
    last_attempt_ms: int | None = None
    last_success_ms: int | None = None
    complete_until_ms: int | None = None  # the next collection starts here
    retry_at_ms: int | None = None  # a 429 said: not before this
    failures: int = 0  # consecutive failed collections


def load_health(db: Database) -> dict[str, Health]:
    rows = db.query(f"SELECT {', '.join(COLUMNS)} FROM account_health")
    db.commit()
    return {r[0]: Health(*r) for r in rows}


def save_health(db: Database, health: Health) -> None:
    with db.transaction():
        db.execute(UPSERT, asdict(health))


def forget_health(db: Database, account: str) -> None:
    with db.transaction():
        db.execute("DELETE FROM account_health WHERE account = :a", {"a": account})


LATEST_OBSERVATIONS = (
    "SELECT metric, window_name, value, limit_value, unit, resets_at_ms, ts_ms "
    "FROM observations WHERE user_name = '' AND account = :a ORDER BY ts_ms DESC LIMIT 500"
)


def latest_observations(db: Database, account: str) -> list[dict[str, Any]]:
    """The newest reading of each (metric, window) of an account, for `aiusage status`."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for metric, window, value, limit, unit, resets, ts in db.query(
        LATEST_OBSERVATIONS, {"a": account}
    ):
        seen.setdefault(
            (metric, window),
            {
                "metric": metric,
                "window": window,
                "value": value,
                "limit": limit,
                "unit": unit,
                "resets_at_ms": resets,
                "observed_ms": ts,
            },
        )
    db.commit()
    return sorted(seen.values(), key=lambda o: (o["metric"], o["window"]))


LATEST_READINGS = (
    "SELECT o.ts_ms, o.metric, o.window_name, o.value, o.unit, o.source, o.meta "
    "FROM observations AS o JOIN (SELECT metric, window_name, MAX(ts_ms) AS ts "
    "FROM observations WHERE user_name = '' AND account = :a AND metric IN ({metrics}) "
    "GROUP BY metric, window_name) AS n ON n.metric = o.metric "
    "AND n.window_name = o.window_name AND n.ts = o.ts_ms "
    "WHERE o.user_name = '' AND o.account = :a"
)
# user_name = '': this machine's readings. A team server also stores its members' (pushed,
# under their names); its own collector and alerts must not take those for its own.


def latest_readings(db: Database, account: str, metrics: tuple[str, ...]) -> list[Observation]:
    """The newest stored reading of each (metric, window) of an account, with its meta.

    Why: a local server's counters are cumulative; the collector turns the difference
    between this reading and the new one into usage."""
    names = {f"m{i}": m for i, m in enumerate(metrics)}
    sql = LATEST_READINGS.format(metrics=", ".join(":" + k for k in names))
    rows = db.query(sql, {"a": account, **names})
    db.commit()
    return [
        Observation(
            ts_ms=ts,
            account=account,
            metric=metric,
            value=value,
            window=window,
            unit=unit,
            source=source,
            meta=json.loads(meta) if meta and meta != "{}" else {},
        )
        for ts, metric, window, value, unit, source, meta in rows
    ]
