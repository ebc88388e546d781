"""What every log reader provides, and what it hands back for a run of lines."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aiusage.records import Observation, UsageEvent


@dataclass(frozen=True, slots=True)
class FileContext:
    """Facts about a log file that lines do not repeat (project and session from the path)."""

    path: str
    project: str
    session: str


@dataclass(slots=True)
class ParseResult:
    """Records parsed from a run of complete lines, and what was skipped."""

    events: list[UsageEvent] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    malformed: int = 0
    state: dict[str, Any] = field(default_factory=dict)


class LogSource(Protocol):
    """A reader of one agent's logs."""

    name: str  # the agent name users type: 'claude-code', 'codex'
    #: True when lines are independent, so a big file can be split and parsed in parallel.
    splittable: bool

    def roots(self) -> list[Path]:
        """The directories this reader looks in (shown when nothing is found)."""

    def discover(self) -> Iterator[Path]:
        """Every log file under the roots."""

    def context(self, path: Path) -> FileContext:
        """Project and session implied by the file's location."""

    def parse(
        self, buf: bytes | bytearray, end: int, ctx: FileContext, state: dict[str, Any]
    ) -> ParseResult:
        """Records from the complete lines in ``buf[:end]``; ``state`` carries what later
        lines depend on (and comes back updated in the result)."""


def walk_files(root: Path, suffix: str) -> Iterator[Path]:
    """Files under root ending with suffix, found with scandir (fast on big trees)."""
    stack = [str(root)]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.name.endswith(suffix) and entry.is_file():
                            yield Path(entry.path)
                    except OSError:
                        continue
        except OSError:
            continue


def env_dirs(var: str) -> list[Path] | None:
    """Comma-separated directories from an environment variable, or None when unset."""
    value = os.environ.get(var, "").strip()
    if not value:
        return None
    return [Path(p.strip()).expanduser() for p in value.split(",") if p.strip()]
