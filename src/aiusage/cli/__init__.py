"""The ``aiusage`` command line (Typer). Each command group lives in its own module.

``aiusage statusline`` skips Typer and Rich entirely: Claude Code runs it after every
message and it must answer in well under 100 ms.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["app", "main"]


def main() -> None:
    if sys.argv[1:2] == ["statusline"]:
        from aiusage.cli.statusline import run

        sys.exit(run(sys.argv[2:]))
    from aiusage.cli.main import main as typer_main

    typer_main()


def __getattr__(name: str) -> Any:
    if name == "app":  # the Typer app, imported only when asked for (tests, completion)
        from aiusage.cli.main import app

        return app
    raise AttributeError(name)
