"""Token prices: genai-prices' offline snapshot, plus the user's overrides.

Costs are computed in floats from per-token rates resolved once per (model, day) — calling
genai-prices' Decimal machinery per request would dominate a cold scan, and importing it
(~0.3 s) would dominate a warm one, so resolved rates are cached by the caller (the store).

Long context follows Anthropic (and genai-prices): when a request's whole input — uncached
+ cache writes + cache reads — exceeds the tier threshold (200k), *every* token of that
request is charged at the tier rate. ccusage instead tiers each token type separately.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, MutableMapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiusage.errors import ConfigError

_MTOK = 1_000_000.0
RATE_FIELDS = ("input", "output", "cache_read", "cache_write_5m", "cache_write_1h")


@dataclass(frozen=True, slots=True)
class TokenRates:
    """USD per token for each token type."""

    input: float
    output: float
    cache_read: float
    cache_write_5m: float
    cache_write_1h: float


@dataclass(frozen=True, slots=True)
class ModelRates:
    """A model's prices on one day: base rates, and optionally a long-context tier."""

    base: TokenRates
    tier_threshold: int | None = None
    tier: TokenRates | None = None

    def cost(
        self, input: int, output: int, cache_read: int, cache_write_5m: int, cache_write_1h: int
    ) -> float:
        rates = self.base
        if (
            self.tier is not None
            and self.tier_threshold is not None
            and input + cache_read + cache_write_5m + cache_write_1h > self.tier_threshold
        ):
            rates = self.tier
        return (
            input * rates.input
            + output * rates.output
            + cache_read * rates.cache_read
            + cache_write_5m * rates.cache_write_5m
            + cache_write_1h * rates.cache_write_1h
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelRates:
        raw = json.loads(text)
        tier = raw.get("tier")
        return cls(
            base=TokenRates(**raw["base"]),
            tier_threshold=raw.get("tier_threshold"),
            tier=TokenRates(**tier) if tier else None,
        )


def _rates_from_mtok(values: Mapping[str, Any], where: str) -> TokenRates:
    try:
        inp = float(values["input"])
        out = float(values["output"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"{where}: 'input' and 'output' prices (USD per million) are required"
        ) from exc
    cache_read = float(values.get("cache_read", inp))
    cache_write = float(values.get("cache_write", inp))
    return TokenRates(
        input=inp / _MTOK,
        output=out / _MTOK,
        cache_read=cache_read / _MTOK,
        cache_write_5m=float(values.get("cache_write_5m", cache_write)) / _MTOK,
        cache_write_1h=float(values.get("cache_write_1h", cache_write)) / _MTOK,
    )


def parse_overrides(raw: Mapping[str, Any]) -> dict[str, ModelRates]:
    """``[pricing.models."name"]`` tables from the config file, in USD per million tokens."""
    result: dict[str, ModelRates] = {}
    for name, values in raw.items():
        where = f'[pricing.models."{name}"]'
        if not isinstance(values, Mapping):
            raise ConfigError(f"{where} must be a table of prices")
        above = values.get("above_threshold")
        threshold = values.get("threshold")
        if (above is None) != (threshold is None):
            raise ConfigError(f"{where}: give both 'threshold' and 'above_threshold', or neither")
        result[name] = ModelRates(
            base=_rates_from_mtok(values, where),
            tier_threshold=int(threshold) if threshold is not None else None,
            tier=_rates_from_mtok(above, where + ".above_threshold") if above else None,
        )
    return result


def price_table_version() -> str:
    """genai-prices' installed version, read from its dist-info folder's name.

    importlib.metadata costs ~25 ms of imports, too much for the statusline's path.
    """
    import importlib.util

    spec = importlib.util.find_spec("genai_prices")
    if spec is None or not spec.origin:
        return "missing"
    package = Path(spec.origin).parent
    found = sorted(p.name for p in package.parent.glob("genai_prices-*.dist-info"))
    if found:
        return found[-1].removeprefix("genai_prices-").removesuffix(".dist-info")
    data = package / "data.py"  # an unusual install: the table's size and time will do
    stat = data.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def fingerprint(overrides: Mapping[str, ModelRates]) -> str:
    """Changes when the price table or the overrides change: stored costs are then redone."""
    payload = json.dumps(
        [price_table_version(), {k: v.to_json() for k, v in sorted(overrides.items())}]
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _override_for(model: str, overrides: Mapping[str, ModelRates]) -> ModelRates | None:
    if model in overrides:
        return overrides[model]
    best = ""
    for pattern in overrides:
        if pattern.endswith("*") and model.startswith(pattern[:-1]) and len(pattern) > len(best):
            best = pattern
    return overrides[best] if best else None


def _decimal_rates(prices: Any, tiered: bool) -> tuple[TokenRates, int | None]:
    """Per-token rates from a genai-prices ModelPrice (base, or its first tier)."""
    from genai_prices.types import TieredPrices

    threshold: int | None = None

    def pick(*keys: str) -> float:
        nonlocal threshold
        for key in keys:
            value = getattr(prices, key, None)
            if value is None:
                continue
            if isinstance(value, TieredPrices):
                if tiered and value.tiers:
                    threshold = value.tiers[0].start
                    return float(value.tiers[0].price) / _MTOK
                return float(value.base) / _MTOK
            return float(value) / _MTOK
        return 0.0

    inp = pick("input_mtok")
    rates = TokenRates(
        input=inp,
        output=pick("output_mtok"),
        cache_read=pick("cache_read_mtok", "input_mtok"),
        cache_write_5m=pick("cache_write_5m_mtok", "cache_write_mtok", "input_mtok"),
        cache_write_1h=pick("cache_write_1h_mtok", "cache_write_mtok", "input_mtok"),
    )
    return rates, threshold


def lookup_snapshot(model: str, day: str) -> ModelRates | None:
    """Rates from the bundled genai-prices snapshot for a model on a UTC day, or None."""
    from genai_prices import data_snapshot

    snapshot = data_snapshot.get_snapshot()
    try:
        _provider, info = snapshot.find_provider_model(model, None, None, None)
    except Exception:
        return None
    when = datetime.fromisoformat(day).replace(tzinfo=UTC)
    prices = info.get_prices(when)
    base, _ = _decimal_rates(prices, tiered=False)
    tier, threshold = _decimal_rates(prices, tiered=True)
    if threshold is None:
        return ModelRates(base=base)
    return ModelRates(base=base, tier_threshold=threshold, tier=tier)


class PriceBook:
    """Resolves (model, UTC day) to rates: overrides first, then the snapshot.

    ``cache`` maps (model, day) to the JSON of the rates or "" for "no known price"; the
    caller persists new entries (``new_entries``) so later runs skip genai-prices entirely.
    """

    def __init__(
        self,
        overrides: Mapping[str, ModelRates] | None = None,
        cache: MutableMapping[tuple[str, str], str] | None = None,
    ) -> None:
        self.overrides = dict(overrides or {})
        self._cache: MutableMapping[tuple[str, str], str] = cache if cache is not None else {}
        self._parsed: dict[tuple[str, str], ModelRates | None] = {}
        self.new_entries: dict[tuple[str, str], str] = {}

    def rates(self, model: str, day: str) -> ModelRates | None:
        key = (model, day)
        if key in self._parsed:
            return self._parsed[key]
        override = _override_for(model, self.overrides)
        if override is not None:
            self._parsed[key] = override
            return override
        cached = self._cache.get(key)
        if cached is None:
            found = lookup_snapshot(model, day) if model else None
            cached = found.to_json() if found else ""
            self._cache[key] = cached
            self.new_entries[key] = cached
        result = ModelRates.from_json(cached) if cached else None
        self._parsed[key] = result
        return result
