#!/usr/bin/env python3
"""Latency of `aiusage statusline` on a warm store, side by side with `ccusage statusline`.

Usage: ``python bench/statusline.py --corpus /tmp/corpus [--runs 30]``

The store is warmed with one full `aiusage daily` first (as a user's would be). Each run
then sends Claude Code's hook JSON (with ``rate_limits``) for one of the corpus' sessions
on stdin, as Claude Code does after every message, with ~2 KB appended to that transcript
between runs. Prints median and p95 wall time per command.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
AIUSAGE = BENCH.parent / ".venv" / "bin" / "aiusage"
CCUSAGE = BENCH / "node_modules" / "@ccusage" / "ccusage-linux-x64" / "bin" / "ccusage"


def payload(transcript: Path) -> str:
    resets = int(time.time()) + 3 * 3600
    return json.dumps(
        {
            "hook_event_name": "Status",
            "session_id": transcript.stem,
            "transcript_path": str(transcript),
            "cwd": "/home/dev/work",
            "model": {"id": "claude-opus-4-5-20251101", "display_name": "Opus 4.5"},
            "workspace": {"current_dir": "/home/dev/work", "project_dir": "/home/dev/work"},
            "version": "2.1.80",
            "cost": {"total_cost_usd": 1.23, "total_duration_ms": 45000},
            "rate_limits": {
                "five_hour": {"used_percentage": 23.5, "resets_at": resets},
                "seven_day": {"used_percentage": 41.0, "resets_at": resets + 86400},
            },
        }
    )


def timed(cmd: list[str], stdin: str, env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env)
    return time.perf_counter() - t0, proc.stdout.strip().splitlines()[-1:][
        0
    ] if proc.stdout.strip() else proc.stderr[-200:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    claude = args.corpus / "claude"
    sessions = sorted((claude / "projects").rglob("*.jsonl"), key=lambda p: p.stat().st_size)
    transcript = sessions[len(sessions) // 2]  # a typical session, not the largest
    work = Path(tempfile.mkdtemp(prefix="aiusage-statusline-"))
    copy = work / "projects" / transcript.parent.name / transcript.name
    copy.parent.mkdir(parents=True)
    copy.write_bytes(transcript.read_bytes())
    env = {
        **os.environ,
        "HOME": str(work / "home"),
        "AIUSAGE_HOME": str(work / "aiusage"),
        "CLAUDE_CONFIG_DIR": f"{claude},{work}",
        "CODEX_HOME": str(work / "none"),
    }
    # As installed: bytecode compiled (this machine sets PYTHONDONTWRITEBYTECODE, so a
    # source edited since `dev.py` ran would be recompiled on every call).
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(BENCH.parent / "src")], check=True
    )
    subprocess.run([str(AIUSAGE), "daily", "--json"], env=env, capture_output=True, check=True)
    line = copy.read_text().splitlines()[-1]
    results: dict[str, list[float]] = {"aiusage statusline": []}
    sample = {}
    for i in range(args.runs):
        with copy.open("a") as fh:  # Claude Code appends before each statusline call
            fh.write(line.replace('"msg_', f'"msg_b{i}_', 1) + "\n")
        seconds, out = timed([str(AIUSAGE), "statusline"], payload(copy), env)
        results["aiusage statusline"].append(seconds)
        sample["aiusage statusline"] = out
    if CCUSAGE.exists():
        results["ccusage statusline --offline"] = []
        for _ in range(min(args.runs, 10)):
            seconds, out = timed([str(CCUSAGE), "statusline", "--offline"], payload(copy), env)
            results["ccusage statusline --offline"].append(seconds)
            sample["ccusage statusline --offline"] = out
    print(f"corpus {args.corpus} ({sum(p.stat().st_size for p in sessions) / 1e6:,.0f} MB Claude)")
    print(f"{'command':32} {'median':>8} {'p95':>8}  runs  output")
    for name, times in results.items():
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        median = statistics.median(times) * 1000
        print(f"{name:32} {median:7.0f}ms {p95 * 1000:7.0f}ms  {len(times):4}  {sample[name][:70]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
