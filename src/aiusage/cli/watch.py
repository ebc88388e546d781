"""``--watch [SECONDS]``: redraw a report every few seconds until Ctrl-C.

Why each frame is drawn into a buffer first: a report prints several things (tables,
notes) to a console, and Rich's Live needs one renderable to redraw in place. On a
terminal the frame is redrawn where it stands (Live; a frame taller than the window is
cropped while watching, and printed whole when Ctrl-C stops it); written to a pipe or a
file, frames follow one another, each under its time stamp. Ctrl-C ends the watch with
exit code 0: it is how a watch is meant to stop.

Click can take an option whose value may be left out, but Typer does not pass that on,
so ``with_default_interval`` fills in the default where ``--watch`` stands alone.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console, Group, RenderableType
from rich.text import Text

DEFAULT_S = 5.0
MIN_S = 0.2
FLAG = "--watch"

Watch = Annotated[
    float | None,
    typer.Option(
        FLAG,
        metavar="[SECONDS]",
        help=f"Redraw every SECONDS (default {DEFAULT_S:g}), reading new log lines each "
        "time, until Ctrl-C.",
    ),
]


def with_default_interval(argv: Sequence[str]) -> list[str]:
    """``--watch`` followed by nothing or by another option gets the default interval."""
    out: list[str] = []
    for i, arg in enumerate(argv):
        out.append(arg)
        if arg == FLAG and not _is_number(argv[i + 1] if i + 1 < len(argv) else None):
            out.append(str(DEFAULT_S))
    return out


def _is_number(text: str | None) -> bool:
    try:
        float(text or "")
    except ValueError:
        return False
    return True


def refuse_json(watch: float | None, json_out: bool) -> None:
    if watch is not None and json_out:
        raise typer.BadParameter("--watch redraws a table; leave out --json")


def watch(draw: Callable[[Console], None], every: float, console: Console) -> None:
    """Call ``draw`` every ``every`` seconds and show what it printed, until Ctrl-C."""
    every = max(every, MIN_S)
    try:
        if console.is_terminal:
            _in_place(draw, every, console)
        else:
            while True:
                console.print(_frame(draw, every, console))
                console.print()
                console.file.flush()
                time.sleep(every)
    except KeyboardInterrupt:
        return


def _in_place(draw: Callable[[Console], None], every: float, console: Console) -> None:
    from rich.live import Live

    with Live(console=console, auto_refresh=False, vertical_overflow="crop") as screen:
        while True:
            screen.update(_frame(draw, every, console), refresh=True)
            time.sleep(every)


def _frame(draw: Callable[[Console], None], every: float, console: Console) -> RenderableType:
    """What ``draw`` prints, as one renderable, under a line saying when and how often."""
    buffer = Console(
        file=io.StringIO(),
        width=console.width,
        force_terminal=console.is_terminal,
        color_system="auto" if console.color_system else None,
        no_color=console.no_color,
        soft_wrap=False,
    )
    draw(buffer)
    assert isinstance(buffer.file, io.StringIO)
    stamp = datetime.now().strftime("%H:%M:%S")
    header = Text(f"Every {every:g} s · {stamp} · Ctrl-C stops", style="dim")
    return Group(header, Text.from_ansi(buffer.file.getvalue().rstrip("\n")))
