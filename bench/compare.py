#!/usr/bin/env python3
"""Benchmark aiusage against ccusage on a generated corpus and check the per-day totals.

Usage::

    python bench/gen_corpus.py --out /tmp/corpus --size-mb 1000
    python bench/compare.py --corpus /tmp/corpus --runs 3 [--json-out results.json]

Timed cases (each child's rusage comes from os.wait4, so CPU and peak RSS are per child):

* aiusage cold: fresh empty AIUSAGE_HOME, ``aiusage daily --json --tz UTC`` (all agents,
  ``--agent claude`` and ``--agent codex``);
* aiusage warm: the same home again, no new data;
* aiusage after append: ~1 MB of new valid Claude lines appended to a few session files
  (truncated back afterwards; a sidecar file restores them if this script is killed);
* ccusage (native binary from bench/node_modules): ``daily``, ``claude daily`` and
  ``codex daily`` with ``--json --offline -z UTC``.

Every child runs with HOME pointing at an empty temp dir, so nothing from the real home leaks
in. Tokens per day must be identical to expected.json (ccusage: after removing the traps it is
known to skip, listed in expected.json meta.known_peer_differences); cost is shown as % diff.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
DEFAULT_AIUSAGE = BENCH.parent / ".venv" / "bin" / "aiusage"
NATIVE_CCUSAGE = BENCH / "node_modules" / "@ccusage" / "ccusage-linux-x64" / "bin" / "ccusage"
LAUNCHER_CCUSAGE = BENCH / "node_modules" / ".bin" / "ccusage"
SIDECAR = ".compare-append.json"
TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_creation_tokens", "cache_read_tokens")
# traps that make ccusage's cost differ by design (see expected.json traps / known differences)
COST_TRAPS = ("spaced_json", "costusd_null", "costusd_present", "over_200k_input")
GOALS = {"cold_ratio": 0.5, "rss_mb": 150.0, "warm_s": 0.25, "append_s": 0.5}

Days = dict[str, dict[str, float]]


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    """One child process: wall/CPU seconds, peak RSS, exit code and output."""

    wall: float
    cpu: float
    rss_mb: float
    rc: int
    stdout: bytes = field(repr=False)
    stderr: bytes = field(repr=False)


def run(cmd: list[str], env: dict[str, str]) -> Run:
    """Run ``cmd`` to completion; rusage via os.wait4 so it is this child's alone."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped
        out.seek(0)
        err.seek(0)
        return Run(
            wall,
            ru.ru_utime + ru.ru_stime,
            ru.ru_maxrss / 1024,
            proc.returncode,
            out.read(),
            err.read(),
        )


@dataclass
class Case:
    """A timed case and its samples."""

    name: str
    samples: list[Run] = field(default_factory=list)
    error: str | None = None

    def add(self, r: Run) -> Run:
        self.samples.append(r)
        if r.rc != 0 and self.error is None:
            self.error = f"exit {r.rc}: {r.stderr.decode(errors='replace')[-400:].strip()}"
        return r

    def ok(self) -> list[Run]:
        return [r for r in self.samples if r.rc == 0]

    def stats(self) -> dict[str, Any]:
        ok = self.ok()
        if not ok:
            return {"runs": 0, "error": self.error or "not run"}
        walls = [r.wall for r in ok]
        return {
            "runs": len(ok),
            "wall_s": statistics.median(walls),
            "wall_min_s": min(walls),
            "wall_max_s": max(walls),
            "cpu_s": statistics.median(r.cpu for r in ok),
            "rss_mb": max(r.rss_mb for r in ok),
            "error": self.error,
        }

    def last_json(self) -> Any:
        ok = self.ok()
        if not ok:
            return None
        try:
            return json.loads(ok[-1].stdout)
        except ValueError as e:
            self.error = self.error or f"bad JSON on stdout: {e}"
            return None


# --------------------------------------------------------------------------- appending


def _load_sidecar(corpus: Path) -> None:
    """Undo an append left behind by a killed run."""
    side = corpus / SIDECAR
    if not side.exists():
        return
    for rec in json.loads(side.read_text()):
        _restore(Path(rec["path"]), rec["size"], rec["mtime_ns"])
    side.unlink()
    print(f"restored files from a previous interrupted run ({side})", file=sys.stderr)


def _restore(path: Path, size: int, mtime_ns: int) -> None:
    with open(path, "r+b") as f:
        f.truncate(size)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def _append_targets(corpus: Path, n: int) -> list[Path]:
    """The largest main session file plus a few mid-sized ones, each ending in a newline."""
    files = []
    for p in sorted((corpus / "claude" / "projects").glob("*/*.jsonl")):
        size = p.stat().st_size
        if size:
            with open(p, "rb") as f:
                f.seek(size - 1)
                if f.read(1) == b"\n":
                    files.append((size, p))
    files.sort(reverse=True)
    if not files:
        raise SystemExit(f"no Claude session file to append to under {corpus}")
    picks = [files[0][1]] + [p for _, p in files[len(files) // 3 :: max(1, len(files) // 7)]]
    return picks[:n]


@contextmanager
def appended(corpus: Path, day: str, target_mb: float, nfiles: int = 3) -> Iterator[Days]:
    """Append new valid Claude lines; yield the per-day token delta; restore the files."""
    targets = _append_targets(corpus, nfiles)
    originals = [
        {"path": str(p), "size": p.stat().st_size, "mtime_ns": p.stat().st_mtime_ns}
        for p in targets
    ]
    (corpus / SIDECAR).write_text(json.dumps(originals))
    delta: Days = {day: dict.fromkeys((*TOKEN_FIELDS, "events"), 0)}
    filler = "appended tool output line with some usage text and numbers 0123456789 " * 40
    budget = int(target_mb * 1024 * 1024)
    written, i = 0, 0
    try:
        while written < budget:
            path = targets[i % len(targets)]
            sid = path.stem
            ts = f"{day}T12:{(i // 60) % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z"
            usage = {
                "input_tokens": 3 + i % 7,
                "cache_creation_input_tokens": 900 + i,
                "cache_read_input_tokens": 60_000 + 37 * i,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": 900 + i,
                    "ephemeral_1h_input_tokens": 0,
                },
                "output_tokens": 150 + 3 * i,
                "service_tier": "standard",
            }
            assistant = {
                "parentUuid": None,
                "isSidechain": False,
                "userType": "external",
                "cwd": "/home/dev/bench",
                "sessionId": sid,
                "version": "2.0.76",
                "gitBranch": "main",
                "type": "assistant",
                "message": {
                    "model": "claude-sonnet-4-5-20250929",
                    "id": f"msg_01BENCH{i:016d}",
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "text", "text": filler[: 2000 + i % 500]}],
                    "stop_reason": "end_turn",
                    "stop_sequence": None,
                    "usage": usage,
                },
                "requestId": f"req_011CBENCH{i:016d}",
                "uuid": f"bench-a-{i}",
                "timestamp": ts,
            }
            user = {
                "parentUuid": f"bench-a-{i}",
                "isSidechain": False,
                "userType": "external",
                "cwd": "/home/dev/bench",
                "sessionId": sid,
                "version": "2.0.76",
                "gitBranch": "main",
                "type": "user",
                "message": {
                    "role": "user",
                    "content": [
                        {
                            "tool_use_id": f"toolu_01BENCH{i:014d}",
                            "type": "tool_result",
                            "content": filler * 3,
                        }
                    ],
                },
                "uuid": f"bench-u-{i}",
                "timestamp": ts,
            }
            data = (
                json.dumps(assistant, separators=(",", ":"))
                + "\n"
                + json.dumps(user, separators=(",", ":"))
                + "\n"
            ).encode()
            with open(path, "ab") as f:
                f.write(data)
            written += len(data)
            d = delta[day]
            d["input_tokens"] += usage["input_tokens"]
            d["output_tokens"] += usage["output_tokens"]
            d["cache_creation_tokens"] += usage["cache_creation_input_tokens"]
            d["cache_read_tokens"] += usage["cache_read_input_tokens"]
            d["events"] += 1
            i += 1
        yield delta
    finally:
        for rec in originals:
            _restore(Path(rec["path"]), rec["size"], rec["mtime_ns"])
        (corpus / SIDECAR).unlink(missing_ok=True)


# --------------------------------------------------------------------------- normalising


def norm_aiusage(doc: Any) -> Days:
    """aiusage ``daily --json`` -> {day: fields}."""
    out: Days = {}
    for d in (doc or {}).get("days", []):
        out[d["date"]] = {
            **{f: d.get(f, 0) for f in TOKEN_FIELDS},
            "reasoning_tokens": d.get("reasoning_tokens", 0),
            "cost": d.get("cost_usd") or 0.0,
        }
    return out


def norm_ccusage(doc: Any) -> Days:
    """ccusage ``daily``/``claude daily``/``codex daily --json`` -> {day: fields}."""
    out: Days = {}
    for d in (doc or {}).get("daily", []):
        day = d.get("date") or d.get("period")
        out[day] = {
            "input_tokens": d.get("inputTokens", 0),
            "output_tokens": d.get("outputTokens", 0),
            "cache_creation_tokens": d.get("cacheCreationTokens", 0),
            "cache_read_tokens": d.get("cacheReadTokens", 0),
            "reasoning_tokens": d.get("reasoningOutputTokens", 0),
            "cost": d.get("totalCost", d.get("costUSD", 0.0)) or 0.0,
        }
    return out


def expected_days(
    exp: dict,
    agents: tuple[str, ...],
    minus_traps: bool = False,
    peer: str = "ccusage",
    extra: Days | None = None,
) -> Days:
    """Sum expected.json days over agents; optionally drop the traps ``peer`` skips."""
    out: Days = {}
    fields = (*TOKEN_FIELDS, "reasoning_tokens")
    for agent in agents:
        sec = exp[agent]
        skipped = []
        if minus_traps:
            known = exp["meta"]["known_peer_differences"].get(peer, {}).get(agent, {})
            skipped = [sec["traps"].get(k, {}) for k in known.get("missed_traps", [])]
        for day, vals in sec["days"].items():
            acc = out.setdefault(day, dict.fromkeys(fields, 0))
            for f in fields:
                acc[f] += vals.get(f, 0) - sum(t.get(day, {}).get(f, 0) for t in skipped)
    for day, vals in (extra or {}).items():
        acc = out.setdefault(day, dict.fromkeys(fields, 0))
        for f in fields:
            acc[f] += vals.get(f, 0)
    return out


def diff_tokens(got: Days, want: Days, fields: tuple[str, ...]) -> list[tuple[str, str, int, int]]:
    """(day, field, got, want) for every mismatch; a missing day counts as zeros."""
    bad = []
    for day in sorted(set(got) | set(want)):
        g, w = got.get(day, {}), want.get(day, {})
        for f in fields:
            if int(g.get(f, 0)) != int(w.get(f, 0)):
                bad.append((day, f, int(g.get(f, 0)), int(w.get(f, 0))))
    return bad


def cost_diff(a: Days, b: Days, noisy: set[str]) -> dict[str, Any]:
    """Cost of ``a`` relative to ``b``: total % diff, worst day, worst day free of ``noisy``."""
    ta, tb = sum(v["cost"] for v in a.values()), sum(v["cost"] for v in b.values())
    worst = clean = 0.0
    for day in set(a) | set(b):
        ca, cb = a.get(day, {}).get("cost", 0.0), b.get(day, {}).get("cost", 0.0)
        if cb:
            pct = (ca / cb - 1) * 100
            worst = max(worst, pct, key=abs)
            if day not in noisy:
                clean = max(clean, pct, key=abs)
    return {
        "a_usd": round(ta, 4),
        "b_usd": round(tb, 4),
        "total_pct": round((ta / tb - 1) * 100, 3) if tb else None,
        "worst_day_pct": round(worst, 3),
        "worst_clean_day_pct": round(clean, 4),
        "clean_days": len((set(a) | set(b)) - noisy),
    }


# --------------------------------------------------------------------------- the bench


def _native_ccusage() -> Path | None:
    """ccusage's native binary (npm may leave it without its executable bit)."""
    if not NATIVE_CCUSAGE.exists():
        return None
    if not os.access(NATIVE_CCUSAGE, os.X_OK):
        try:
            NATIVE_CCUSAGE.chmod(0o755)
        except OSError:
            return None
    return NATIVE_CCUSAGE


class Bench:
    """Runs the cases and collects results."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.corpus: Path = args.corpus.resolve()
        self.exp = json.loads((self.corpus / "expected.json").read_text())
        self.runs: int = args.runs
        self.append_mb: float = args.append_mb
        self.aiusage = shlex.split(args.aiusage) if args.aiusage else [str(DEFAULT_AIUSAGE)]
        if args.ccusage:
            self.ccusage = shlex.split(args.ccusage)
        else:
            self.ccusage = [str(_native_ccusage() or LAUNCHER_CCUSAGE)]
        self.tmp = Path(tempfile.mkdtemp(prefix="aiusage-bench-"))
        self.empty_home = self.tmp / "home"
        self.empty_home.mkdir()
        self.cases: dict[str, Case] = {}
        self.delta: Days = {}
        self.have_aiusage = shutil.which(self.aiusage[0]) is not None
        self.have_ccusage = shutil.which(self.ccusage[0]) is not None

    def case(self, name: str) -> Case:
        return self.cases.setdefault(name, Case(name))

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.empty_home),
            "XDG_CONFIG_HOME": str(self.empty_home / ".config"),
            "XDG_DATA_HOME": str(self.empty_home / ".local" / "share"),
            "XDG_CACHE_HOME": str(self.empty_home / ".cache"),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "NO_COLOR": "1",
            "CLAUDE_CONFIG_DIR": str(self.corpus / "claude"),
            "CODEX_HOME": str(self.corpus / "codex"),
        }
        env.update(extra)
        return env

    def prewarm(self) -> None:
        """Read every corpus file once so all tools see a hot page cache."""
        t0 = time.perf_counter()
        n = 0
        for p in self.corpus.rglob("*.jsonl"):
            with open(p, "rb") as f:
                while chunk := f.read(8 << 20):
                    n += len(chunk)
        print(
            f"page cache warmed: {n / 2**20:.0f} MB in {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
        )

    def aiusage_cmd(self, agent: str | None) -> list[str]:
        cmd = [*self.aiusage, "daily", "--json", "--tz", "UTC"]
        return [*cmd, "--agent", agent] if agent else cmd

    def one_round(self, i: int) -> None:
        """One run of every case."""
        print(f"round {i + 1}/{self.runs}", file=sys.stderr)
        if self.have_ccusage:
            cc = [*self.ccusage]
            flags = ["--json", "--offline", "-z", "UTC"]
            self.case("ccusage daily (all)").add(run([*cc, "daily", *flags], self.env()))
            self.case("ccusage claude daily").add(run([*cc, "claude", "daily", *flags], self.env()))
            self.case("ccusage codex daily").add(run([*cc, "codex", "daily", *flags], self.env()))
        if not self.have_aiusage:
            return
        home = self.tmp / f"aiusage-{i}"
        env = self.env(AIUSAGE_HOME=str(home))
        cold = self.case("aiusage cold (all)").add(run(self.aiusage_cmd(None), env))
        if cold.rc == 0:
            self.case("aiusage warm (all)").add(run(self.aiusage_cmd(None), env))
            day = max(self.exp["claude"]["days"])
            with appended(self.corpus, day, self.append_mb) as delta:
                self.delta = delta
                self.case(f"aiusage after +{self.append_mb:g}MB append").add(
                    run(self.aiusage_cmd(None), env)
                )
        for agent in ("claude", "codex"):
            home_a = self.tmp / f"aiusage-{i}-{agent}"
            self.case(f"aiusage cold ({agent})").add(
                run(self.aiusage_cmd(agent), self.env(AIUSAGE_HOME=str(home_a)))
            )
            shutil.rmtree(home_a, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)

    def check_tokens(self) -> dict[str, Any]:
        """Per-day token checks against expected.json."""
        exp = self.exp
        both = ("claude", "codex")
        all_f = (*TOKEN_FIELDS, "reasoning_tokens")
        checks: list[tuple[str, str, tuple[str, ...], Days]] = [
            ("aiusage cold (all)", "aiusage all", all_f, expected_days(exp, both)),
            ("aiusage cold (claude)", "aiusage claude", all_f, expected_days(exp, ("claude",))),
            ("aiusage cold (codex)", "aiusage codex", all_f, expected_days(exp, ("codex",))),
            ("aiusage warm (all)", "aiusage warm", all_f, expected_days(exp, both)),
            (
                f"aiusage after +{self.append_mb:g}MB append",
                "aiusage after append",
                all_f,
                expected_days(exp, both, extra=self.delta),
            ),
            (
                "ccusage claude daily",
                "ccusage claude",
                TOKEN_FIELDS,
                expected_days(exp, ("claude",), minus_traps=True),
            ),
            ("ccusage codex daily", "ccusage codex", all_f, expected_days(exp, ("codex",))),
            (
                "ccusage daily (all)",
                "ccusage all",
                TOKEN_FIELDS,
                expected_days(exp, both, minus_traps=True),
            ),
        ]
        out: dict[str, Any] = {}
        for case_name, label, fields, want in checks:
            case = self.cases.get(case_name)
            doc = case.last_json() if case else None
            if doc is None:
                out[label] = {"checked": False}
                continue
            got = norm_aiusage(doc) if label.startswith("aiusage") else norm_ccusage(doc)
            bad = diff_tokens(got, want, fields)
            out[label] = {
                "checked": True,
                "identical": not bad,
                "days": len(want),
                "mismatches": len(bad),
                "first": bad[:8],
            }
        return out

    def check_cost(self) -> dict[str, Any]:
        """aiusage cost vs ccusage cost (% of ccusage)."""
        pairs = {
            "claude": ("aiusage cold (claude)", "ccusage claude daily"),
            "codex": ("aiusage cold (codex)", "ccusage codex daily"),
            "all": ("aiusage cold (all)", "ccusage daily (all)"),
        }
        noisy = {
            agent: {day for k in COST_TRAPS for day in self.exp[agent]["traps"].get(k, {})}
            for agent in ("claude", "codex")
        }
        noisy["all"] = noisy["claude"] | noisy["codex"]
        out = {}
        for label, (a, b) in pairs.items():
            da = self.cases[a].last_json() if a in self.cases else None
            db = self.cases[b].last_json() if b in self.cases else None
            if da is not None and db is not None:
                out[label] = cost_diff(norm_aiusage(da), norm_ccusage(db), noisy[label])
        return out

    def cleanup(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


# --------------------------------------------------------------------------- report


def _fmt(v: Any, spec: str) -> str:
    return format(v, spec) if isinstance(v, (int, float)) else "-"


def report(bench: Bench, tokens: dict, cost: dict) -> dict[str, Any]:
    """Print the tables and the goal summary; return the goal verdicts."""
    meta = bench.exp["meta"]
    print(
        f"\ncorpus {bench.corpus}: {meta['bytes'] / 2**20:.0f} MB, {meta['days']} days, "
        f"seed {meta['seed']}; {bench.runs} run(s); ccusage = {' '.join(bench.ccusage)}"
    )
    print(f"\n{'case':34} {'wall s':>8} {'min':>7} {'max':>7} {'cpu s':>7} {'RSS MB':>7}  runs")
    for name, case in bench.cases.items():
        s = case.stats()
        print(
            f"{name:34} {_fmt(s.get('wall_s'), '8.3f')} {_fmt(s.get('wall_min_s'), '7.3f')} "
            f"{_fmt(s.get('wall_max_s'), '7.3f')} {_fmt(s.get('cpu_s'), '7.2f')} "
            f"{_fmt(s.get('rss_mb'), '7.0f')}  {s['runs']}"
            + (f"  ERROR {s['error']}" if s.get("error") else "")
        )
    print("\ntokens per day vs expected.json")
    for label, t in tokens.items():
        if not t["checked"]:
            print(f"  {label:22} not checked (no output)")
            continue
        verdict = "identical" if t["identical"] else f"{t['mismatches']} mismatches"
        print(f"  {label:22} {t['days']} days: {verdict}")
        for day, f, got, want in t["first"]:
            print(f"      {day} {f}: got {got} want {want} ({got - want:+d})")
    if cost:
        print("\ncost, aiusage vs ccusage")
        for label, c in cost.items():
            print(
                f"  {label:7} aiusage ${c['a_usd']:.2f}  ccusage ${c['b_usd']:.2f}  "
                f"total {_fmt(c['total_pct'], '+.2f')}%  "
                f"worst day {c['worst_day_pct']:+.2f}%  "
                f"worst of {c['clean_days']} days without {'/'.join(COST_TRAPS)}: "
                f"{c['worst_clean_day_pct']:+.3f}%"
            )
        print(
            "  (by design: ccusage skips spaced-JSON and costUSD:null lines, uses costUSD when "
            "present, and tiers >200k per token type instead of the whole request)"
        )

    def wall(name: str) -> float | None:
        return bench.cases[name].stats().get("wall_s") if name in bench.cases else None

    def ratio(a: str, b: str) -> float | None:
        wa, wb = wall(a), wall(b)
        return wa / wb if wa is not None and wb else None

    rss = [bench.cases[n].stats().get("rss_mb") for n in bench.cases if n.startswith("aiusage")]
    rss_max = max((r for r in rss if r is not None), default=None)
    ai_tokens = [t for k, t in tokens.items() if k.startswith("aiusage") and t["checked"]]
    goals = {
        "cold_ratio_all": ratio("aiusage cold (all)", "ccusage daily (all)"),
        "cold_ratio_claude": ratio("aiusage cold (claude)", "ccusage claude daily"),
        "peak_rss_mb": rss_max,
        "warm_s": wall("aiusage warm (all)"),
        "append_s": wall(f"aiusage after +{bench.append_mb:g}MB append"),
        "tokens_identical": all(t["identical"] for t in ai_tokens) if ai_tokens else None,
        "ccusage_tokens_match_expected": all(
            t["identical"] for k, t in tokens.items() if k.startswith("ccusage") and t["checked"]
        ),
        "cost_diff_pct": {k: c["total_pct"] for k, c in cost.items()},
    }

    def verdict(v: float | None, limit: float) -> str:
        return "n/a" if v is None else ("PASS" if v <= limit else "FAIL")

    def yes_no(v: bool | None) -> str:
        return "n/a" if v is None else ("yes" if v else "NO")

    print("\nsummary")
    rows = [
        ("aiusage cold / ccusage wall (all)", goals["cold_ratio_all"], ".2f", "cold_ratio"),
        ("aiusage cold / ccusage wall (claude)", goals["cold_ratio_claude"], ".2f", "cold_ratio"),
        ("aiusage peak RSS MB", rss_max, ".0f", "rss_mb"),
        ("aiusage warm s", goals["warm_s"], ".3f", "warm_s"),
        ("aiusage after-append s", goals["append_s"], ".3f", "append_s"),
    ]
    for label, value, spec, goal in rows:
        print(
            f"  {label:38} {_fmt(value, spec):>7}  goal <= {GOALS[goal]:<5g} "
            f"{verdict(value, GOALS[goal])}"
        )
    print(f"  {'aiusage tokens identical to expected':38} {yes_no(goals['tokens_identical']):>7}")
    print(
        f"  {'ccusage tokens = expected - known skips':38} "
        f"{yes_no(goals['ccusage_tokens_match_expected']):>7}"
    )
    for k, v in goals["cost_diff_pct"].items():
        print(f"  {'cost diff aiusage vs ccusage (' + k + ') %':38} {_fmt(v, '+.2f'):>7}")
    return goals


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True, type=Path, help="dir written by gen_corpus.py")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--aiusage", help=f"aiusage command (default {DEFAULT_AIUSAGE})")
    ap.add_argument(
        "--ccusage",
        help="ccusage command (default: the native binary in "
        "bench/node_modules, without the node launcher)",
    )
    ap.add_argument("--append-mb", type=float, default=1.0)
    ap.add_argument("--no-prewarm", action="store_true", help="skip reading the corpus first")
    ap.add_argument("--json-out", type=Path, help="save results as JSON")
    args = ap.parse_args(argv)
    if not (args.corpus / "expected.json").exists():
        ap.error(f"{args.corpus}/expected.json not found; run bench/gen_corpus.py first")
    _load_sidecar(args.corpus.resolve())
    bench = Bench(args)
    if not bench.have_aiusage:
        print(f"aiusage not found at {bench.aiusage[0]}; running ccusage only", file=sys.stderr)
    if not bench.have_ccusage:
        print(
            f"ccusage not found at {bench.ccusage[0]}; run `npm install` in bench/", file=sys.stderr
        )
    try:
        if not args.no_prewarm:
            bench.prewarm()
        for i in range(args.runs):
            bench.one_round(i)
        tokens = bench.check_tokens()
        cost = bench.check_cost()
        goals = report(bench, tokens, cost)
    finally:
        bench.cleanup()
    if args.json_out:
        doc = {
            "corpus": str(bench.corpus),
            "corpus_meta": {k: bench.exp["meta"][k] for k in ("bytes", "seed", "days", "end")},
            "runs": args.runs,
            "aiusage": bench.aiusage,
            "ccusage": bench.ccusage,
            "timings": {n: c.stats() for n, c in bench.cases.items()},
            "samples": {
                n: [
                    {k: v for k, v in asdict(r).items() if k not in ("stdout", "stderr")}
                    for r in c.samples
                ]
                for n, c in bench.cases.items()
            },
            "tokens": tokens,
            "cost": cost,
            "goals": goals,
            "goal_limits": GOALS,
        }
        args.json_out.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
