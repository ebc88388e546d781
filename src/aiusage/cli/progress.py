"""A progress bar for long scans, shown only when a scan will take more than a moment."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from rich.console import Console

SHOW_AFTER_BYTES = 64 << 20


class ScanProgress:
    def __init__(self, console: Console, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled and console.is_terminal
        self._bar: Any = None
        self._task: Any = None
        self._started = time.perf_counter()

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            if total < SHOW_AFTER_BYTES:
                return
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("Reading agent logs", total=total)
        self._bar.update(self._task, completed=done)

    def __enter__(self) -> ScanProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
