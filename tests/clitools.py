"""Running the real CLI as a user does: a subprocess with its own AIUSAGE_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(
    home: Path,
    *args: str,
    timeout: float = 60,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m aiusage ARGS`` with ``home`` as AIUSAGE_HOME, no colour, 120 columns;
    ``env`` adds or replaces variables; ``stdin`` (if given) is its standard input."""
    env = {
        **os.environ,
        "AIUSAGE_HOME": str(home),
        "NO_COLOR": "1",
        "COLUMNS": "120",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "aiusage", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
