#!/usr/bin/env python3
"""Compare `aiusage blocks --json` with `ccusage blocks --json` on the bench corpus.

Usage: ``python bench/blocks.py --corpus /tmp/corpus``

ccusage's blocks are Claude Code only, so aiusage runs with ``--agent claude-code``. Both
run on a fresh home. Checked, block by block:

* the same blocks (start, end, and which are gaps) — start times must match exactly;
* aiusage's blocks add up to the corpus' ground truth (expected.json) exactly;
* the same token totals per block, or a difference fully explained by ccusage's known
  deviations, found by reading the corpus: it skips the lines its byte pre-filter misses
  (``spaced_json``, ``costusd_null``), it counts a sidechain replay of a parent message
  when it meets the replay before the parent (same timestamp, so order-dependent), and
  its ``entries`` include zero-usage ``<synthetic>`` API-error lines. A block differs
  "explained" only when the difference equals exactly those lines' tokens.

Exit status 1 when anything differs that these do not explain.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
AIUSAGE = BENCH.parent / ".venv" / "bin" / "aiusage"
CCUSAGE = BENCH / "node_modules" / "@ccusage" / "ccusage-linux-x64" / "bin" / "ccusage"
FIELDS = ("input_tokens", "output_tokens", "cache_creation_tokens", "cache_read_tokens")
CC_FIELDS = {
    "input_tokens": "inputTokens",
    "output_tokens": "outputTokens",
    "cache_creation_tokens": "cacheCreationInputTokens",
    "cache_read_tokens": "cacheReadInputTokens",
}

Block = dict[str, Any]


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def ours(doc: dict[str, Any]) -> dict[int, Block]:
    return {
        epoch(b["start"]): {
            "end": epoch(b["end"]),
            "gap": b["is_gap"],
            "requests": b.get("requests", 0),
            **{f: b.get(f, 0) for f in FIELDS},
        }
        for b in doc["blocks"]
    }


def theirs(doc: dict[str, Any]) -> dict[int, Block]:
    return {
        epoch(b["startTime"]): {
            "end": epoch(b["endTime"]),
            "gap": b["isGap"],
            "requests": b.get("entries", 0),
            **{f: b["tokenCounts"][cc] for f, cc in CC_FIELDS.items()},
        }
        for b in doc["blocks"]
    }


Tokens = tuple[int, int, int, int]  # in FIELDS order
FIVE_HOURS = 5 * 3600


@dataclass
class Quirks:
    """Per UTC second: lines ccusage treats differently (see the module docstring)."""

    skipped: list[tuple[int, Tokens]] = field(default_factory=list)
    replays: list[tuple[int, Tokens]] = field(default_factory=list)
    synthetic: list[int] = field(default_factory=list)
    ours: list[int] = field(default_factory=list)  # every counted response's time
    theirs: list[int] = field(default_factory=list)  # the entries ccusage sees

    def within(self, lo: int, hi: int) -> tuple[Tokens, list[Tokens], int, int]:
        skipped = [t for ts, t in self.skipped if lo <= ts < hi]
        total = tuple(sum(t[i] for t in skipped) for i in range(4))
        replays = [t for ts, t in self.replays if lo <= ts < hi]
        synthetic = sum(1 for ts in self.synthetic if lo <= ts < hi)
        return total, replays, len(skipped), synthetic  # type: ignore[return-value]


def read_quirks(claude: Path) -> Quirks:
    """One pass over the corpus' assistant lines, keeping each response's fullest copy."""
    best: dict[tuple[str, str], tuple[int, Tokens, bool, bool]] = {}
    synthetic: dict[tuple[str, str, int], int] = {}  # a resumed session copies them too
    main_requests: dict[str, set[str]] = {}
    quirks = Quirks()
    for path in sorted((claude / "projects").rglob("*.jsonl")):
        with path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if '"assistant"' not in line:
                    continue
                try:
                    doc = json.loads(line)
                    message = doc["message"]
                    ts = epoch(doc["timestamp"])
                except (ValueError, KeyError, TypeError):
                    continue
                if message.get("model") == "<synthetic>":
                    synthetic[(message.get("id") or "", doc.get("requestId") or "", ts)] = ts
                    continue
                usage = message.get("usage") or {}
                tokens = (
                    usage.get("input_tokens") or 0,
                    usage.get("output_tokens") or 0,
                    usage.get("cache_creation_input_tokens") or 0,
                    usage.get("cache_read_input_tokens") or 0,
                )
                key = (message.get("id") or "", doc.get("requestId") or "")
                side = bool(doc.get("isSidechain"))
                if not side:
                    main_requests.setdefault(key[0], set()).add(key[1])
                missed = '"usage":{' not in line or '"costUSD":null' in line
                old = best.get(key)
                if old is None or sum(tokens) > sum(old[1]):
                    best[key] = (ts, tokens, side, missed)
    quirks.synthetic = list(synthetic.values())
    quirks.theirs = list(quirks.synthetic)
    for (msg, request), (ts, tokens, side, missed) in best.items():
        if side and request not in main_requests.get(msg, {request}):
            quirks.replays.append((ts, tokens))
            quirks.theirs.append(ts)  # the same second as its parent
            continue
        quirks.ours.append(ts)
        if missed:
            quirks.skipped.append((ts, tokens))
        else:
            quirks.theirs.append(ts)
    return quirks


def block_starts(times: list[int]) -> set[tuple[int, bool]]:
    """ccusage's block rule on a timeline: (start, is_gap) of every block."""
    starts: set[tuple[int, bool]] = set()
    start = last = None
    for t in sorted(times):
        if start is None or last is None or t - start > FIVE_HOURS or t - last > FIVE_HOURS:
            if last is not None and t - last > FIVE_HOURS:
                starts.add((last + FIVE_HOURS, True))
            start = t - t % 3600
            starts.add((start, False))
        last = t
    return starts


def explain(diff: Block, quirks: Quirks, lo: int, hi: int) -> bool:
    """Whether ccusage - aiusage in [lo, hi) is exactly some replays minus skipped lines."""
    skipped, replays, n_skipped, synthetic = quirks.within(lo, hi)
    for size in range(len(replays) + 1):
        for chosen in combinations(replays, size):
            tokens = [sum(t[i] for t in chosen) - skipped[i] for i in range(4)]
            entries = size - n_skipped + synthetic
            if tokens == [diff[f] for f in FIELDS] and entries == diff["requests"]:
                return True
    return False


def timed_json(cmd: list[str], env: dict[str, str]) -> tuple[float, Any]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, json.loads(proc.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    args = parser.parse_args()
    if not CCUSAGE.exists():
        print(f"ccusage not found at {CCUSAGE}: run `npm install` in bench/ first")
        return 2
    work = Path(tempfile.mkdtemp(prefix="aiusage-blocks-"))
    env = {
        **os.environ,
        "HOME": str(work / "home"),
        "AIUSAGE_HOME": str(work / "aiusage"),
        "CLAUDE_CONFIG_DIR": str(args.corpus / "claude"),
        "CODEX_HOME": str(work / "none"),
    }
    cmd = [str(AIUSAGE), "blocks", "--json", "--agent", "claude-code", "--tz", "UTC"]
    our_s, our_doc = timed_json(cmd, env)
    their_s, their_doc = timed_json([str(CCUSAGE), "blocks", "--json", "--offline"], env)
    a, b = ours(our_doc), theirs(their_doc)
    expected = json.loads((args.corpus / "expected.json").read_text())
    truth = expected["claude"]["totals"]
    quirks = read_quirks(args.corpus / "claude")

    only_ours = sorted(set(a) - set(b))
    only_theirs = sorted(set(b) - set(a))
    common = sorted(set(a) & set(b))
    shape = [s for s in common if (a[s]["end"], a[s]["gap"]) != (b[s]["end"], b[s]["gap"])]
    real = [s for s in common if not a[s]["gap"]]
    same, explained, unexplained = [], [], []
    for s in real:
        diff = {f: b[s][f] - a[s][f] for f in (*FIELDS, "requests")}
        _, _, _, synthetic = quirks.within(s, a[s]["end"])
        if all(diff[f] == 0 for f in FIELDS) and diff["requests"] == synthetic:
            same.append(s)
        elif explain(diff, quirks, s, a[s]["end"]):
            explained.append(s)
        else:
            unexplained.append(s)
    summed = {f: sum(v[f] for v in a.values()) for f in FIELDS}
    exact = all(summed[f] == truth[f] for f in FIELDS)
    # A gap starts 5 h after the last entry before it, so a line only one side counts can
    # move or remove it: the block rule run on each side's timeline must give its starts.
    gap_only = all(a.get(s, b.get(s, {})).get("gap") for s in only_ours + only_theirs)
    ours_rule = block_starts(quirks.ours) == {(s, v["gap"]) for s, v in a.items()}
    theirs_rule = block_starts(quirks.theirs) == {(s, v["gap"]) for s, v in b.items()}

    print(f"corpus {args.corpus}: Claude Code blocks, aiusage vs ccusage 20 (--offline)")
    print(f"  wall, cold:          aiusage {our_s:.2f} s   ccusage {their_s:.2f} s")
    print(f"  blocks:              aiusage {len(a)}   ccusage {len(b)}")
    print(
        f"  same start:          {len(common)}   only aiusage {len(only_ours)}   "
        f"only ccusage {len(only_theirs)}{'  (all gap blocks)' if gap_only else ''}"
    )
    print(f"  same end and kind:   {len(common) - len(shape)} of {len(common)}")
    print(f"  usage blocks:        {len(real)}")
    print(f"    identical tokens:  {len(same)}")
    print(f"    explained:         {len(explained)}  (ccusage's skipped lines / counted replays)")
    print(f"    unexplained:       {len(unexplained)}")
    print(f"  aiusage sum = ground truth: {'yes' if exact else 'NO'}")
    for f in FIELDS:
        print(f"    {f:24} {summed[f]:>16,} {truth[f]:>16,}")
    for s in (only_ours + only_theirs)[:6]:
        print(f"  unmatched gap start {datetime.fromtimestamp(s, UTC).isoformat()}")
    print(
        f"  block rule on each timeline gives its starts: aiusage "
        f"{'yes' if ours_rule else 'NO'}, ccusage {'yes' if theirs_rule else 'NO'}"
    )
    for s in unexplained[:6]:
        print(f"  unexplained block {datetime.fromtimestamp(s, UTC).isoformat()}")
    agree = exact and not unexplained and not shape and gap_only and ours_rule and theirs_rule
    print("AGREE" if agree else "DISAGREE", "(start times and token totals)")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
