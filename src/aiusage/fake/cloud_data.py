"""Seeded activity behind the cloud fakes (Azure OpenAI, AWS Bedrock, Vertex AI).

Why apart from the servers: tests compute the expected totals from these raw hourly rows,
so the data is plain and independent of how each fake buckets, pages and formats it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

NOW_S = 1_767_264_000  # 2026-01-01 10:40 UTC: the fakes' "now" (a partial hour)
HOUR_S, DAY_S = 3600, 86400


@dataclass(frozen=True, slots=True)
class Hour:
    """One model's use in one hour (what every cloud fake aggregates)."""

    model: str  # the cloud's name: a deployment, a Bedrock model id, a Vertex model
    hour_s: int
    input: int
    output: int
    requests: int
    cache_read: int = 0
    cache_write: int = 0


def seeded_hours(
    models: tuple[str, ...],
    *,
    now_s: int = NOW_S,
    days: int = 3,
    seed: int = 7,
    cache: bool = False,
) -> list[Hour]:
    """Hours from ``days`` before now's hour up to now's (partial) hour, some left idle."""
    rng = random.Random(seed)
    last = now_s - now_s % HOUR_S
    rows: list[Hour] = []
    for hour in range(last - days * DAY_S, last + HOUR_S, HOUR_S):
        for i, model in enumerate(models):
            if rng.random() < 0.3:
                continue  # an idle hour: no data point at all
            requests = rng.randint(1, 40) * (i + 1)
            rows.append(
                Hour(
                    model=model,
                    hour_s=hour,
                    input=requests * rng.randint(200, 4000),
                    output=requests * rng.randint(20, 900),
                    requests=requests,
                    cache_read=requests * rng.randint(0, 2000) if cache else 0,
                    cache_write=rng.randint(0, 3000) if cache else 0,
                )
            )
    return rows


def daily_costs(rows: list[Hour], prices: dict[str, tuple[float, float]]) -> dict[int, float]:
    """Dollars per UTC day start: tokens x ($ per 1M input, $ per 1M output)."""
    out: dict[int, float] = {}
    for r in rows:
        per_in, per_out = prices.get(r.model, (1.0, 2.0))
        start = r.hour_s - r.hour_s % DAY_S
        out[start] = out.get(start, 0.0) + (r.input * per_in + r.output * per_out) / 1e6
    return {d: round(v, 6) for d, v in sorted(out.items())}


def buckets(
    rows: list[Hour], width_s: int, start_s: int, end_s: int
) -> dict[tuple[str, int], Hour]:
    """Rows summed per (model, bucket start) for buckets that start in [start_s, end_s)."""
    out: dict[tuple[str, int], Hour] = {}
    for r in rows:
        b = r.hour_s - r.hour_s % width_s
        if not start_s <= b < end_s:
            continue
        got = out.get((r.model, b))
        if got is None:
            out[(r.model, b)] = Hour(
                r.model, b, r.input, r.output, r.requests, r.cache_read, r.cache_write
            )
        else:
            out[(r.model, b)] = Hour(
                r.model,
                b,
                got.input + r.input,
                got.output + r.output,
                got.requests + r.requests,
                got.cache_read + r.cache_read,
                got.cache_write + r.cache_write,
            )
    return out
