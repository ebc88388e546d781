"""Past spend repriced: every request of model A at model B's prices, day by day.

Prices only, like the advice (``advice.NOTE``): the same tokens, another price list. Each
local day is priced with the rates in force that day for both models, so a price change
moves old and new alike. Days where either model has no known price are left out and
named, never counted as $0.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from aiusage.analytics.advice import NOTE, base_rates_note, long_note, normalize, provider_of
from aiusage.analytics.mix import TokenMix, Usage
from aiusage.pricing import ModelRates

DayRates = Callable[[str, str], ModelRates | None]  # (model, 'YYYY-MM-DD') -> rates


@dataclass(slots=True)
class DayCost:
    day: date
    old_usd: float = 0.0
    new_usd: float = 0.0

    @property
    def difference_usd(self) -> float:
        return self.new_usd - self.old_usd


@dataclass(slots=True)
class WhatIf:
    from_models: list[str]
    to_model: str
    mix: TokenMix = field(default_factory=TokenMix)
    old_usd: float = 0.0  # the mix at the used models' own prices (base rates)
    new_usd: float = 0.0  # the same mix at ``to_model``'s prices
    recorded_usd: float = 0.0  # what reports show for the same tokens
    days: list[DayCost] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "model on day: why"
    skipped_tokens: int = 0
    long_requests: dict[str, int] = field(default_factory=dict)  # model -> requests over tier
    caveats: list[str] = field(default_factory=list)
    note: str = NOTE

    @property
    def difference_usd(self) -> float:
        return self.new_usd - self.old_usd

    @property
    def difference_pct(self) -> float | None:
        return 100.0 * self.difference_usd / self.old_usd if self.old_usd else None


def matching_models(name: str, used: Iterable[str]) -> list[str]:
    """The used model names ``name`` stands for: itself, a glob ('claude-opus-*'), or the
    same model without a date suffix or provider prefix ('claude-sonnet-4-5')."""
    names = sorted(set(used))
    if name in names:
        return [name]
    if any(c in name for c in "*?["):
        pattern = name.lower()
        return [m for m in names if fnmatch.fnmatchcase(m.lower(), pattern)]
    wanted = normalize(name)
    return [m for m in names if normalize(m) == wanted]


def close_matches(name: str, candidates: Iterable[str], n: int = 5) -> list[str]:
    """Names that contain what was typed, then difflib's nearest ones."""
    pool = sorted(set(candidates))
    typed = normalize(name)
    contains = [c for c in pool if typed and typed in normalize(c)]
    near = difflib.get_close_matches(typed, pool, n=n, cutoff=0.5)
    return list(dict.fromkeys([*contains[:n], *near]))[:n]


def what_if(
    used: Mapping[tuple[date, str], Usage],
    recorded: Mapping[tuple[date, str], float],
    to_model: str,
    rates: DayRates,
) -> WhatIf:
    """Reprice each (local day, model) usage at ``to_model``'s prices of that day."""
    result = WhatIf(from_models=sorted({m for _, m in used}), to_model=to_model)
    per_day: dict[date, DayCost] = {}
    inexact: set[str] = set()
    thresholds: dict[str, int] = {}
    for (day, model), usage in sorted(used.items()):
        if usage.mix.tokens == 0:
            continue  # a cost-only row (a bill line): no tokens to reprice
        old, new = rates(model, day.isoformat()), rates(to_model, day.isoformat())
        if old is None or new is None:
            missing = model if old is None else to_model
            result.skipped.append(f"{model} on {day}: no price for {missing}")
            result.skipped_tokens += usage.mix.tokens
            continue
        totals = per_day.setdefault(day, DayCost(day))
        totals.old_usd += usage.cost(old)
        totals.new_usd += usage.cost(new)
        result.mix += usage.mix
        result.recorded_usd += recorded.get((day, model), 0.0)
        for name, r in ((model, old), (to_model, new)):
            if r.tier is not None and r.tier_threshold is not None:
                thresholds[name] = r.tier_threshold
                count = result.long_requests.get(name, 0) + usage.long_requests(r)
                result.long_requests[name] = count
                if not usage.exact_for(r):
                    inexact.add(name)
    result.days = [per_day[d] for d in sorted(per_day)]
    result.old_usd = sum(d.old_usd for d in result.days)
    result.new_usd = sum(d.new_usd for d in result.days)
    for name, count in sorted(result.long_requests.items()):
        if name in inexact:
            result.caveats.append(base_rates_note(name, thresholds[name]))
        elif count:
            result.caveats.append(long_note(name, count, thresholds[name]))
    others = {provider_of(m) for m in result.from_models} - {provider_of(to_model)}
    if result.mix.cached and others:
        result.caveats.append(
            f"assumes {to_model} would have had the same cache hits; "
            f"{provider_of(to_model) or 'its provider'} caches differently"
        )
    return result
