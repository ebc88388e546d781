"""The ``[team]`` table: which team server this machine pushes to, as which machine, and
what it shares.

Why a module of its own: the push, the daemon and ``aiusage team join|leave`` all read it,
and only join/leave write it (read-modify-write of the user's file, 0600). The member's
token is never here: it lives in the OS keyring under ``team:<server>`` (secrets.py).
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiusage.errors import ConfigError

FIELDS = ("server", "machine", "share_projects", "push_every")
DEFAULT_PUSH_EVERY_S = 30
MIN_PUSH_EVERY_S = 5


@dataclass(frozen=True, slots=True)
class TeamSettings:
    server: str  # base URL of the team's `aiusage serve`, without a trailing slash
    machine: str  # how this machine is named on the server (default: the host name)
    share_projects: bool = True  # False: project names never leave this machine
    push_every_s: int = DEFAULT_PUSH_EVERY_S  # the daemon pushes at most this often


def default_machine() -> str:
    return socket.gethostname().split(".")[0] or "machine"


def normalize_server(url: str) -> str:
    """An http(s) base URL without a trailing slash, or ConfigError saying what is wrong."""
    text = url.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"the team server {url!r} is not an http(s) URL",
            hint="give the address your team's admin shared, e.g. https://aiusage.example.com",
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError(
            f"the team server URL {url!r} carries credentials, a query or a fragment",
            hint="give only scheme, host, port and path; the token is asked for separately",
        )
    return text


def is_cleartext(server: str) -> bool:
    """Plain http to another host: the token would cross the network unencrypted."""
    parts = urlsplit(server)
    return parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1")


def parse_team(raw: Any, path: Path | None) -> TeamSettings | None:
    """``[team]`` → settings; None when the table is absent (not in a team)."""
    if raw is None:
        return None
    where = f"[team] in {path}"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a table", hint='e.g. [team] then server = "https://…"')
    if unknown := set(raw) - set(FIELDS):
        raise ConfigError(
            f"{where}: unknown field(s) {', '.join(sorted(unknown))}",
            hint=f"the fields are {', '.join(FIELDS)}; the token lives in the keyring",
        )
    server = raw.get("server")
    if not isinstance(server, str):
        raise ConfigError(f'{where} needs server = "URL"', hint="run `aiusage team join URL`")
    machine = raw.get("machine") or default_machine()
    share = raw.get("share_projects", True)
    if not isinstance(machine, str) or not isinstance(share, bool):
        raise ConfigError(f"{where}: machine is a string and share_projects true or false")
    from aiusage.accounts import parse_interval

    every = parse_interval(raw.get("push_every", DEFAULT_PUSH_EVERY_S), where)
    return TeamSettings(
        server=normalize_server(server),
        machine=machine,
        share_projects=share,
        push_every_s=max(every, MIN_PUSH_EVERY_S),
    )


def save_team(path: Path, team: TeamSettings) -> None:
    """Write ``[team]`` into the config file, keeping everything else in it."""
    from aiusage.accounts import format_interval, read_toml, write_toml

    doc = read_toml(path)
    table: dict[str, Any] = {
        "server": team.server,
        "machine": team.machine,
        "share_projects": team.share_projects,
    }
    if team.push_every_s != DEFAULT_PUSH_EVERY_S:
        table["push_every"] = format_interval(team.push_every_s)
    doc["team"] = table
    write_toml(path, doc)


def remove_team(path: Path) -> bool:
    """Drop ``[team]`` from the config file; False when it had none."""
    from aiusage.accounts import read_toml, write_toml

    doc = read_toml(path)
    if "team" not in doc:
        return False
    del doc["team"]
    write_toml(path, doc)
    return True
