"""What every log reader provides, and what it hands back.

Two kinds of reader share one registry:

- a :class:`LineSource` reads append-only JSON-lines files (Claude Code, Codex, Qwen,
  Kimi): only the bytes appended since the last run are parsed;
- a :class:`DocumentSource` reads files that are rewritten in place (Gemini chat files,
  Amp threads, Droid settings) or databases (OpenCode's SQLite): the scan re-reads a
  document whenever it — or one of its companion files, such as a SQLite ``-wal`` —
  changed, and the reader returns every record it holds (or, with the state it keeps,
  only what changed). Stable dedup keys make a re-read upsert onto itself.

``LogSource`` is either; a document source says so with ``kind = "document"``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias, TypeGuard

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


class LineSource(Protocol):
    """A reader of one agent's append-only JSON-lines logs."""

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


class DocumentSource(Protocol):
    """A reader of documents rewritten in place, or of databases, read whole."""

    name: str
    kind: Literal["document"]

    def roots(self) -> list[Path]:
        """The directories this reader looks in (shown when nothing is found)."""

    def discover(self) -> Iterator[Path]:
        """Every document under the roots."""

    def companions(self, path: Path) -> list[Path]:
        """Other files whose change means the document changed (a SQLite ``-wal``)."""

    def read_document(self, path: Path, state: dict[str, Any]) -> ParseResult:
        """Every record the document holds now, or — for a database, using ``state`` from
        the previous read of the same file — at least every record changed since. The
        result's ``malformed`` is the document's current count (not an increment) and
        its ``state`` is kept for the next read. Raises ``OSError`` when unreadable."""


LogSource: TypeAlias = LineSource | DocumentSource


def is_document(source: LogSource) -> TypeGuard[DocumentSource]:
    """Whether ``source`` reads whole documents (plugins without ``kind`` read lines)."""
    return getattr(source, "kind", "lines") == "document"


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


def with_roots(source: LogSource, dirs: list[Path]) -> LogSource:
    """A new reader of the same agent on ``dirs``. Built-in readers take ``roots`` (Codex
    one ``root``); a plugin reader that takes neither keeps its own folders."""
    import inspect

    params = inspect.signature(type(source)).parameters
    if "roots" in params:
        return type(source)(roots=list(dirs))  # type: ignore[call-arg]
    if "root" in params and dirs:
        return type(source)(root=dirs[0])  # type: ignore[call-arg]
    return source


def env_dirs(var: str) -> list[Path] | None:
    """Comma-separated directories from an environment variable, or None when unset."""
    value = os.environ.get(var, "").strip()
    if not value:
        return None
    return [Path(p.strip()).expanduser() for p in value.split(",") if p.strip()]


def home_dirs(var: str, *defaults: str) -> list[Path]:
    """``var`` as comma-separated directories when set (only those), else ``~/<default>``s."""
    configured = env_dirs(var)
    if configured is not None:
        return configured
    return [Path.home() / d for d in defaults]


def unique_dirs(roots: list[Path]) -> Iterator[Path]:
    """The existing directories among ``roots``, each once (symlinks resolved)."""
    seen: set[Path] = set()
    for root in roots:
        if not root.is_dir():
            continue
        resolved = root.resolve()
        if resolved not in seen:
            seen.add(resolved)
            yield root


def provider_for_model(model: str, default: str = "") -> str:
    """The API vendor a model name belongs to, for agents that do not record it."""
    m = model.lower().rsplit("/", 1)[-1]
    for prefixes, provider in _PROVIDERS:
        if m.startswith(prefixes):
            return provider
    return default


_PROVIDERS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("claude", "anthropic"), "anthropic"),
    (("gpt", "o1", "o3", "o4", "codex", "chatgpt"), "openai"),
    (("gemini", "gemma"), "google"),
    (("qwen", "qwq"), "alibaba"),
    (("kimi", "moonshot"), "moonshot"),
    (("grok",), "xai"),
    (("deepseek",), "deepseek"),
    (("glm",), "zhipu"),
    (("mistral", "devstral", "codestral"), "mistral"),
)


class OneFile:
    """A reader narrowed to one of its files (the statusline reads only its transcript)."""

    def __init__(self, source: LogSource, path: Path) -> None:
        self._source = source
        self._path = path

    def __getattr__(self, name: str) -> Any:
        return getattr(self._source, name)  # name, splittable, roots, context, parse, …

    def discover(self) -> Iterator[Path]:
        yield self._path
