"""``aiusage statusline``: Claude Code's statusline command — one line, fast, never failing.

Claude Code waits for this command after every message, so it takes the short path: no
Typer, no Rich, no scan of all logs. Any error prints a short fallback line and exits 0,
because a failing statusline would break the user's prompt, not ours.
"""

from __future__ import annotations

import json
import os
import select
import sys
import time
from typing import Any

USAGE = """Usage: aiusage statusline [--database URL]

Claude Code statusline command. Put this in ~/.claude/settings.json:

  {"statusLine": {"type": "command", "command": "aiusage statusline"}}

It reads the JSON Claude Code sends on stdin, stores the official 5-hour and weekly
readings it carries (subscribers), reads only the session's transcript, and prints:

  Opus 4.5 · session $0.42 · today $12.30 · 5h 23% ⟳ 1h12m · week 41%
"""

STDIN_WAIT_S = 0.5  # Claude Code writes the payload at once; a terminal sends nothing


def read_hook(stream: Any = None) -> dict[str, Any]:
    """The hook payload, or {} when there is none (run by hand in a terminal)."""
    stream = stream or sys.stdin
    try:
        if stream.isatty():
            return {}
        if hasattr(stream, "fileno"):
            ready, _, _ = select.select([stream], [], [], STDIN_WAIT_S)
            if not ready:
                return {}
    except (OSError, ValueError):
        pass  # not a real file (tests pass a StringIO): just read it
    text = stream.read()
    if not text.strip():
        return {}
    data = json.loads(text)
    return data if isinstance(data, dict) else {}


def run(args: list[str], stdin: Any = None, stdout: Any = None) -> int:
    """Print the statusline; always exit 0 (errors go into the fallback line)."""
    stdout = stdout or sys.stdout
    if "-h" in args or "--help" in args:
        stdout.write(USAGE)
        return 0
    database = None
    if "--database" in args:
        index = args.index("--database")
        database = args[index + 1] if index + 1 < len(args) else None
    hook: dict[str, Any] = {}
    try:
        hook = read_hook(stdin)
        from aiusage.app import AppContext, open_app, render_statusline

        now_ms = int(time.time() * 1000)
        application = open_app(AppContext(database_url=database))
        try:
            line = render_statusline(application.statusline(hook, now_ms), now_ms)
        finally:
            application.close()
    except Exception as exc:  # never fail the user's prompt
        model = hook.get("model") if isinstance(hook, dict) else None
        name = model.get("display_name") if isinstance(model, dict) else None
        reason = str(exc).splitlines()[0][:60] if str(exc) else type(exc).__name__
        line = f"{name or 'Claude'} · aiusage: {reason}"
        if os.environ.get("AIUSAGE_DEBUG"):
            import traceback

            traceback.print_exc()
    stdout.write(line + "\n")
    stdout.flush()
    return 0
