"""Each provider account's health and collection cursor, one row per account."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from aiusage.store.db import Database

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
UPSERT = (
    f"INSERT INTO account_health ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in COLUMNS)}) "
    "ON CONFLICT (account) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "account")
)


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
