"""A team server prices its members' usage with its own price table.

Why: the team's spend, budgets and chargeback must be one table's figures — the one the
admins keep (``[prices]`` overrides for a negotiated rate) — not whatever each member's
aiusage version or overrides said when it pushed. A provider's billed cost
(``cost_reported_usd``) is kept as reported; a model the server cannot price keeps the
member's calculated figure rather than becoming unpriced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiusage.store.statements import PRICED_TOKEN_COLUMNS

if TYPE_CHECKING:
    from aiusage.ingest import Pricer
    from aiusage.store import Store

REPRICE_LOCK = 7417  # pg_advisory_lock key: one thread reprices a team server's events


def price_pushed(pricer: Pricer, events: list[dict[str, Any]]) -> None:
    """Set each pushed event's calculated cost to the server's price for it."""
    for e in events:
        cost = pricer.cost(
            str(e["model"]), int(e["ts_ms"]), [int(e[c]) for c in PRICED_TOKEN_COLUMNS]
        )
        if cost is not None:
            e["cost_calc_usd"] = cost


def reprice_stored(store: Store, pricer: Pricer) -> None:
    """Reprice every stored event after a price change (once: on PostgreSQL the other
    threads and servers wait on a lock, then find the fingerprint already stored)."""
    db = store.db
    if not db.is_postgres:
        pricer.reprice_if_needed()
        return
    db.execute("SELECT pg_advisory_lock(:k)", {"k": REPRICE_LOCK})
    db.commit()
    try:
        pricer.reprice_if_needed()
    finally:
        db.execute("SELECT pg_advisory_unlock(:k)", {"k": REPRICE_LOCK})
        db.commit()
