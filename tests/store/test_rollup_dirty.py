"""Two writers widening the rollup's dirty range at once (a team server's pushes and its
collector) never lose a range — also when the marker row doesn't exist yet."""

from __future__ import annotations

import threading
import time

from aiusage.store import open_store


def test_concurrent_first_marks_keep_both_ranges(database_url: str) -> None:
    first = open_store(database_url)
    try:
        first.db.execute("DELETE FROM meta WHERE name = 'rollup_dirty'")
        first.db.commit()
        done = threading.Event()

        def mark_later() -> None:
            second = open_store(database_url)  # its own connection, on its own thread
            try:
                with second.db.transaction():
                    second._mark_rollup_dirty(5_000, 6_000)
                done.set()
            finally:
                second.close()

        with first.db.transaction():
            first._mark_rollup_dirty(1_000, 2_000)
            writer = threading.Thread(target=mark_later)
            writer.start()
            time.sleep(0.4)  # the second writer is now waiting on the first
            assert not done.is_set()
        writer.join(10)
        assert done.is_set()
        assert first.meta("rollup_dirty") == "1000:6000"
    finally:
        first.close()
