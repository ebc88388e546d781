"""Local inference servers: one GET with clear errors, Prometheus text, and counter deltas.

Why one module for vLLM, llama.cpp and Ollama: they fail the same local ways (nothing
listening on the port, a ``/metrics`` switched off, a proxy page) and vLLM and llama.cpp
both expose cumulative Prometheus counters. Counters only grow while a server runs, so
usage is the *difference* between two readings; adapters are stateless, so they report
each reading as Observations and ``counter_deltas`` turns two readings into UsageEvents
(the runtime hands it the previous reading from the store).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from aiusage.errors import (
    SourceFormatError,
)
from aiusage.records import Observation, UsageEvent
from aiusage.sources.providers import http as provider_http
from aiusage.sources.subscriptions.http import Endpoint

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")

# -- Prometheus text exposition format ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    labels: Mapping[str, str]
    value: float
    timestamp_ms: int | None = None


@dataclass(slots=True)
class Exposition:
    """A parsed ``/metrics`` page: the samples plus HELP and TYPE by metric family."""

    samples: list[Sample] = field(default_factory=list)
    help: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)

    def named(self, *names: str) -> list[Sample]:
        return [s for s in self.samples if s.name in names]

    def sum_by(self, label: str, *names: str, peak: bool = False) -> dict[str, float]:
        """Values of the first of ``names`` present, summed (or the peak) per value of
        ``label``, over every other label (vLLM's ``engine``, ``finished_reason``)."""
        for name in names:
            found: dict[str, float] = {}
            for sample in self.named(name):
                key, value = sample.labels.get(label, ""), sample.value
                old = found.get(key)
                found[key] = value if old is None else max(old, value) if peak else old + value
            if found:
                return found
        return {}


class PromParseError(ValueError):
    """A line that is not Prometheus text format (says which line)."""


_LINE = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(\S+))?")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')
_ESCAPE = re.compile(r"\\(.)")


def parse_prometheus(text: str) -> Exposition:
    """Parse Prometheus text format 0.0.4 (and OpenMetrics' ``# EOF``). Strict: one bad
    line fails the page, since a half-read page would give wrong counter deltas."""
    out = Exposition()
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            parts = line[1:].strip().split(None, 2)
            if len(parts) >= 2 and parts[0] == "HELP":
                help_text = parts[2] if len(parts) > 2 else ""
                out.help[parts[1]] = _unescape_help(help_text)
            elif len(parts) >= 3 and parts[0] == "TYPE":
                out.types[parts[1]] = parts[2].strip()
            continue  # any other comment, '# EOF' included
        out.samples.append(_sample(line, number))
    return out


def _sample(line: str, number: int) -> Sample:
    match = _LINE.fullmatch(line)
    if match is None:
        raise PromParseError(f"line {number}: expected 'name{{labels}} value [timestamp]'")
    name, body, value, stamp = match.groups()
    labels: dict[str, str] = {}
    pos, body = 0, body or ""
    while body[pos:].strip():
        pair = _LABEL.match(body, pos)
        if pair is None:
            raise PromParseError(f"line {number}: bad label at {body[pos : pos + 20]!r}")
        labels[pair[1]] = _ESCAPE.sub(lambda m: "\n" if m[1] == "n" else m[1], pair[2])
        pos = pair.end()
    when = int(_number(stamp, number)) if stamp is not None else None
    return Sample(name, labels, _number(value, number), when)


def _unescape_help(text: str) -> str:
    """HELP text escapes only backslash and newline."""
    return re.sub(r"\\([\\n])", lambda m: "\n" if m[1] == "n" else "\\", text)


def _number(text: str, number: int) -> float:
    special = {"+inf": math.inf, "inf": math.inf, "-inf": -math.inf, "nan": math.nan}
    if text.lower() in special:
        return special[text.lower()]
    try:
        return float(text)
    except ValueError:
        raise PromParseError(f"line {number}: {text[:20]!r} is not a number") from None


def parse_metrics_body(endpoint: Endpoint, response: httpx.Response) -> Exposition:
    """A 200 answer as Prometheus text, or a ``SourceFormatError`` that says why not."""
    kind = response.headers.get("content-type", "no content type").split(";")[0].strip()
    text = response.content.decode("utf-8", errors="replace")
    if "html" in kind or text.lstrip()[:1] in ("<", "{", "["):
        raise SourceFormatError(
            f"{endpoint.where} answered {response.status_code} but not with Prometheus text "
            f"({kind}, {len(response.content)} bytes)",
            hint="check that the base URL points at the server itself, not a proxy or UI",
        )
    if text and not text.endswith("\n"):
        raise SourceFormatError(f"{endpoint.where}: the metrics page was cut off mid-line")
    try:
        return parse_prometheus(text)
    except PromParseError as exc:
        raise SourceFormatError(f"{endpoint.where}: not Prometheus text ({exc})") from None


# -- one GET to a local server --------------------------------------------------------------


async def request_local(
    client: httpx.AsyncClient,
    path: str,
    parse: Callable[[Endpoint, httpx.Response], T],
    *,
    label: str,
    start_hint: str,
    refusals: Mapping[int, str] | None = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    secrets: Sequence[str] = (),
) -> T:
    """GET ``path`` and ``parse`` the answer through ``providers.http.send``'s retries. A
    refused connection is not retried: the server is not running. ``refusals`` maps a
    status to a hint (llama.cpp's 501 without ``--metrics``)."""
    base = server_root(client)
    url = base + "/" + path.lstrip("/")
    endpoint = Endpoint(
        label=label,
        url=url,
        login_hint="local servers need no key; check the base URL",
        other_hint="check the account's base URL and options",
    )
    trouble = provider_http.Trouble(
        timeout_hint="the server may be busy loading a model; the next collection retries",
        transport_hint="the server may have restarted; the next collection retries",
        not_running_hint=start_hint,
        server=base,
    )
    return await provider_http.send(
        client,
        "GET",
        url,
        endpoint,
        parse,
        secrets=secrets,
        headers=headers,
        params=dict(params or {}),
        refusals=refusals,
        trouble=trouble,
    )


async def read_metrics(
    client: httpx.AsyncClient,
    *,
    label: str,
    prefix: str,
    start_hint: str,
    wrong_server_hint: str,
    refusals: Mapping[int, str] | None = None,
    headers: Mapping[str, str] | None = None,
    secrets: Sequence[str] = (),
) -> Exposition:
    """GET ``/metrics`` and check it is the expected server's (its ``prefix`` metrics)."""
    expo = await request_local(
        client,
        "/metrics",
        parse_metrics_body,
        label=label,
        start_hint=start_hint,
        refusals=refusals,
        headers=headers,
        secrets=secrets,
    )
    if not any(s.name.startswith(prefix) for s in expo.samples):
        raise SourceFormatError(
            f"{label} (GET {server_root(client)}/metrics): the page has no {prefix} metrics",
            hint=wrong_server_hint,
        )
    return expo


def server_root(client: httpx.AsyncClient) -> str:
    """The base URL without a trailing ``/v1``: users often paste the OpenAI-compatible
    URL, but ``/metrics`` and Ollama's ``/api`` live at the root."""
    base = str(client.base_url).rstrip("/")
    return base[:-3] if base.endswith("/v1") else base


# -- cumulative counters and their deltas ---------------------------------------------------

PROMPT = "counter_prompt_tokens"
GENERATION = "counter_generation_tokens"
REQUESTS = "counter_requests"
CACHE_HITS = "counter_prefix_cache_hit_tokens"
BUSY = "counter_busy_seconds"  # time spent on requests: the electricity estimate's base
COUNTER_METRICS = (PROMPT, GENERATION, REQUESTS, CACHE_HITS, BUSY)


def counter_observations(
    totals: Mapping[str, Mapping[str, float]],
    *,
    ts_ms: int,
    account: str,
    source: str,
    process_start_ms: int | None,
) -> list[Observation]:
    """One Observation per model and counter (window = model name) of cumulative values."""
    meta: dict[str, Any] = (
        {} if process_start_ms is None else {"process_start_ms": process_start_ms}
    )
    units = {REQUESTS: "requests", BUSY: "s"}
    return [
        Observation(
            ts_ms=ts_ms,
            account=account,
            metric=metric,
            value=value,
            window=model,
            unit=units.get(metric, "tokens"),
            source=source,
            meta=dict(meta),
        )
        for model, counters in totals.items()
        for metric, value in counters.items()
        if math.isfinite(value)
    ]


def counter_deltas(
    previous: Iterable[Observation], current: Iterable[Observation]
) -> list[UsageEvent]:
    """Usage between two readings of the cumulative counters, one event per model.

    A model seen for the first time counts in full (its counters started at zero after the
    previous reading, or this is the first reading and the counts are since the server
    started). A counter that went down, or a changed ``process_start_ms``, means the server
    restarted: the new values are the usage since then. Zero deltas give no event.
    """
    before = _by_model(previous)
    events = []
    for (account, source, model), now in _by_model(current).items():
        ts_ms = max(o.ts_ms for o in now.values())
        old = before.get((account, source, model), {})
        restarted = bool(old) and (
            _start(old) != _start(now) or any(m in old and now[m].value < old[m].value for m in now)
        )
        delta = {
            m: now[m].value - (0.0 if restarted or m not in old else old[m].value) for m in now
        }
        if not any(v > 0 for m, v in delta.items() if m != BUSY):
            continue
        prompt, hits = int(delta.get(PROMPT, 0)), int(delta.get(CACHE_HITS, 0))
        hits = max(0, min(hits, prompt))
        meta: dict[str, Any]
        if not old:
            meta = {"first_reading": True, "from_ms": _start(now)}
        elif restarted:
            meta = {"restarted": True, "from_ms": _start(now)}
        else:
            meta = {"from_ms": max(o.ts_ms for o in old.values())}
        if BUSY in delta:
            meta["busy_s"] = round(delta[BUSY], 3)
            if meta["from_ms"] is not None:
                meta["elapsed_s"] = max(0.0, (ts_ms - meta["from_ms"]) / 1000)
        events.append(
            UsageEvent(
                ts_ms=ts_ms,
                source=account,
                dedup_key=f"{source}:{model}:{ts_ms}",
                model=model,
                provider=source,
                account=account,
                input_tokens=prompt - hits,
                cache_read_tokens=hits,
                output_tokens=int(delta.get(GENERATION, 0)),
                requests=int(delta.get(REQUESTS, 0)),
                reported_cost_usd=0.0,
                meta=meta,
            )
        )
    return events


def _by_model(
    observations: Iterable[Observation],
) -> dict[tuple[str, str, str], dict[str, Observation]]:
    """The newest reading of each counter per (account, source, model)."""
    found: dict[tuple[str, str, str], dict[str, Observation]] = {}
    for obs in observations:
        if obs.metric not in COUNTER_METRICS:
            continue
        slot = found.setdefault((obs.account, obs.source, obs.window), {})
        if obs.metric not in slot or obs.ts_ms > slot[obs.metric].ts_ms:
            slot[obs.metric] = obs
    return found


def _start(readings: Mapping[str, Observation]) -> int | None:
    for obs in readings.values():
        start = obs.meta.get("process_start_ms")
        if isinstance(start, int):
            return start
    return None


@dataclass(frozen=True, slots=True)
class Gauge:
    """How one server gauge becomes an Observation: ``value * scale`` in ``unit``."""

    metric: str
    names: tuple[str, ...]  # the server's names, newest first
    unit: str
    scale: float = 1.0
    limit: float | None = None
    peak: bool = False  # a ratio: the fullest engine, not the sum of engines


def gauge_observations(
    expo: Exposition,
    gauges: Iterable[Gauge],
    *,
    label: str,
    ts_ms: int,
    account: str,
    source: str,
    model: str | None = None,
) -> list[Observation]:
    """Observations of the gauges per ``label`` value (window = model name); ``model``
    names the window when the server has no such label (llama.cpp)."""
    out = []
    for gauge in gauges:
        for key, value in expo.sum_by(label, *gauge.names, peak=gauge.peak).items():
            if not math.isfinite(value):
                continue
            out.append(
                Observation(
                    ts_ms=ts_ms,
                    account=account,
                    metric=gauge.metric,
                    value=value * gauge.scale,
                    window=model if model is not None else key,
                    limit=gauge.limit,
                    unit=gauge.unit,
                    source=source,
                )
            )
    return out


def process_start_ms(expo: Exposition) -> int | None:
    """``process_start_time_seconds`` (prometheus_client's process collector) in ms."""
    for sample in expo.named("process_start_time_seconds"):
        if math.isfinite(sample.value) and sample.value > 0:
            return round(sample.value * 1000)
    return None
