"""A team member's side of team mode: join a team server, push to it, see how pushing
goes, leave.

Why a facade: front ends ask four things and get plain dataclasses back; the config
file's ``[team]`` table, the keyring entry ``team:<server>``, the store's push queue and
the wire protocol stay behind it. The token goes from the caller to the keyring and the
Authorization header, nowhere else.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from aiusage.errors import ConfigError
from aiusage.store.push_queue import backlog, queue_history, stop_queueing
from aiusage.team_config import TeamSettings, default_machine, is_cleartext, normalize_server
from aiusage.team_push import (
    DROPPED,
    LAST_ATTEMPT,
    LAST_ERROR,
    LAST_PUSH,
    PUSHED_EVENTS,
    PUSHED_OBSERVATIONS,
    Pusher,
    PushResult,
)

if TYPE_CHECKING:
    from pathlib import Path

    import httpx

    from aiusage.app import App

JOIN_AGAIN = "run `aiusage team join URL` (the token is read from standard input)"


@dataclass(frozen=True, slots=True)
class Joined:
    server: str
    machine: str
    share_projects: bool
    queued_events: int
    queued_observations: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TeamStatus:
    """Where this machine pushes, how the last push went, and what waits to be sent."""

    joined: bool
    server: str | None = None
    machine: str | None = None
    share_projects: bool = True
    token: str = "missing"  # keyring | environment | missing (never the token itself)
    last_push_ms: int | None = None
    last_attempt_ms: int | None = None
    error: str = ""
    error_hint: str = ""
    error_ms: int | None = None
    backlog_events: int = 0
    backlog_observations: int = 0
    pushed_events: int = 0
    pushed_observations: int = 0
    dropped: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Left:
    server: str
    unsent: int  # queued records that will not be sent
    token_removed: bool


class TeamMemberApi:
    def __init__(self, app: App) -> None:
        self.app = app

    def join(
        self,
        server: str,
        token: str | None,
        *,
        machine: str | None = None,
        share_projects: bool = True,
        since: date | None = None,
        verify: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> Joined:
        """Check the token with the server, keep it in the keyring, write ``[team]`` and
        queue the history (events from ``since``, every reading) for the first push."""
        from aiusage.secrets import TEAM_TOKEN_ENV, delete_team_token, store_team_token
        from aiusage.team_config import save_team

        url = normalize_server(server)
        team = TeamSettings(url, (machine or default_machine()).strip(), share_projects)
        if not team.machine:
            raise ConfigError("the machine name is empty", hint="give --machine NAME")
        from_env = not token
        token = (token or os.environ.get(TEAM_TOKEN_ENV, "")).strip()
        if not token:
            raise ConfigError(
                "no token given", hint="paste the token your team's admin made on standard input"
            )
        warnings = []
        if is_cleartext(url):
            warnings.append(f"{url} is plain http: the token crosses the network unencrypted")
        if verify:
            warnings.extend(self._verify(team, token, transport))
        previous = self.app.config.team
        if not from_env:
            store_team_token(url, token)
        if previous is not None and previous.server != url:
            delete_team_token(previous.server)
        save_team(self._config_path(), team)
        since_ms = 0
        if since is not None:
            from aiusage.analytics.timezones import local_midnight_ms

            since_ms = local_midnight_ms(since, self.app.tz(None))
        queue_history(self.app.store.db, since_ms)
        self.app.config = replace(self.app.config, team=team)
        events, readings = backlog(self.app.store.db)
        return Joined(url, team.machine, share_projects, events, readings, tuple(warnings))

    def _verify(
        self, team: TeamSettings, token: str, transport: httpx.AsyncBaseTransport | None
    ) -> list[str]:
        """An empty push: a refused token fails the join; an unreachable server warns."""
        pusher = Pusher(self.app.store, team, token, transport=transport, attempts=1)
        failure = asyncio.run(pusher.probe())
        if failure is None:
            return []
        if failure.stopped:
            raise ConfigError(str(failure), hint=failure.hint)
        return [f"{failure} — joined anyway; pushes retry until it answers"]

    def status(self) -> TeamStatus:
        from aiusage.secrets import team_token_source

        team = self.app.config.team
        events, readings = backlog(self.app.store.db)
        meta = self.app.store.meta
        error = json.loads(meta(LAST_ERROR) or "{}")
        common: dict[str, Any] = {
            "backlog_events": events,
            "backlog_observations": readings,
            "last_push_ms": _ms(meta(LAST_PUSH)),
            "last_attempt_ms": _ms(meta(LAST_ATTEMPT)),
            "error": error.get("message", ""),
            "error_hint": error.get("hint", ""),
            "error_ms": error.get("at_ms"),
            "pushed_events": _ms(meta(PUSHED_EVENTS)) or 0,
            "pushed_observations": _ms(meta(PUSHED_OBSERVATIONS)) or 0,
            "dropped": _ms(meta(DROPPED)) or 0,
        }
        if team is None:
            return TeamStatus(joined=False, **common)
        return TeamStatus(
            joined=True,
            server=team.server,
            machine=team.machine,
            share_projects=team.share_projects,
            token=team_token_source(team.server),
            **common,
        )

    def push_now(self, transport: httpx.AsyncBaseTransport | None = None) -> PushResult:
        """Push everything queued now (blocking)."""
        return asyncio.run(self.push(transport=transport))

    async def push(
        self, transport: httpx.AsyncBaseTransport | None = None, **options: Any
    ) -> PushResult:
        """Push what is queued; ``options`` are Pusher's (attempts, sleep, max_events …)."""
        from aiusage.secrets import find_team_token

        team = self.app.config.team
        if team is None:
            raise ConfigError("this machine is not in a team", hint=JOIN_AGAIN)
        token = find_team_token(team.server)
        if token is None:
            raise ConfigError(f"no token for the team server {team.server}", hint=JOIN_AGAIN)
        return await Pusher(self.app.store, team, token, transport=transport, **options).push()

    def leave(self) -> Left:
        """Stop pushing: forget the server and the token, empty the queue (local records
        stay)."""
        from aiusage.secrets import delete_team_token
        from aiusage.team_config import remove_team

        team = self.app.config.team
        if team is None:
            raise ConfigError("this machine is not in a team", hint="nothing to leave")
        unsent = stop_queueing(self.app.store.db)
        removed = delete_team_token(team.server)
        remove_team(self._config_path())
        self.app.config = replace(self.app.config, team=None)
        return Left(team.server, unsent, removed)

    def _config_path(self) -> Path:
        from aiusage.paths import config_file

        return self.app.config.path or config_file()


def _ms(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
