"""kill -9 while `aiusage daily` scans logs that are still growing; the next run is exact.

The synthetic corpus (bench/gen_corpus.py) comes with the per-day UTC totals a correct
reader must produce. Its files are served in two halves: each half is scanned by real
`aiusage` processes that are SIGKILLed at seeded random moments (during start-up, the scan,
the write or the rollup) later and later until one finishes. The second half is appended to the
same files, so the killed scans resume from the cursors the first half left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("input_tokens", "output_tokens", "cache_creation_tokens", "cache_read_tokens")
AGENTS = {"claude": FIELDS, "codex": (*FIELDS, "reasoning_tokens")}
CORPUS = ("--size-mb", "8", "--seed", "3")
MAX_DELAY = 2.5  # seconds; a run on a slow machine is killed up to this late


def _generate(out: Path) -> dict[str, Any]:
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "gen_corpus.py"), "--out", str(out), *CORPUS],
        check=True,
        capture_output=True,
    )
    expected: dict[str, Any] = json.loads((out / "expected.json").read_text())
    return expected


def _serve(corpus: Path, live: Path, fraction: float) -> int:
    """Make every live file the first ``fraction`` of its corpus file, cut after a newline
    (appending to what is there). Returns how many files grew."""
    grew = 0
    for src in sorted(corpus.rglob("*.jsonl")):
        data = src.read_bytes()
        cut = len(data) if fraction >= 1 else data.rfind(b"\n", 0, int(len(data) * fraction)) + 1
        dst = live / src.relative_to(corpus)
        dst.parent.mkdir(parents=True, exist_ok=True)
        have = dst.stat().st_size if dst.exists() else 0
        if cut > have:
            with open(dst, "ab") as fh:
                fh.write(data[have:cut])
            grew += 1
    return grew


def _aiusage(*args: str) -> list[str]:
    return [sys.executable, "-m", "aiusage", *args]


def _kill_during_run(env: dict[str, str], delay: float) -> bool:
    """Start a report (which scans first); SIGKILL it after ``delay`` s if still running."""
    proc = subprocess.Popen(
        _aiusage("daily", "--json", "--tz", "UTC"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: worker processes die with it
    )
    time.sleep(delay)
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    _, err = proc.communicate()
    # it may have finished between the poll and the kill: that run simply completed
    assert proc.returncode in (0, -signal.SIGKILL), err.decode(errors="replace")
    return proc.returncode == -signal.SIGKILL


def _database_is_sound(db: Path) -> None:
    if not db.exists():
        return  # killed before the store was created
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()


def _daily(env: dict[str, str], agent: str) -> dict[str, dict[str, int]]:
    done = subprocess.run(
        _aiusage("daily", "--json", "--tz", "UTC", "--agent", agent, "--no-refresh"),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    fields = AGENTS[agent]
    return {
        day["date"]: {**{f: day[f] for f in fields}, "events": day["requests"]}
        for day in json.loads(done.stdout)["days"]
    }


def test_kill_9_during_growing_scans_then_exact_totals(tmp_path: Path) -> None:
    corpus, live = tmp_path / "corpus", tmp_path / "live"
    expected = _generate(corpus)
    home = tmp_path / "home"
    env = {
        **os.environ,
        "AIUSAGE_HOME": str(home),
        "CLAUDE_CONFIG_DIR": str(live / "claude"),
        "CODEX_HOME": str(live / "codex"),
    }
    rng = random.Random(3)
    killed: list[float] = []
    for fraction in (0.5, 1.0):
        assert _serve(corpus, live, fraction) > 0
        # Kill later and later (start-up, reading, writing, rollup …) until a run outlives
        # its kill; every killed run leaves the store for the next one to resume from.
        delay = 0.04
        while delay < MAX_DELAY and _kill_during_run(env, delay):
            killed.append(round(delay, 3))
            _database_is_sound(home / "aiusage.db")
            delay *= rng.uniform(1.15, 1.4)
        finish = subprocess.run(
            _aiusage("daily", "--json", "--tz", "UTC"), env=env, capture_output=True, check=True
        )
        assert json.loads(finish.stdout)["days"]
    assert len(killed) >= 2, "the runs finished before their kills: use a bigger corpus"

    for agent, fields in AGENTS.items():
        want = {
            day: {**{f: t[f] for f in fields}, "events": t["events"]}
            for day, t in expected[agent]["days"].items()
        }
        got = _daily(env, agent)
        assert got == want, f"{agent}: per-day totals differ after kills at {killed}"
