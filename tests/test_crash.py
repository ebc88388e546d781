"""kill -9 at any moment, then run again: the totals converge, nothing lost or doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("input_tokens", "output_tokens", "cache_creation_tokens", "cache_read_tokens")


def _daily(env: dict[str, str], agent: str) -> dict[str, dict[str, int]]:
    out = subprocess.run(
        [sys.executable, "-m", "aiusage", "daily", "--json", "--tz", "UTC", "--agent", agent],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return {d["date"]: {f: d[f] for f in FIELDS} for d in json.loads(out.stdout)["days"]}


def test_kill_9_during_scans_converges_to_exact_totals(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "gen_corpus.py"),
            "--out",
            str(corpus),
            "--size-mb",
            "60",
            "--seed",
            "3",
        ],
        check=True,
        capture_output=True,
    )
    expected = json.loads((corpus / "expected.json").read_text())
    want = {
        agent: {day: {f: t[f] for f in FIELDS} for day, t in expected[agent]["days"].items()}
        for agent in ("claude", "codex")
    }
    killed = 0
    # Each home is killed at a different moment of its first scan (some mid-write), then
    # once more during the resumed scan, and then allowed to finish.
    for n, delay in enumerate((0.35, 0.5, 0.65, 0.8, 1.0)):
        env = dict(os.environ)
        env.update(
            AIUSAGE_HOME=str(tmp_path / f"home{n}"),
            CLAUDE_CONFIG_DIR=str(corpus / "claude"),
            CODEX_HOME=str(corpus / "codex"),
        )
        for wait in (delay, 0.4):
            killed += _run_and_kill(env, wait)
        for agent in ("claude", "codex"):
            assert _daily(env, agent) == want[agent], f"{agent} after kills at {delay}s"
    assert killed >= 3, "the scans finished before they could be killed: use a bigger corpus"


def _run_and_kill(env: dict[str, str], delay: float) -> int:
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiusage", "daily", "--json", "--tz", "UTC"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(delay)
    if proc.poll() is not None:
        return 0
    os.killpg(proc.pid, signal.SIGKILL)  # the scan and its worker processes
    proc.wait()
    return 1
