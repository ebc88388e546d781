#!/usr/bin/env python3
"""Install Debian packages for the test command when we may (stdlib only).

Why one place: PostgreSQL (pg.py), Chromium (browser.py) and Qt's libraries (qtlibs.py)
are each installed the same way on CI and in fresh containers: as root with apt-get,
quietly, without recommends; anywhere else the caller prints the command to run instead.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Sequence


def can_install() -> bool:
    """Root with apt-get: we may install packages ourselves."""
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def install(packages: Sequence[str]) -> str | None:
    """`apt-get update`, then install ``packages``; None, or what failed and its output."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (
        ["apt-get", "-qq", "update"],
        ["apt-get", "-qq", "install", "-y", "--no-install-recommends", *packages],
    ):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            return (
                f"`{shlex.join(cmd)}` failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
            )
    return None
