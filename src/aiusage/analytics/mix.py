"""Token mixes and their price, with long context priced per request as it is billed.

A long-context tier (e.g. over 200k input tokens) applies to a whole *request*, so a sum
of requests cannot be priced on its own. ``Usage`` keeps the sum plus every request large
enough to cross a tier (input side over ``floor``, the smallest threshold among the models
compared) and prices the sum at base rates plus, for each request over a model's own
threshold, what that model's tier adds — the same rule ``pricing.ModelRates.cost`` follows.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import TypeVar

from aiusage.pricing import ModelRates
from aiusage.store.queries import AggRow

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class TokenMix:
    """Tokens by type as the store sums them (``input`` is uncached input)."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    requests: int = 0

    @classmethod
    def of(cls, row: AggRow) -> TokenMix:
        return cls(
            row.input_tokens,
            row.output_tokens,
            row.cache_read_tokens,
            row.cache_write_5m_tokens,
            row.cache_write_1h_tokens,
            row.requests,
        )

    def __add__(self, other: TokenMix) -> TokenMix:
        return TokenMix(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def tokens(self) -> int:
        return self.input_side + self.output

    @property
    def input_side(self) -> int:
        """What a long-context threshold is compared with: uncached + cache reads + writes."""
        return self.input + self.cached

    @property
    def cached(self) -> int:
        return self.cache_read + self.cache_write_5m + self.cache_write_1h

    def _args(self) -> tuple[int, int, int, int, int]:
        return (self.input, self.output, self.cache_read, self.cache_write_5m, self.cache_write_1h)

    def cost(self, rates: ModelRates) -> float:
        """At base rates (a sum of requests cannot tell which crossed a tier)."""
        return ModelRates(rates.base).cost(*self._args())

    def request_cost(self, rates: ModelRates) -> float:
        """As one request: at the tier rates when its input side crosses the threshold."""
        return rates.cost(*self._args())


@dataclass(frozen=True, slots=True)
class Usage:
    """A sum of requests, and those of them whose input side is over ``floor``."""

    mix: TokenMix = TokenMix()
    long: tuple[TokenMix, ...] = ()
    floor: int | None = None  # None: no single request was kept

    def exact_for(self, rates: ModelRates) -> bool:
        """Whether ``cost`` is exact for these rates (else it is at base rates)."""
        threshold = rates.tier_threshold
        if rates.tier is None or threshold is None:
            return True
        return self.floor is not None and self.floor <= threshold

    def long_requests(self, rates: ModelRates) -> int:
        threshold = rates.tier_threshold
        if rates.tier is None or threshold is None:
            return 0
        return sum(1 for r in self.long if r.input_side > threshold)

    def cost(self, rates: ModelRates) -> float:
        total = self.mix.cost(rates)
        if self.long_requests(rates):
            threshold = rates.tier_threshold or 0
            for r in self.long:
                if r.input_side > threshold:
                    total += r.request_cost(rates) - r.cost(rates)
        return total


def merge(a: Usage, b: Usage) -> Usage:
    """Two usages of one model (e.g. two days) as one; exact only as far as both are."""
    floor = None if a.floor is None or b.floor is None else max(a.floor, b.floor)
    return Usage(a.mix + b.mix, a.long + b.long, floor)


def tier_floor(rates: Iterable[ModelRates | None]) -> int | None:
    """The smallest long-context threshold among these prices (None: no tier at all)."""
    found = [r.tier_threshold for r in rates if r is not None and r.tier is not None]
    return min((t for t in found if t is not None), default=None)


def usages(
    mixes: Mapping[K, TokenMix],
    requests: Iterable[tuple[K, int, int, int, int]],
    floor: int | None,
) -> dict[K, Usage]:
    """Each key's mix with its requests over ``floor``. A request is (key, uncached input,
    output, cache read, cache write); its cache writes are split 5m/1h as its key's are."""
    long: dict[K, list[TokenMix]] = {}
    if floor is not None:
        for key, inp, out, read, write in requests:
            mix = mixes.get(key)
            if mix is None or inp + read + write <= floor:
                continue
            both = mix.cache_write_5m + mix.cache_write_1h
            five = round(write * mix.cache_write_5m / both) if both else write
            long.setdefault(key, []).append(TokenMix(inp, out, read, five, write - five, 1))
    return {k: Usage(m, tuple(long.get(k, ())), floor) for k, m in mixes.items()}
