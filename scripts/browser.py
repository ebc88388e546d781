#!/usr/bin/env python3
"""The Chromium that the browser tests and the screenshot script drive (stdlib only).

Why Debian's chromium and not Playwright's own download: the test machines reach the
package registries only, so `playwright install` cannot fetch its browser build; Playwright
drives any recent Chromium through `executable_path`. `ensure_chromium()` finds it, and
when it is missing and we are root with apt-get (CI, a fresh container) installs it, as
scripts/pg.py does for PostgreSQL. Anywhere else it fails with the command that fixes it:
the browser tests never skip silently.

Run directly to print the path (installing first if needed).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import aptget  # scripts/aptget.py, beside this file (the callers put scripts/ on sys.path)

ENV_VAR = "AIUSAGE_CHROMIUM"
CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
PACKAGES = ("chromium", "fonts-liberation")  # fonts: screenshots look as on a desktop
#: Flags for a headless run in a container: no sandbox (root), no GPU, no phoning home.
ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
INSTALL_HINT = (
    "Chromium was not found (looked at $AIUSAGE_CHROMIUM, /usr/bin/chromium, "
    "/usr/bin/chromium-browser and PATH).\n"
    "Install it, e.g. on Debian/Ubuntu:\n"
    "    sudo apt-get install -y chromium fonts-liberation\n"
    "(or rerun this command as root, which installs it automatically),\n"
    "or point AIUSAGE_CHROMIUM at a Chromium or Chrome executable you already have."
)


class BrowserError(RuntimeError):
    """Chromium could not be provided."""


def _log(message: str) -> None:
    print(f"browser: {message}", file=sys.stderr, flush=True)


def find_chromium() -> Path | None:
    """The Chromium to drive: $AIUSAGE_CHROMIUM, then Debian's paths, then PATH."""
    given = os.environ.get(ENV_VAR)
    if given:
        return Path(given) if os.access(given, os.X_OK) else None
    for path in CANDIDATES:
        if os.access(path, os.X_OK):
            return Path(path)
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def ensure_chromium(install: bool = True) -> Path:
    """Find Chromium, installing it with apt-get when root; raise BrowserError otherwise."""
    found = find_chromium()
    if found is not None:
        return found
    if os.environ.get(ENV_VAR):
        raise BrowserError(f"${ENV_VAR}={os.environ[ENV_VAR]} is not an executable file")
    if not (install and aptget.can_install()):
        raise BrowserError(INSTALL_HINT)
    _log("Chromium not found; installing it with apt-get (takes a minute or two)...")
    failed = aptget.install(PACKAGES)
    if failed:
        raise BrowserError(failed)
    found = find_chromium()
    if found is None:
        raise BrowserError("apt-get installed chromium but no executable was found")
    return found


if __name__ == "__main__":
    try:
        print(ensure_chromium())
    except BrowserError as exc:
        sys.exit(f"browser: {exc}")
