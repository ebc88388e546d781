"""GET /api/v1/events: server-sent events, so an open page updates without a reload.

One poller per server (not per page) asks the store every ``poll_s`` seconds what
changed (App.dashboard.changes: the newest row ids and the accounts' health) and fans
the events out to every open stream: ``usage`` ({"sources": [...]}), ``observation``
({"accounts": [...]}), ``alert`` ({"title", "severity"}) and ``health``. Polling the
store rather than hooking the collector means writes by another process (``aiusage
daemon``, a teammate's collector on the same PostgreSQL) show up too. A comment line
every 15 s keeps proxies from closing an idle stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from aiusage.web.backend import Backend

log = logging.getLogger("aiusage.web")
router = APIRouter(prefix="/api/v1", tags=["live"])
HEARTBEAT_S = 15.0
QUEUE_SIZE = 100
CLOSED: tuple[str, dict[str, Any]] = ("", {})  # put on every queue when the server stops


class Broker:
    def __init__(self, backend: Backend, poll_s: float = 1.0) -> None:
        self.backend = backend
        self.poll_s = poll_s
        self.queues: set[asyncio.Queue[tuple[str, dict[str, Any]]]] = set()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        #: Set once the poller has its first markers: a change made after a stream's
        #: "hello" is then always newer than the baseline, so it is never missed.
        self.baseline = asyncio.Event()

    def subscribe(self) -> asyncio.Queue[tuple[str, dict[str, Any]]]:
        queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(QUEUE_SIZE)
        self.queues.add(queue)
        if self._task is None or self._task.done():
            self.baseline = asyncio.Event()
            self._task = asyncio.create_task(self._poll())
        return queue

    def unsubscribe(self, queue: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
        self.queues.discard(queue)

    def publish(self, event: str, data: dict[str, Any]) -> None:
        for queue in list(self.queues):
            if queue.full():  # a stalled page loses old events, not the server's memory
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait((event, data))

    async def _poll(self) -> None:
        before = None
        while not self._closed and self.queues:
            try:
                before, found = await self.backend.call(
                    lambda a, b=before: a.dashboard.changes(b)  # type: ignore[misc]
                )
                for event, data in found:
                    self.publish(event, data)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be busy or gone for a moment
                log.warning("live updates: %s", exc)
            self.baseline.set()
            await asyncio.sleep(self.poll_s)

    def end_streams(self) -> None:
        """End every open stream now (the server is stopping: an open stream would hold
        its graceful shutdown until the timeout)."""
        self._closed = True
        self.baseline.set()  # a stream still waiting for it ends too
        for queue in list(self.queues):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(CLOSED)

    async def close(self) -> None:
        self.end_streams()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    @property
    def closed(self) -> bool:
        return self._closed


def frame(event: str, data: dict[str, Any]) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + msgspec.json.encode(data) + b"\n\n"


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "An event stream."}},
)
async def events(request: Request) -> StreamingResponse:
    """Live updates: ``usage``, ``observation``, ``alert`` and ``health`` events."""
    broker: Broker = request.app.state.broker

    async def stream() -> AsyncIterator[bytes]:
        queue = broker.subscribe()
        try:
            await broker.baseline.wait()
            yield b"retry: 3000\n" + frame("hello", {"poll_s": broker.poll_s})
            while not broker.closed:
                try:
                    event, data = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                if not event:
                    return
                yield frame(event, data)
        finally:
            broker.unsubscribe(queue)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
