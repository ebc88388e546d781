"""A member's push queue (``team_outbox``) read in batches, oldest first, joined to the
records as they are now; and the acknowledgement of what the team server stored.

Why an acknowledgement re-reads the rows: an event may be replaced by a more complete copy
while its batch is on the wire; Store.write then finds the key already queued and queues
nothing. So an acknowledgement deletes a queue entry only where the row is still the one
that was sent, inside one transaction (Store.write's cannot interleave with it), and a
changed row stays queued for the next batch. A kill at any point leaves every entry that
was not acknowledged in the queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiusage.store.db import Database
from aiusage.store.outbox import EVENT, OBSERVATION, OUTBOX_META
from aiusage.store.statements import EVENT_COLUMNS, OBSERVATION_COLUMNS, upsert

SET_META = upsert("meta", ("name", "value"), "name")
CHUNK = 500
_EVENTS = (
    "SELECT o.id, "
    + ", ".join(f"e.{c}" for c in EVENT_COLUMNS)
    + " FROM team_outbox o LEFT JOIN usage_events e"
    " ON e.source = o.source AND e.dedup_key = o.ref WHERE o.kind = '" + EVENT + "'"
)
_OBSERVATIONS = (
    f"SELECT {', '.join(OBSERVATION_COLUMNS)} FROM observations WHERE user_name = '' "
    "AND account = :a AND metric = :m AND window_name = :w AND ts_ms IN ({marks})"
)
_QUEUE_EVENTS = (
    "INSERT INTO team_outbox (kind, source, ref) "
    f"SELECT '{EVENT}', source, dedup_key FROM usage_events WHERE ts_ms >= :since "
    "ORDER BY ts_ms, id ON CONFLICT (kind, source, ref) DO NOTHING"
)
_QUEUE_OBSERVATIONS = (
    "INSERT INTO team_outbox (kind, source, ref) "
    f"SELECT '{OBSERVATION}', account, metric || '|' || window_name || '|' || "
    "CAST(ts_ms AS TEXT) FROM observations WHERE user_name = '' "
    "ORDER BY ts_ms, id ON CONFLICT (kind, source, ref) DO NOTHING"
)


@dataclass(slots=True)
class Batch:
    """Rows to push, in the push protocol's shape, with their queue entries."""

    events: list[dict[str, Any]] = field(default_factory=list)
    observations: list[dict[str, Any]] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)  # team_outbox ids, one per event
    observation_ids: list[int] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)  # entries whose record was pruned

    def __len__(self) -> int:
        return len(self.events) + len(self.observations)

    def halves(self) -> tuple[Batch, Batch]:
        """Two batches of about half the rows each (events and observations alike)."""
        e, o = (len(self.events) + 1) // 2, (len(self.observations) + 1) // 2
        if len(self) > 1 and (e, o) == (len(self.events), len(self.observations)):
            e, o = (0, o) if self.events else (e, 0)  # one event and one reading: split them
        first = Batch(
            self.events[:e], self.observations[:o], self.event_ids[:e], self.observation_ids[:o]
        )
        second = Batch(
            self.events[e:], self.observations[o:], self.event_ids[e:], self.observation_ids[o:]
        )
        return first, second

    def split(self, events: Iterable[int], observations: Iterable[int]) -> tuple[Batch, Batch]:
        """(the batch without the rows at these indexes, a batch of only those rows)."""
        bad_e, bad_o = set(events), set(observations)
        kept, picked = Batch(), Batch()
        for i, (row, ident) in enumerate(zip(self.events, self.event_ids, strict=True)):
            target = picked if i in bad_e else kept
            target.events.append(row)
            target.event_ids.append(ident)
        for i, (row, ident) in enumerate(zip(self.observations, self.observation_ids, strict=True)):
            target = picked if i in bad_o else kept
            target.observations.append(row)
            target.observation_ids.append(ident)
        return kept, picked


def read_batch(db: Database, max_events: int, max_observations: int) -> Batch:
    """The oldest queued events and readings (at most that many of each)."""
    batch = Batch()
    rows = db.query(_EVENTS + " ORDER BY o.id LIMIT :n", {"n": max_events})
    for row in rows:
        if row[1] is None:
            batch.gone.append(int(row[0]))
            continue
        batch.event_ids.append(int(row[0]))
        batch.events.append(dict(zip(EVENT_COLUMNS, row[1:], strict=True)))
    queued = db.query(
        "SELECT id, source, ref FROM team_outbox WHERE kind = :k ORDER BY id LIMIT :n",
        {"k": OBSERVATION, "n": max_observations},
    )
    found = _observations(db, [(str(r[1]), str(r[2])) for r in queued])
    for ident, account, ref in queued:
        reading = found.get((str(account), str(ref)))
        if reading is None:
            batch.gone.append(int(ident))
        else:
            batch.observation_ids.append(int(ident))
            batch.observations.append(reading)
    db.commit()
    return batch


def _observations(
    db: Database, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """(account, ref) → the reading's row, for the queued keys still stored."""
    groups: dict[tuple[str, str, str], list[int]] = {}
    for account, ref in keys:
        parts = ref.rsplit("|", 2)
        if len(parts) == 3 and parts[2].lstrip("-").isdigit():
            groups.setdefault((account, parts[0], parts[1]), []).append(int(parts[2]))
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for (account, metric, window), stamps in groups.items():
        for i in range(0, len(stamps), CHUNK):
            part = stamps[i : i + CHUNK]
            params: dict[str, Any] = {f"t{j}": t for j, t in enumerate(part)}
            params.update(a=account, m=metric, w=window)
            marks = ", ".join(f":t{j}" for j in range(len(part)))
            for r in db.query(_OBSERVATIONS.format(marks=marks), params):
                row = dict(zip(OBSERVATION_COLUMNS, r, strict=True))
                found[(account, f"{metric}|{window}|{int(row['ts_ms'])}")] = row
    return found


def acknowledge(
    db: Database, sent: Batch, extra: Sequence[int] = (), meta: Mapping[str, str] | None = None
) -> int:
    """Delete the entries the server stored (and ``extra`` ones: dropped or pruned) and
    record ``meta``, in one transaction. Returns how many events stay queued because they
    changed since they were read."""
    with db.transaction():
        current = _current_events(db, sent.event_ids)
        done = [
            ident
            for ident, row in zip(sent.event_ids, sent.events, strict=True)
            if current.get(ident) in (None, tuple(row.values()))
        ]
        ids = [*done, *sent.observation_ids, *sent.gone, *extra]
        db.executemany("DELETE FROM team_outbox WHERE id = :i", [{"i": i} for i in ids])
        db.executemany(SET_META, [{"name": k, "value": v} for k, v in (meta or {}).items()])
    return len(sent.event_ids) - len(done)


def _current_events(db: Database, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    found: dict[int, tuple[Any, ...]] = {}
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        params = {f"i{j}": ident for j, ident in enumerate(part)}
        marks = ", ".join(f":i{j}" for j in range(len(part)))
        for row in db.query(f"{_EVENTS} AND o.id IN ({marks})", params):
            if row[1] is not None:
                found[int(row[0])] = tuple(row[1:])
    return found


def queue_history(db: Database, since_ms: int) -> None:
    """Queue every event from ``since_ms`` on and every reading, oldest first, and mark
    the store as a team member's (from now on each write queues itself)."""
    with db.transaction():
        db.execute(_QUEUE_EVENTS, {"since": since_ms})
        db.execute(_QUEUE_OBSERVATIONS)
        db.execute(SET_META, {"name": OUTBOX_META, "value": "1"})


def backlog(db: Database) -> tuple[int, int]:
    """(events, readings) waiting to be pushed."""
    counts = dict(db.query("SELECT kind, COUNT(*) FROM team_outbox GROUP BY kind"))
    db.commit()
    return int(counts.get(EVENT, 0)), int(counts.get(OBSERVATION, 0))


def has_backlog(db: Database) -> bool:
    found = db.scalar("SELECT 1 FROM team_outbox LIMIT 1")
    db.commit()
    return found is not None


def stop_queueing(db: Database) -> int:
    """Empty the queue and stop filling it (leaving a team); returns how many were queued."""
    with db.transaction():
        left = int(db.scalar("SELECT COUNT(*) FROM team_outbox") or 0)
        db.execute("DELETE FROM team_outbox")
        db.execute(SET_META, {"name": OUTBOX_META, "value": "0"})
    return left
