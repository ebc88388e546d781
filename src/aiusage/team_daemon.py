"""The daemon's push to the team server: after collections, at most every ``push_every``.

Why a loop of its own beside the collectors: a slow or dead team server must never hold
up collection, and must not be hammered either. So the loop only waits on its own task,
pushes when the queue holds something, and while pushes fail waits longer each time (up
to 15 minutes, and at least the server's Retry-After); a refused token waits the longest,
since only a new ``aiusage team join`` helps.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiusage.store.push_queue import has_backlog

if TYPE_CHECKING:
    from aiusage.daemon import Daemon

log = logging.getLogger("aiusage.daemon")

DEFAULT_EVERY_S = 30.0
MAX_BACKOFF_S = 900.0


async def push_loop(daemon: Daemon) -> None:
    """Runs until the daemon stops; ``daemon.pushes`` counts the pushes that stored."""
    app = daemon.app
    failures, pause = 0, 0.0
    while not daemon.stop.is_set():
        team = app.config.team  # the daemon re-reads [team] with the accounts
        every = daemon.options.push_every_s or (team.push_every_s if team else DEFAULT_EVERY_S)
        wait = min(every * 2**failures, max(MAX_BACKOFF_S, every)) if failures else every
        if await daemon._wait(max(wait, pause)):
            return
        pause = 0.0
        try:
            if app.config.team is None or not has_backlog(app.store.db):
                failures = 0
                continue
            result = await app.team_member.push(**daemon.push_options)
        except Exception as exc:  # no token, a broken store: logged, collection goes on
            log.warning("team push: %s", exc)
            failures += 1
            continue
        if result.ok:
            failures = 0
            daemon.pushes += 1
            log.info("team push: %d events, %d readings", result.events, result.observations)
        else:
            log.warning("team push: %s (hint: %s)", result.error, result.hint)
            failures = 10 if result.stopped else failures + 1
            pause = result.retry_after_s or 0.0
