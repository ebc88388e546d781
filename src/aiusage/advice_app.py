"""The facade's advice side: cheaper models at the user's mix, and what-if repricing.

Reached as ``App.advice``. Token mixes come from the store's per-day rollup (``--since``,
``--until``, time zone, sources and project as the reports take them), plus the single
requests large enough to cross a long-context tier of a model compared (that tier is per
request); prices from the same pricer the scan uses, so ``[pricing.models]`` overrides
count here too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from aiusage.analytics.advice import FAMILIES, Advice, ModelAdvice, advise, candidates
from aiusage.analytics.mix import TokenMix, Usage, merge, tier_floor, usages
from aiusage.analytics.timezones import day_number_to_date, local_date, offset_segments
from aiusage.analytics.whatif import WhatIf, close_matches, matching_models, what_if
from aiusage.errors import ConfigError
from aiusage.pricing import ModelRates, price_table_version
from aiusage.store.queries import aggregate, event_points, time_range

if TYPE_CHECKING:
    from aiusage.app import App, ReportOptions

DEFAULT_DAYS = 30
Floor = Callable[[list[tuple[str, str]]], int | None]  # (day, model) used -> smallest tier


def _usd(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _tokens(mix: TokenMix) -> dict[str, int]:
    """The reports' field names (cache writes split by lifetime, as they are priced)."""
    return {
        "input_tokens": mix.input,
        "output_tokens": mix.output,
        "cache_read_tokens": mix.cache_read,
        "cache_write_5m_tokens": mix.cache_write_5m,
        "cache_write_1h_tokens": mix.cache_write_1h,
        "total_tokens": mix.tokens,
        "requests": mix.requests,
    }


@dataclass(slots=True)
class Scope:
    since: date | None
    until: date | None
    sources: tuple[str, ...]
    project: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "sources": list(self.sources),
            "project": self.project,
        }


@dataclass(slots=True)
class AdviceReport:
    period: Scope
    advice: Advice
    price_table: str

    def to_json(self) -> dict[str, Any]:
        return {
            **self.period.to_json(),
            "prices_as_of": self.advice.prices_day,
            "price_table": f"genai-prices {self.price_table}",
            "note": self.advice.note,
            "best_saving_usd": _usd(self.advice.best_saving_usd),
            "models": [_model_json(m) for m in self.advice.models],
            "unpriced_models": self.advice.unpriced,
        }


def _model_json(m: ModelAdvice) -> dict[str, Any]:
    return {
        "model": m.model,
        "provider": m.provider,
        "family": m.family,
        "tokens": _tokens(m.mix),
        "cost_usd": _usd(m.cost_usd),
        "recorded_usd": _usd(m.recorded_usd),
        "caveats": m.caveats,
        "alternatives": [
            {
                "model": o.model,
                "provider": o.provider,
                "why": o.why,
                "cost_usd": _usd(o.cost_usd),
                "saving_usd": _usd(o.saving_usd),
                "saving_pct": round(o.saving_pct, 2),
                "caveats": o.caveats,
            }
            for o in m.options
        ],
        "not_cheaper": m.not_cheaper,
        "no_price": m.no_price,
    }


@dataclass(slots=True)
class WhatIfReport:
    period: Scope
    result: WhatIf

    def to_json(self, per_day: bool = False) -> dict[str, Any]:
        r = self.result
        pct = r.difference_pct
        out: dict[str, Any] = {
            **self.period.to_json(),
            "from": r.from_models,
            "to": r.to_model,
            "tokens": _tokens(r.mix),
            "old_cost_usd": _usd(r.old_usd),
            "new_cost_usd": _usd(r.new_usd),
            "difference_usd": _usd(r.difference_usd),
            "difference_pct": None if pct is None else round(pct, 2),
            "recorded_usd": _usd(r.recorded_usd),
            "skipped": r.skipped,
            "skipped_tokens": r.skipped_tokens,
            "caveats": r.caveats,
            "note": r.note,
        }
        if per_day:
            out["days"] = [
                {
                    "date": d.day.isoformat(),
                    "old_cost_usd": _usd(d.old_usd),
                    "new_cost_usd": _usd(d.new_usd),
                    "difference_usd": _usd(d.difference_usd),
                }
                for d in r.days
            ]
        return out


class AdviceApi:
    def __init__(self, app: App) -> None:
        self.app = app

    def _usage(
        self, opts: ReportOptions, models: Callable[[list[str]], list[str]], floor: Floor
    ) -> tuple[dict[tuple[date, str], Usage], dict[tuple[date, str], float]]:
        """Per (local day, model): the usage, with the requests large enough to cross a
        long-context tier, and the recorded cost. ``models`` picks from the models used
        (those with tokens); ``floor`` gives the smallest tier among the models compared."""
        app = self.app
        app.store.refresh_rollup()
        tz = app.tz(opts.tz)
        flt = app._filter(opts, tz)
        span = time_range(app.store.db, flt)
        if span is None:
            models([])
            return {}, {}
        offsets = offset_segments(tz, span[0], span[1])
        mode = app._mode(opts)
        rows = aggregate(app.store.db, flt, mode, by_day=True, offsets=offsets)
        wanted = set(models(sorted({r.model for r in rows if TokenMix.of(r).tokens})))
        mixes: dict[tuple[date, str], TokenMix] = {}
        recorded: dict[tuple[date, str], float] = {}
        for row in rows:
            if row.model in wanted and row.day is not None:
                key = (day_number_to_date(row.day), row.model)
                mixes[key] = mixes.get(key, TokenMix()) + TokenMix.of(row)
                recorded[key] = recorded.get(key, 0.0) + row.cost_usd
        lowest = floor(sorted({(d.isoformat(), m) for d, m in mixes}))
        requests = (
            (
                (local_date(p.ts_ms, tz), p.model),
                p.input_tokens,
                p.output_tokens,
                p.cache_read_tokens,
                p.cache_creation_tokens,
            )
            for p in (event_points(app.store.db, flt, mode) if lowest is not None else ())
            if p.model in wanted
        )
        return usages(mixes, requests, lowest), recorded

    def _scope(self, opts: ReportOptions) -> Scope:
        from aiusage.app import normalize_agents

        return Scope(opts.since, opts.until, normalize_agents(opts.agents), opts.project)

    def advise(
        self, opts: ReportOptions, also: Sequence[str] = (), now_ms: int | None = None
    ) -> AdviceReport:
        """Cheaper comparable models for each model used in the period (by default the last
        30 days), priced at today's rates; ``also`` adds models to compare with every one."""
        now = now_ms if now_ms is not None else int(time.time() * 1000)
        if opts.since is None and opts.until is None:
            today = local_date(now, self.app.tz(opts.tz))
            opts = replace(opts, since=today - timedelta(days=DEFAULT_DAYS - 1))
        day = time.strftime("%Y-%m-%d", time.gmtime(now / 1000))
        pricer = self.app.pricer()
        extra = list(dict.fromkeys(also))

        def rates(model: str) -> ModelRates | None:
            return pricer.book.rates(model, day)

        def floor(used: list[tuple[str, str]]) -> int | None:
            names = {m for _, m in used}
            names |= {a.model for m in names for a in candidates(m, extra)}
            return tier_floor(rates(n) for n in names)

        cells, recorded_cells = self._usage(opts, lambda used: used, floor)
        per_model: dict[str, Usage] = {}
        recorded: dict[str, float] = {}
        for (_, model), usage in cells.items():
            prior = per_model.get(model)
            per_model[model] = usage if prior is None else merge(prior, usage)
        for (_, model), usd in recorded_cells.items():
            recorded[model] = recorded.get(model, 0.0) + usd
        result = advise(per_model, rates, day=day, recorded=recorded, extra=extra)
        pricer.save()
        return AdviceReport(self._scope(opts), result, price_table_version())

    def whatif(self, from_model: str, to_model: str, opts: ReportOptions) -> WhatIfReport:
        """Spend on ``from_model`` in the period, repriced at ``to_model``'s prices."""
        pricer = self.app.pricer()
        today = time.strftime("%Y-%m-%d", time.gmtime())
        if pricer.book.rates(to_model, today) is None:
            raise ConfigError(
                f"no known price for model {to_model!r}",
                hint=_did_you_mean(close_matches(to_model, self.known_models()))
                + "or give its prices in the config file's pricing.models table",
            )

        def pick(used: list[str]) -> list[str]:
            found = matching_models(from_model, used)
            if not found:
                raise _no_usage(from_model, used)
            return found

        def floor(used: list[tuple[str, str]]) -> int | None:
            days = {d for d, _ in used}
            return tier_floor(
                [pricer.book.rates(m, d) for d, m in used]
                + [pricer.book.rates(to_model, d) for d in days]
            )

        cells, recorded = self._usage(opts, pick, floor)

        def rates(model: str, day: str) -> ModelRates | None:
            return pricer.book.rates(model, day)

        result = what_if(cells, recorded, to_model, rates)
        pricer.save()
        return WhatIfReport(self._scope(opts), result)

    def known_models(self) -> list[str]:
        """Every model with a price: the price table, the overrides, the curated map."""
        from genai_prices import data_snapshot

        names = {m.id for p in data_snapshot.get_snapshot().providers for m in p.models}
        names.update(k for k in self.app.pricer().book.overrides if not k.endswith("*"))
        names.update(a.model for f in FAMILIES for a in f.alternatives)
        return sorted(str(n) for n in names)


def _did_you_mean(names: list[str]) -> str:
    return f"did you mean {', '.join(names)}? " if names else ""


def _no_usage(name: str, used: list[str]) -> ConfigError:
    if not used:
        return ConfigError(
            "no usage with tokens in this period",
            hint="widen --since/--until or --source, or run `aiusage daily` to see what is stored",
        )
    close = close_matches(name, used)
    hint = _did_you_mean(close) if close else f"models used: {', '.join(used[:10])}"
    return ConfigError(f"no usage of model {name!r} in this period", hint=hint.strip())
