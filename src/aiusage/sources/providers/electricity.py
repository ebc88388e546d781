"""What a local model's work costs in electricity: power × time spent on requests × price.

Why busy time and not wall time: a server idles most of the day, and the user asked what
their AI use costs, not what the machine costs. vLLM and llama.cpp count the seconds they
spend on requests; the growth of that counter between two collections, never more than
the time that passed (vLLM's per-request times overlap when it batches), times the
configured power draw, is the energy. It is an estimate, and the events say so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from aiusage.errors import ConfigError
from aiusage.records import UsageEvent

OPTIONS = {
    "watts": "average power the machine draws while serving requests (e.g. 350); with "
    "usd_per_kwh, local usage gets an electricity cost (an estimate)",
    "usd_per_kwh": "electricity price in USD per kWh (e.g. 0.30)",
}
COST_NOTE = (
    "local inference is not billed; with --option watts=… and --option usd_per_kwh=… the "
    "electricity of the time spent on requests is costed (an estimate)"
)


@dataclass(frozen=True, slots=True)
class Electricity:
    watts: float
    usd_per_kwh: float

    def cost(self, busy_s: float) -> float:
        return self.watts * busy_s / 3_600_000 * self.usd_per_kwh


def from_options(options: Mapping[str, str], account: str) -> Electricity | None:
    """The account's power and price, or None when it has neither."""
    given = {k: options[k] for k in OPTIONS if k in options}
    if not given:
        return None
    if len(given) < len(OPTIONS):
        missing = next(k for k in OPTIONS if k not in given)
        raise ConfigError(
            f"account {account}: electricity costing needs {missing} too",
            hint="give both --option watts=350 and --option usd_per_kwh=0.30",
        )
    values = {}
    for key, text in given.items():
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0:
            raise ConfigError(
                f"account {account}: option {key}={text!r} is not a number ≥ 0",
                hint="e.g. --option watts=350 --option usd_per_kwh=0.30",
            )
        values[key] = value
    return Electricity(values["watts"], values["usd_per_kwh"])


def priced(events: list[UsageEvent], electricity: Electricity | None) -> list[UsageEvent]:
    """Events with their electricity cost (from ``meta['busy_s']``, capped by
    ``meta['elapsed_s']``); unchanged without a configured price."""
    if electricity is None:
        return events
    out = []
    for event in events:
        busy = float(event.meta.get("busy_s") or 0.0)
        elapsed = event.meta.get("elapsed_s")
        if isinstance(elapsed, int | float):
            busy = min(busy, float(elapsed))
        meta = {
            **event.meta,
            "electricity": {
                "watts": electricity.watts,
                "usd_per_kwh": electricity.usd_per_kwh,
                "busy_s": round(busy, 3),
                "estimated": True,
            },
        }
        cost = round(electricity.cost(busy), 9)
        out.append(replace(event, reported_cost_usd=cost, meta=meta))
    return out
