#!/usr/bin/env python3
"""Photograph `aiusage top` in a real terminal (tmux) for the README.

    .venv/bin/python scripts/tui_screenshot.py [--out docs/screenshots] [--keep DIR]

Builds the demo home as scripts/screenshots.py does (`aiusage demo --once`: 75 days of
agent logs and eight accounts on loopback fakes, two budgets, the alert rules evaluated),
starts `aiusage top --no-collect` in a detached tmux session of 120x36 cells (the demo's
fake providers are gone after --once, so the monitor only shows what was stored), waits
until it has drawn, and captures the pane twice: as plain text (tui.txt) and with its
colours (tmux capture-pane -e), which Rich turns into HTML and Chromium
(scripts/browser.py) photographs as tui.png. Look at the picture before committing it.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import browser  # noqa: E402  (scripts/browser.py)
import screenshots  # noqa: E402  (scripts/screenshots.py: the demo home)

SIZE = (120, 36)
SESSION = "aiusage-top-shot"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def run_top(home: Path) -> None:
    """`aiusage top` in a detached tmux session, in true colour like a modern terminal."""
    width, height = SIZE
    command = shlex.join([sys.executable, "-m", "aiusage", "top", "--no-collect"])
    env = f"AIUSAGE_HOME={shlex.quote(str(home))} COLORTERM=truecolor TERM=xterm-256color"
    tmux("kill-session", "-t", SESSION) if has_session() else None
    tmux("new-session", "-d", "-s", SESSION, "-x", str(width), "-y", str(height),
         f"env {env} {command}")  # fmt: skip


def has_session() -> bool:
    return (
        subprocess.run(["tmux", "has-session", "-t", SESSION], capture_output=True).returncode == 0
    )


def wait_drawn() -> None:
    """Until the table and the chart are on screen, then a second for the countdowns."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = tmux("capture-pane", "-p", "-t", SESSION)
        if "Sources" in text and "Cost per hour" in text and "Budgets" in text:
            time.sleep(1.5)
            return
        time.sleep(0.3)
    sys.exit("aiusage top did not draw in 30 s:\n" + tmux("capture-pane", "-p", "-t", SESSION))


PAGE = """<!doctype html>
<meta charset="utf-8">
<style>
  body {{ margin: 0; background: #e8eaed; }}
  .window {{ display: inline-block; margin: 16px; border-radius: 8px; overflow: hidden;
            box-shadow: 0 4px 18px rgba(0, 0, 0, .35); background: {background}; }}
  .bar {{ height: 28px; background: #3c3f41; color: #ddd; font: 13px sans-serif;
         display: flex; align-items: center; justify-content: center; position: relative; }}
  .dots {{ position: absolute; left: 12px; display: flex; gap: 8px; }}
  .dots i {{ width: 12px; height: 12px; border-radius: 50%; display: block; }}
  .screen {{ padding: 6px 8px; color: {foreground};
            font: 15px "DejaVu Sans Mono", monospace; }}
  .screen div {{ white-space: pre; height: {line}px; line-height: {line}px; }}
  .screen span {{ display: inline-block; height: {line}px; vertical-align: top; }}
</style>
<div class="window">
  <div class="bar"><span class="dots"><i style="background:#ff5f57"></i>
    <i style="background:#febc2e"></i><i style="background:#28c840"></i></span>aiusage top</div>
  <div class="screen">{rows}</div>
</div>
"""
BACKGROUND, FOREGROUND = "#121212", "#e0e0e0"  # Textual's dark theme
LINE_PX = 18
FULL = "\u2588"  # a full block: drawn as a filled cell, so bars have no seams
LOWER = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587"  # one to seven eighths, from below


def to_html(ansi: str) -> str:
    """The captured cells as HTML, a fixed-height row per line. Full and lower blocks (the
    chart's bars, the gauges) become cells filled with their colour: a font's block glyph
    rarely fills its cell exactly, and a browser would show seams a terminal does not."""
    from html import escape

    from rich.ansi import AnsiDecoder
    from rich.console import Console

    console = Console(width=SIZE[0], force_terminal=True, color_system="truecolor")
    rows = []
    # one decoder for the whole capture: tmux carries colours over from line to line
    for line in AnsiDecoder().decode(ansi.rstrip("\n")):
        spans = []
        for segment in line.render(console):
            style = segment.style
            fg = _hex(style.color if style else None, FOREGROUND)
            bg = _hex(style.bgcolor if style else None, BACKGROUND)
            bold = ";font-weight:bold" if style and style.bold else ""
            for run in re.split(f"({FULL}+|[{LOWER}])", segment.text):
                if run.startswith(FULL):
                    spans.append(f'<span style="background:{fg}">{" " * len(run)}</span>')
                elif run and run in LOWER:  # the top of a bar: filled from below
                    cut = (LOWER.index(run) + 1) * 100 // 8
                    fill = f"linear-gradient(to top, {fg} {cut}%, {bg} {cut}%)"
                    spans.append(f'<span style="background:{fill}"> </span>')
                elif run:
                    css = f"color:{fg};background:{bg}{bold}"
                    spans.append(f'<span style="{css}">{escape(run)}</span>')
        rows.append(f"<div>{''.join(spans)}</div>")
    return PAGE.format(
        background=BACKGROUND, foreground=FOREGROUND, line=LINE_PX, rows="\n".join(rows)
    )


def _hex(color: object, default: str) -> str:
    from rich.color import Color

    if not isinstance(color, Color) or color.is_default:
        return default
    return color.get_truecolor().hex


def to_png(page_file: Path, png: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = browser.ensure_chromium()
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(chromium), args=list(browser.ARGS))
        page = launched.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(page_file.as_uri())
        page.locator(".window").screenshot(path=str(png))
        launched.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--keep", type=Path, help="build the demo home here and keep it")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="aiusage-top-") as tmp:
        home = args.keep or Path(tmp) / "demo"
        screenshots.aiusage(home, "demo", "--once", "--home", str(home), "--days", screenshots.DAYS)
        screenshots.add_budgets(home)
        run_top(home)
        try:
            wait_drawn()
            plain = tmux("capture-pane", "-p", "-t", SESSION)
            ansi = tmux("capture-pane", "-p", "-e", "-N", "-t", SESSION)
        finally:
            tmux("send-keys", "-t", SESSION, "q")
            time.sleep(0.5)
            if has_session():
                tmux("kill-session", "-t", SESSION)
        (args.out / "tui.txt").write_text(plain, encoding="utf-8")
        html = Path(tmp) / "tui.html"
        html.write_text(to_html(ansi), encoding="utf-8")
        to_png(html, args.out / "tui.png")
    for name in ("tui.txt", "tui.png"):
        print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    os.environ.pop("NO_COLOR", None)
    sys.exit(main())
