"""Scanning agent logs into the store: only new bytes, in parallel when there are many.

Each file has a cursor (device, inode, size, mtime, offset of the last complete line,
a hash of its first bytes, parser state). A file is re-read from the start when it was
truncated or rewritten, from its cursor when it grew, and not at all otherwise. Events
and the cursor that covers them are committed in one transaction, so a kill -9 at any
moment loses nothing and doubles nothing: the next run resumes at the last cursor, and
re-read lines upsert onto themselves.

Documents (files rewritten in place, databases) are re-read whole when their size, mtime,
inode or a companion file (a SQLite ``-wal``) changed; a database reader keeps in the
cursor's state how far it got, so that re-read only fetches what changed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import Any

from aiusage.pricing import ModelRates, PriceBook, fingerprint
from aiusage.records import Observation, UsageEvent
from aiusage.sources.logs.base import LogSource, is_document
from aiusage.sources.logs.reading import (
    ReadResult,
    ReadTask,
    better_copy,
    document_state,
    head_hash,
    head_matches,
    run_task,
    split_points,
)
from aiusage.store import Cursor, Store
from aiusage.store.store import event_row

PARALLEL_MIN_BYTES = 48 << 20  # below this, a worker pool costs more than it saves
SPLIT_BYTES = 24 << 20  # big files are parsed in ranges of about this size
BATCH_EVENTS = 20_000  # events per transaction

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class SourceSummary:
    name: str
    roots: list[str]
    files: int = 0
    malformed: int = 0
    malformed_files: list[tuple[str, int]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # files that could not be read


@dataclass(slots=True)
class ScanReport:
    """What a scan did; shown with --verbose and used by the first-run message."""

    sources: list[SourceSummary] = field(default_factory=list)
    files_read: int = 0
    bytes_read: int = 0
    events_written: int = 0
    observations_written: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def files_seen(self) -> int:
        return sum(s.files for s in self.sources)

    @property
    def malformed(self) -> int:
        return sum(s.malformed for s in self.sources)


class Pricer:
    """Calculated costs for events, with resolved rates cached in the store."""

    def __init__(self, store: Store, overrides: dict[str, ModelRates]) -> None:
        self.store = store
        self._overrides = overrides
        self._book: PriceBook | None = None
        self._days: dict[int, str] = {}

    @cached_property
    def fingerprint(self) -> str:
        # Lazy: a warm run with nothing new to price never needs it (~15 ms of imports).
        return fingerprint(self._overrides)

    @property
    def book(self) -> PriceBook:
        if self._book is None:
            cache = self.store.load_price_cache(self.fingerprint)
            self._book = PriceBook(self._overrides, cache)
        return self._book

    def day(self, ts_ms: int) -> str:
        n = ts_ms // 86_400_000
        day = self._days.get(n)
        if day is None:
            day = time.strftime("%Y-%m-%d", time.gmtime(n * 86_400))
            self._days[n] = day
        return day

    def cost(self, model: str, ts_ms: int, tokens: Sequence[int]) -> float | None:
        rates = self.book.rates(model, self.day(ts_ms))
        if rates is None:
            return None
        return rates.cost(*tokens)

    def event_cost(self, e: UsageEvent) -> float | None:
        return self.cost(
            e.model,
            e.ts_ms,
            (
                e.input_tokens,
                e.output_tokens,
                e.cache_read_tokens,
                e.cache_write_5m_tokens,
                e.cache_write_1h_tokens,
            ),
        )

    def save(self) -> None:
        if self._book is not None and self._book.new_entries:
            self.store.save_price_cache(self._book.new_entries, self.fingerprint)
            self._book.new_entries.clear()

    def reprice_if_needed(self) -> bool:
        """Recalculate stored costs when prices or overrides changed since they were stored
        (on a new store this just records the fingerprint)."""
        stored = self.store.meta("price_fingerprint")
        if stored == self.fingerprint:
            return False
        costs = []
        for r in self.store.events_for_repricing():
            cost = self.cost(r[1], int(r[2]), r[3:8])
            if cost is not None or not r[8]:  # a model we can't price: a member's figure stands
                costs.append((int(r[0]), cost))
        self.store.set_calculated_costs(costs, self.fingerprint)
        self.save()
        return True


def _plan(
    source: LogSource, cursors: dict[str, Cursor], summary: SourceSummary, seen: set[str]
) -> Iterator[tuple[ReadTask, os.stat_result, str]]:
    """Tasks for the files of one source that have new bytes."""
    for path_obj in source.discover():
        path = str(path_obj)
        summary.files += 1
        seen.add(path)
        try:
            st = os.stat(path)
        except OSError:
            continue
        cur = cursors.get(path)
        start: int = 0
        state: dict[str, object] = {}
        if is_document(source):  # re-read whole, when it or a companion file changed
            fresh = document_state(source, path_obj, st, cur)
            if fresh is None:
                _count_malformed(summary, path, cur.malformed if cur is not None else 0)
                continue
            state = fresh
        elif cur is not None and (cur.device, cur.inode) == (st.st_dev, st.st_ino):
            # ``size`` is recorded only once a file was read to its end (a partial last
            # line included), so an interrupted read never looks finished.
            if cur.size == st.st_size and cur.mtime_ns == st.st_mtime_ns:
                _count_malformed(summary, path, cur.malformed + _tail_bad(cur.state))
                continue
            if st.st_size >= cur.read_offset and head_matches(path, cur.head_hash):
                start, state = cur.read_offset, dict(cur.state)
        try:
            head = head_hash(path, st.st_size)
        except OSError as exc:
            summary.errors.append(f"{path}: {exc.strerror or exc}")
            continue
        state["_prior_malformed"] = cur.malformed if (cur is not None and start > 0) else 0
        yield ReadTask(source, path, start, st.st_size, state, True), st, head


def _tail_bad(state: dict[str, Any]) -> int:
    value = state.get("tail_malformed", 0)
    return value if isinstance(value, int) else 0


def _count_malformed(summary: SourceSummary, path: str, n: int) -> None:
    if n:
        summary.malformed += n
        summary.malformed_files.append((path, n))


def _split(task: ReadTask) -> list[ReadTask]:
    if not getattr(task.source, "splittable", False) or task.end - task.start <= SPLIT_BYTES:
        return [task]
    points = split_points(task.path, task.start, task.end, SPLIT_BYTES)
    return [
        ReadTask(task.source, task.path, a, b, task.state, b == task.end)
        for a, b in pairwise(points)
    ]


def scan(
    store: Store,
    sources: Sequence[LogSource],
    pricer: Pricer,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
    only_path: str | None = None,
) -> ScanReport:
    """Bring the store up to date with every source's logs. ``only_path`` (the
    statusline's transcript) loads just that file's cursor and leaves repricing to the
    next full scan, so the hot path stays small."""
    started = time.perf_counter()
    report = ScanReport()
    if store.meta("hide_pending") == "1":
        store.hide_sidechain_replays()
    cursors = store.load_cursors(only_path)
    tasks: list[tuple[ReadTask, os.stat_result, str]] = []
    seen: set[str] = set()
    for source in sources:
        summary = SourceSummary(source.name, [str(r) for r in source.roots()])
        report.sources.append(summary)
        tasks.extend(_plan(source, cursors, summary, seen))
        report.errors.extend(summary.errors)
    names = {s.name for s in sources}
    # A vanished file keeps its events (history); only its cursor goes. Files outside
    # today's roots (another CLAUDE_CONFIG_DIR) keep their cursors for when they return.
    store.delete_cursors(
        p
        for p, c in cursors.items()
        if c.source in names and p not in seen and not os.path.exists(p)
    )
    if not tasks:
        store.refresh_rollup()  # after a crash between a write and its rollup rebuild
        report.seconds = time.perf_counter() - started
        return report
    if only_path is None:
        pricer.reprice_if_needed()

    total = sum(t.end - t.start for t, _, _ in tasks)
    plans = {t.path: (t, st, head) for t, st, head in tasks}
    ranges = [r for t, _, _ in tasks for r in _split(t)]
    writer = _Writer(store, pricer, plans, report)
    for r in ranges:
        writer.pieces[r.path] = writer.pieces.get(r.path, 0) + 1
    done = 0
    for result in _execute(ranges, total, workers):
        done += result.task.end - result.task.start
        writer.add(result)
        if progress is not None:
            progress(done, total)
    writer.flush()
    writer.count_malformed({s.name: s for s in report.sources})
    pricer.save()
    if writer.touched:
        store.hide_sidechain_replays(writer.touched)
    store.refresh_rollup()
    report.files_read = len(plans)
    report.bytes_read = total
    report.seconds = time.perf_counter() - started
    return report


def _execute(ranges: list[ReadTask], total: int, workers: int | None) -> Iterable[ReadResult]:
    count = workers if workers is not None else min(os.cpu_count() or 1, 4)
    if count <= 1 or total < PARALLEL_MIN_BYTES or len(ranges) < 2:
        return (run_task(t) for t in ranges)
    return _parallel(ranges, count)


def _parallel(ranges: list[ReadTask], count: int) -> Iterator[ReadResult]:
    """Results as workers finish them; the writer moves each cursor over contiguous ranges."""
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(count) as pool:
        yield from pool.imap_unordered(run_task, ranges)


class _Writer:
    """Batches results into transactions; a file's cursor moves only with its events.

    Ranges of one file may finish in any order: their events are written at once (upserts
    are idempotent) but the cursor advances only over the contiguous prefix of finished
    ranges, so a crash makes the next run re-read, never skip.
    """

    def __init__(
        self,
        store: Store,
        pricer: Pricer,
        plans: dict[str, tuple[ReadTask, os.stat_result, str]],
        report: ScanReport,
    ) -> None:
        self.store = store
        self.pricer = pricer
        self.plans = plans
        self.report = report
        self.events: dict[tuple[str, str], UsageEvent] = {}
        self.observations: list[Observation] = []
        self.cursors: dict[str, Cursor] = {}
        self.reached: dict[str, dict[int, int]] = {}
        self.pieces: dict[str, int] = {}  # how many ranges each file was cut into
        self.malformed: dict[str, int] = {}
        self.tail_malformed: dict[str, int] = {}
        self.touched: dict[str, set[str]] = {}  # source -> group keys written

    def add(self, result: ReadResult) -> None:
        task = result.task
        if result.error:
            self.report.errors.append(result.error)
            return
        events = self.events
        for e in result.events:
            key = (e.source, e.dedup_key)
            old = events.get(key)
            if old is None or better_copy(e, old):
                events[key] = e
        self.observations.extend(result.observations)
        planned, st, head = self.plans[task.path]
        prior = int(planned.state.get("_prior_malformed", 0))
        self.malformed[task.path] = self.malformed.get(task.path, prior) + result.malformed
        if task.is_last:
            self.tail_malformed[task.path] = result.tail_malformed
        reached = self.reached.setdefault(task.path, {})
        reached[task.start] = result.offset
        offset = planned.start
        while offset in reached and reached[offset] != offset:
            offset = reached[offset]
        finished = len(reached) == self.pieces.get(task.path, 1)
        state = {k: v for k, v in result.state.items() if not k.startswith("_")}
        state["tail_malformed"] = self.tail_malformed.get(task.path, 0)
        self.cursors[task.path] = Cursor(
            path=task.path,
            source=task.source.name,
            device=st.st_dev,
            inode=st.st_ino,
            size=st.st_size if finished else -1,
            mtime_ns=st.st_mtime_ns,
            read_offset=offset,
            head_hash=head,
            state=state,
            malformed=self.malformed[task.path],
            updated_ms=int(time.time() * 1000),
        )
        if len(events) >= BATCH_EVENTS:
            self.flush()

    def flush(self) -> None:
        if not (self.events or self.observations or self.cursors):
            return
        cost = self.pricer.event_cost
        rows = [event_row(e, cost(e)) for e in self.events.values()]
        grouped = [e for e in self.events.values() if e.group_key]
        # hide_pending: a crash before the replay check after the scan makes the next run do it.
        self.store.write(rows, self.observations, self.cursors.values(), bool(grouped))
        self.report.events_written += len(rows)
        self.report.observations_written += len(self.observations)
        for e in grouped:
            self.touched.setdefault(e.source, set()).add(e.group_key)
        self.events = {}
        self.observations = []
        self.cursors = {}

    def count_malformed(self, summaries: dict[str, SourceSummary]) -> None:
        for path, (task, _, _) in self.plans.items():
            bad = self.malformed.get(path, 0) + self.tail_malformed.get(path, 0)
            _count_malformed(summaries[task.source.name], path, bad)


def default_sources() -> list[LogSource]:
    from aiusage.plugins import log_sources

    return log_sources()
