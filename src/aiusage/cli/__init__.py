"""The ``aiusage`` command line (Typer). Each command group lives in its own module."""

from __future__ import annotations

from aiusage.cli.main import app, main

__all__ = ["app", "main"]
