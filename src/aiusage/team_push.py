"""Pushing a member's queued records to the team server (docs/team.md, push protocol v1).

Why batches read from a queue and deleted only after the server's 200: the server stores
a batch in one transaction and upserts on ``(source, dedup_key)``, so a batch sent twice
(after a timeout, a kill -9, a server restart) counts once, and nothing leaves the queue
before the server has it. 401/403 stop the push (the token must change first); 413 halves
the batch; 422 drops the rows the server names, so one bad row never blocks the queue;
429, 5xx and lost connections are retried with backoff honouring ``Retry-After``, then
left for the next push. No message ever carries the token.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiusage.sources.subscriptions.http import parse_retry_after, redact, user_agent
from aiusage.store.push_queue import Batch, acknowledge, read_batch
from aiusage.team_rejects import rejected_rows

if TYPE_CHECKING:
    import httpx

    from aiusage.store import Store
    from aiusage.team_config import TeamSettings

log = logging.getLogger("aiusage.team")

PUSH_PATH = "/api/v1/team/push"
PROTOCOL_VERSION = 1
MAX_EVENTS = MAX_OBSERVATIONS = 5000
GZIP_LEVEL = 6
ATTEMPTS = 4
BACKOFF_S = 1.0  # then 2 s, 4 s
MAX_WAIT_S = 60.0  # a longer Retry-After ends this push; the next one honours it
TIMEOUT_S = 120.0  # a server busy with a whole team's backlog answers late, not never
#: meta rows: the last push that stored something, the last try, the last failure, sums
LAST_PUSH, LAST_ATTEMPT, LAST_ERROR = "team_last_push_ms", "team_last_attempt_ms", "team_error"
PUSHED_EVENTS, PUSHED_OBSERVATIONS, DROPPED = "team_events", "team_readings", "team_dropped"
AGAIN = "what is queued stays queued; the next push (or `aiusage team push`) resumes"
Sleep = Callable[[float], Awaitable[None]]


@dataclass(slots=True)
class PushResult:
    """What one push did: rows the server stored, rows it refused, and how it ended."""

    events: int = 0
    observations: int = 0
    batches: int = 0
    dropped: int = 0  # refused by the server as malformed (logged, never sent again)
    error: str = ""
    hint: str = ""
    status: int | None = None  # the HTTP status that ended the push, if any
    retry_after_s: float | None = None  # the server asked for this pause
    stopped: bool = False  # 401/403: pushing again cannot help until the token changes

    @property
    def ok(self) -> bool:
        return not self.error


class PushFailed(Exception):
    def __init__(
        self,
        message: str,
        hint: str = AGAIN,
        *,
        status: int | None = None,
        retry_after_s: float | None = None,
        stopped: bool = False,
    ) -> None:
        super().__init__(message)
        self.hint, self.status, self.stopped = hint, status, stopped
        self.retry_after_s = retry_after_s


class Pusher:
    """Drains the store's push queue into the team server, batch after batch."""

    def __init__(
        self,
        store: Store,
        team: TeamSettings,
        token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = TIMEOUT_S,
        attempts: int = ATTEMPTS,
        backoff_s: float = BACKOFF_S,
        sleep: Sleep = asyncio.sleep,
        max_events: int = MAX_EVENTS,
        max_observations: int = MAX_OBSERVATIONS,
    ) -> None:
        self.store, self.team, self._token = store, team, token
        self.url = team.server + PUSH_PATH
        self.transport, self.timeout_s = transport, timeout_s
        self.attempts, self.backoff_s, self.sleep = attempts, backoff_s, sleep
        self.max_events, self.max_observations = max_events, max_observations
        self._totals = (0, 0, 0)

    async def push(self) -> PushResult:
        """Send what is queued, oldest first, until the queue is empty or a push fails."""
        result = PushResult()
        self._totals = (
            _int(self.store.meta(PUSHED_EVENTS)),
            _int(self.store.meta(PUSHED_OBSERVATIONS)),
            _int(self.store.meta(DROPPED)),
        )
        self.store.set_meta(LAST_ATTEMPT, str(_now_ms()))
        try:
            async with self._client() as client:
                while True:
                    batch = read_batch(self.store.db, self.max_events, self.max_observations)
                    if not batch:
                        if batch.gone:  # pruned before they were sent: nothing to send
                            acknowledge(self.store.db, batch)
                        break
                    await self._deliver(client, batch, result)
        except PushFailed as exc:
            result.error, result.hint, result.status = str(exc), exc.hint, exc.status
            result.retry_after_s, result.stopped = exc.retry_after_s, exc.stopped
            failure = {"message": result.error, "hint": result.hint, "at_ms": _now_ms()}
            self.store.set_meta(LAST_ERROR, json.dumps({**failure, "status": exc.status}))
        return result

    async def probe(self) -> PushFailed | None:
        """An empty push: does the server take this token? None when it does."""
        try:
            async with self._client() as client:
                response = await self._post(client, Batch())
                if response.status_code != 200:
                    raise _refusal(response.status_code, self._said(response), self.team.server)
                _check_answer(response, self.team.server)
        except PushFailed as exc:
            return exc
        return None

    def _client(self) -> httpx.AsyncClient:
        import httpx

        timeout = httpx.Timeout(self.timeout_s, connect=min(self.timeout_s, 10.0))
        return httpx.AsyncClient(transport=self.transport, timeout=timeout)

    async def _deliver(self, client: httpx.AsyncClient, batch: Batch, result: PushResult) -> None:
        if len(batch) > 1 and (
            len(batch.events) > self.max_events or len(batch.observations) > self.max_observations
        ):  # the rest of a batch that was too large: as small as the halves that fit
            for half in batch.halves():
                if half:
                    await self._deliver(client, half, result)
            return
        response = await self._post(client, batch)
        status = response.status_code
        if status == 200:
            _check_answer(response, self.team.server)
            self._stored(batch, result)
        elif status == 413:
            self.max_events = max(1, min(self.max_events, len(batch.events) // 2))
            self.max_observations = max(1, min(self.max_observations, len(batch.observations) // 2))
            if len(batch) == 1:
                self._drop(batch, "larger than the server accepts", result)
                return
            log.info("team push: batch of %d rows too large, halving", len(batch))
            for half in batch.halves():
                if half:
                    await self._deliver(client, half, result)
        elif status == 422:
            bad = rejected_rows(response, batch)
            if bad is None:
                raise PushFailed(
                    f"the team server refused a batch as malformed without naming a row "
                    f"({self._said(response)})",
                    "update aiusage on this machine or the server so both speak push "
                    "protocol version 1; " + AGAIN,
                    status=status,
                )
            kept, dropped = batch.split(*bad)
            self._drop(dropped, self._said(response), result)
            if kept:
                await self._deliver(client, kept, result)
        else:
            raise _refusal(status, self._said(response), self.team.server)

    async def _post(self, client: httpx.AsyncClient, batch: Batch) -> httpx.Response:
        """POST the batch, retrying lost connections, 429 and 5xx with backoff."""
        import httpx

        body = self._encode(batch)
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "User-Agent": user_agent(),
        }
        server = self.team.server
        failed = PushFailed(f"could not push to the team server at {server}")
        for attempt in range(self.attempts):
            wait = self.backoff_s * 2**attempt
            try:
                response = await client.post(self.url, content=body, headers=headers)
            except httpx.TimeoutException:
                failed = PushFailed(
                    f"the team server at {server} did not answer within {self.timeout_s:g} s"
                )
            except (httpx.InvalidURL, httpx.UnsupportedProtocol):
                raise PushFailed(
                    f"{server} is not a valid team server URL",
                    "run `aiusage team join URL` with the address your admin gave",
                    stopped=True,
                ) from None
            except httpx.TransportError as exc:
                failed = PushFailed(
                    f"could not reach the team server at {server} ({type(exc).__name__})",
                    f"check the network and that the server runs; {AGAIN}",
                )
            else:
                status = response.status_code
                if status != 429 and status < 500:
                    return response
                after = parse_retry_after(response.headers.get("retry-after"), _now_ms())
                failed = PushFailed(
                    f"the team server at {server} answered {status} ({self._said(response)})",
                    status=status,
                    retry_after_s=after,
                )
                wait = wait if after is None else after
            if attempt + 1 >= self.attempts or wait > MAX_WAIT_S:
                break
            await self.sleep(wait)
        raise failed

    def _encode(self, batch: Batch) -> bytes:
        import msgspec

        events = wire_events(batch.events, self.team.share_projects)
        payload = {
            "version": PROTOCOL_VERSION,
            "machine": self.team.machine,
            "batch": uuid.uuid4().hex,
            "events": events,
            "observations": batch.observations,
        }
        return gzip.compress(msgspec.json.encode(payload), compresslevel=GZIP_LEVEL)

    def _stored(self, batch: Batch, result: PushResult) -> None:
        result.events += len(batch.events)
        result.observations += len(batch.observations)
        result.batches += 1
        events, readings, dropped = self._totals
        self._totals = (events + len(batch.events), readings + len(batch.observations), dropped)
        changed = acknowledge(self.store.db, batch, meta=self._meta(clear_error=True))
        if changed:
            log.info("team push: %d events changed while on the wire; queued again", changed)

    def _drop(self, batch: Batch, reason: str, result: PushResult) -> None:
        for row in batch.events:
            log.warning(
                "team push: dropped event %s %s: %s", row["source"], row["dedup_key"], reason
            )
        for row in batch.observations:
            log.warning(
                "team push: dropped reading %s %s at %s: %s",
                row["account"],
                row["metric"],
                row["ts_ms"],
                reason,
            )
        result.dropped += len(batch)
        events, readings, dropped = self._totals
        self._totals = (events, readings, dropped + len(batch))
        ids = [*batch.event_ids, *batch.observation_ids]
        acknowledge(self.store.db, Batch(), extra=ids, meta=self._meta(clear_error=False))

    def _meta(self, clear_error: bool) -> Mapping[str, str]:
        events, readings, dropped = self._totals
        meta = {PUSHED_EVENTS: str(events), PUSHED_OBSERVATIONS: str(readings)}
        meta[DROPPED] = str(dropped)
        if clear_error:
            meta.update({LAST_PUSH: str(_now_ms()), LAST_ERROR: ""})
        return meta

    def _said(self, response: httpx.Response) -> str:
        """The status and what the server said, without the token, shortened."""
        text = f"{response.status_code} {response.reason_phrase}".strip()
        try:
            body = response.json()
        except (ValueError, UnicodeDecodeError):
            return text
        said = body.get("detail") or body.get("error") if isinstance(body, dict) else None
        if isinstance(said, dict):
            said = said.get("message") or said.get("error")
        if isinstance(said, str) and said.strip():
            clean = " ".join(redact(said, [self._token]).split())
            text += f": {clean[:200]}"
        return text


def wire_events(events: list[dict[str, Any]], share_projects: bool) -> list[dict[str, Any]]:
    """The events as sent. A ``dedup_key`` that spells its project (providers' keys do)
    always goes as its SHA-256, as unique and stable, so switching ``share_projects``
    never gives the server a second key for an event; without sharing, ``project`` is
    emptied too and no project name leaves the machine."""
    sent = []
    for event in events:
        project = event["project"]
        if project and (not share_projects or project in event["dedup_key"]):
            event = dict(event)
            if project in event["dedup_key"]:
                digest = hashlib.sha256(event["dedup_key"].encode()).hexdigest()
                event["dedup_key"] = f"sha256:{digest[:48]}"
            if not share_projects:
                event["project"] = ""
        sent.append(event)
    return sent


def _refusal(status: int, said: str, server: str) -> PushFailed:
    join = f"run `aiusage team join {server}` again with a new token from your team's admin"
    if status == 401:
        return PushFailed(
            f"the team server refused the token ({said}): it is unknown, revoked or expired",
            join,
            status=status,
            stopped=True,
        )
    if status == 403:
        return PushFailed(
            f"the team server does not let this token push ({said}): a viewer's token?",
            f"ask your team's admin for a member's token, then {join[4:]}",
            status=status,
            stopped=True,
        )
    if status in (404, 405):
        return PushFailed(
            f"no team server answers at {server} ({said})",
            "check the URL (`aiusage team status` shows it) and that the server runs "
            "aiusage with team mode; " + AGAIN,
            status=status,
        )
    return PushFailed(f"the team server at {server} answered {said}", status=status)


def _check_answer(response: httpx.Response, server: str) -> None:
    """A 200 that is not the protocol's answer (a captive portal, a proxy's page) must not
    empty the queue."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if not (isinstance(body, dict) and isinstance(body.get("events"), int)):
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        raise PushFailed(
            f"{server} answered 200 but not as a team server does ({kind})",
            "check the URL: a proxy or login page may be answering instead; " + AGAIN,
            status=200,
        )


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
