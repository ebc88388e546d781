"""The SQL the store writes with, built once from the column lists (SQLite and PostgreSQL)."""

from __future__ import annotations

TOKEN_COLUMNS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
)
#: The counts a price applies to, in the order ``ModelRates.cost`` takes them (reasoning
#: tokens are part of output, not priced on their own).
PRICED_TOKEN_COLUMNS = TOKEN_COLUMNS[:5]
EVENT_COLUMNS = (
    "source",
    "dedup_key",
    "ts_ms",
    "account",
    "provider",
    "model",
    "project",
    "session",
    *TOKEN_COLUMNS,
    "total_tokens",
    "requests",
    "cost_reported_usd",
    "cost_calc_usd",
    "group_key",
    "sidechain",
    "meta",
)
_UPDATED = [c for c in EVENT_COLUMNS if c not in ("source", "dedup_key")]

# Keep the most complete copy (a streamed response's last line carries the final counts);
# among equally complete copies keep the earliest (a fork replays its parent later).
UPSERT_EVENT = (
    f"INSERT INTO usage_events ({', '.join(EVENT_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in EVENT_COLUMNS)}) "
    "ON CONFLICT (source, dedup_key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _UPDATED)
    + " WHERE excluded.total_tokens > usage_events.total_tokens"
    " OR (excluded.total_tokens = usage_events.total_tokens"
    " AND excluded.ts_ms < usage_events.ts_ms)"
    # a provider's cost row for a day that is still filling in: the larger bill is newer
    " OR (excluded.total_tokens = usage_events.total_tokens"
    " AND COALESCE(excluded.cost_reported_usd, 0) > COALESCE(usage_events.cost_reported_usd, 0))"
    # usage priced by us until its day's bill settled: now the bill covers it
    " OR (excluded.total_tokens = usage_events.total_tokens"
    " AND usage_events.cost_reported_usd IS NULL AND excluded.cost_reported_usd IS NOT NULL)"
)

OBSERVATION_COLUMNS = (
    "ts_ms",
    "account",
    "metric",
    "window_name",
    "value",
    "limit_value",
    "unit",
    "resets_at_ms",
    "source",
    "kind",
    "meta",
)
INSERT_OBSERVATION = (
    f"INSERT INTO observations ({', '.join(OBSERVATION_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in OBSERVATION_COLUMNS)}) "
    "ON CONFLICT (user_name, account, metric, window_name, ts_ms) DO NOTHING"
)

CURSOR_COLUMNS = (
    "path",
    "source",
    "device",
    "inode",
    "size",
    "mtime_ns",
    "read_offset",
    "head_hash",
    "state",
    "malformed",
    "updated_ms",
)


def upsert(table: str, columns: tuple[str, ...], key: str) -> str:
    """INSERT of every column (named parameters), replacing the other columns of the row
    with the same ``key``: the portable form SQLite and PostgreSQL share."""
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(':' + c for c in columns)}) "
        f"ON CONFLICT ({key}) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    )


UPSERT_CURSOR = upsert("ingest_cursors", CURSOR_COLUMNS, "path")

# A sidechain copy of a message that also exists outside the sidechain is a replay.
# RETURNING gives the times of the rows it hid: only there must the rollup be rebuilt.
_HIDE_REPLAYS = (
    "UPDATE usage_events SET hidden = 1 "
    "WHERE sidechain = 1 AND hidden = 0 AND group_key <> ''{only} AND EXISTS ("
    "SELECT 1 FROM usage_events AS p WHERE p.source = usage_events.source "
    "AND p.group_key = usage_events.group_key AND p.sidechain = 0) RETURNING ts_ms"
)
HIDE_SIDECHAIN_REPLAYS = _HIDE_REPLAYS.format(only="")


def hide_replays_of(keys: int) -> str:
    """The hiding statement limited to one source's ``keys`` group keys (:s, :g0…)."""
    marks = ", ".join(f":g{i}" for i in range(keys))
    return _HIDE_REPLAYS.format(only=f" AND source = :s AND group_key IN ({marks})")


BUCKET_MS = 900_000  # the rollup's 15-minute buckets
_ROLLUP_SUMS = (*TOKEN_COLUMNS, "requests")
REBUILD_ROLLUP = (
    "INSERT INTO usage_rollup (bucket, source, model, project, "
    + ", ".join(_ROLLUP_SUMS)
    + ", events, calc_unknown, auto_unknown, first_ms, last_ms, "
    "cost_reported_usd, cost_calc_usd, cost_auto_usd) "
    f"SELECT ts_ms / {BUCKET_MS}, source, model, project, "
    + ", ".join(f"SUM({c})" for c in _ROLLUP_SUMS)
    + ", COUNT(*), SUM(CASE WHEN cost_calc_usd IS NULL THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN COALESCE(cost_reported_usd, cost_calc_usd) IS NULL THEN 1 ELSE 0 END), "
    "MIN(ts_ms), MAX(ts_ms), COALESCE(SUM(cost_reported_usd), 0), "
    "COALESCE(SUM(cost_calc_usd), 0), COALESCE(SUM(COALESCE(cost_reported_usd, cost_calc_usd)), 0) "
    "FROM usage_events WHERE hidden = 0 AND ts_ms >= :lo AND ts_ms < :hi "
    f"GROUP BY ts_ms / {BUCKET_MS}, source, model, project"
)
