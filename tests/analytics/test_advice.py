"""Advice and what-if as pure functions over the real price table (genai-prices' snapshot).

Every expected figure is derived from the price table itself: a request's cost is
``ModelRates.cost`` (pricing's own per-request rule, long-context tier included), a sum of
requests is the sum of those costs.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiusage.analytics.advice import FAMILIES, advise, candidates, family_of, normalize
from aiusage.analytics.mix import TokenMix, Usage, tier_floor, usages
from aiusage.analytics.whatif import close_matches, matching_models, what_if
from aiusage.pricing import ModelRates, PriceBook, parse_overrides

DAY = "2026-11-05"
SONNET = "claude-sonnet-4-5-20250929"
OPUS = "claude-opus-4-5-20251101"
BOOK = PriceBook()

# (uncached input, output, cache read, cache write 5m, cache write 1h) per request
REQUESTS = [(3, 420, 41_000, 2_100, 0), (12, 1_800, 58_000, 0, 3_500), (1, 96, 61_000, 400, 0)]


def rates(model: str, day: str = DAY) -> ModelRates:
    found = BOOK.rates(model, day)
    assert found is not None, model
    return found


def at(model: str, day: str = DAY) -> ModelRates | None:
    return BOOK.rates(model, day)


def mix_of(requests: list[tuple[int, int, int, int, int]]) -> TokenMix:
    total = TokenMix()
    for r in requests:
        total += TokenMix(*r, requests=1)
    return total


def billed(model: str, requests: list[tuple[int, int, int, int, int]], day: str = DAY) -> float:
    """What the price table charges for these requests, one by one."""
    return sum(rates(model, day).cost(*r) for r in requests)


def usage_of(model_requests: list[tuple[int, int, int, int, int]], floor: int | None) -> Usage:
    mix = mix_of(model_requests)
    raw = [("k", i, o, cr, w5 + w1) for i, o, cr, w5, w1 in model_requests]
    return usages({"k": mix}, raw, floor)["k"]


def test_savings_are_the_price_table_at_the_users_exact_mix() -> None:
    used = {SONNET: usage_of(REQUESTS, None)}
    result = advise(used, at, day=DAY, recorded={SONNET: 1.23})
    [sonnet] = result.models
    assert sonnet.cost_usd == pytest.approx(billed(SONNET, REQUESTS))
    assert sonnet.recorded_usd == 1.23 and sonnet.family == "Claude Sonnet"
    assert sonnet.options, "Sonnet has cheaper comparable models"
    for option in sonnet.options:
        expected = billed(option.model, REQUESTS)
        assert option.cost_usd == pytest.approx(expected)
        assert option.saving_usd == pytest.approx(sonnet.cost_usd - expected)
        assert option.saving_pct == pytest.approx(100 * (1 - expected / sonnet.cost_usd))
    savings = [o.saving_usd for o in sonnet.options]
    assert savings == sorted(savings, reverse=True)
    assert {o.model for o in sonnet.options} | set(sonnet.not_cheaper) == {
        a.model
        for a in family_of(SONNET).alternatives  # type: ignore[union-attr]
    }
    assert result.best_saving_usd == pytest.approx(savings[0])
    haiku = next(o for o in sonnet.options if o.model == "claude-haiku-4-5")
    assert not any("another provider" in c for c in haiku.caveats)
    gpt = next(o for o in sonnet.options if o.provider == "openai")
    assert any("another provider" in c for c in gpt.caveats)
    assert any(c.startswith("cache is") for c in gpt.caveats)  # cache reads dominate here


def test_unknown_prices_are_skipped_and_named_never_counted_as_free() -> None:
    used = {
        "mystery-model-9000": usage_of(REQUESTS, None),
        SONNET: usage_of(REQUESTS, None),
        "gpt-5": Usage(TokenMix(), (), None),  # a bill line without tokens: nothing to reprice
    }
    result = advise(used, at, day=DAY, extra=["no-such-model-xyz"])
    assert result.unpriced == ["mystery-model-9000"]
    assert [m.model for m in result.models] == [SONNET]
    assert result.models[0].no_price == ["no-such-model-xyz"]
    assert "no-such-model-xyz" not in {o.model for o in result.models[0].options}


def test_the_used_model_is_never_its_own_alternative() -> None:
    assert "claude-opus-4-5" in {a.model for a in candidates("claude-opus-4-1-20250805")}
    assert "claude-opus-4-5" not in {a.model for a in candidates(OPUS)}
    extra = ["claude-sonnet-4-5", "anthropic/claude-sonnet-4-5@20250929", "gpt-5-mini"]
    names = [a.model for a in candidates(SONNET, extra)]
    assert "claude-sonnet-4-5" not in names and len(names) == len(set(names))
    result = advise({SONNET: usage_of(REQUESTS, None)}, at, day=DAY, extra=extra)
    m = result.models[0]
    assert all(normalize(n) != normalize(SONNET) for n in [*m.not_cheaper, *m.no_price])
    assert all(normalize(o.model) != normalize(SONNET) for o in m.options)


def test_a_dearer_model_is_listed_as_not_cheaper() -> None:
    result = advise({"gpt-5-nano": usage_of(REQUESTS, None)}, at, day=DAY, extra=["gpt-5"])
    assert result.models[0].options == [] and result.models[0].not_cheaper == ["gpt-5"]


def test_user_price_overrides_reach_the_advice() -> None:
    book = PriceBook(parse_overrides({"claude-haiku-4-5": {"input": 0.5, "output": 1.0}}))
    result = advise({SONNET: usage_of(REQUESTS, None)}, lambda m: book.rates(m, DAY), day=DAY)
    haiku = next(o for o in result.models[0].options if o.model == "claude-haiku-4-5")
    mix = mix_of(REQUESTS)  # cache reads and writes default to the input price
    assert haiku.cost_usd == pytest.approx((mix.input + mix.cached) * 0.5e-6 + mix.output * 1e-6)


LONG = [(2, 900, 230_000, 4_000, 0), (5, 300, 120_000, 1_000, 0)]  # the first crosses 200k


def test_long_context_requests_are_priced_at_the_tier_as_billed() -> None:
    sonnet = rates(SONNET)
    assert sonnet.tier is not None and sonnet.tier_threshold == 200_000
    floor = tier_floor([sonnet, rates(OPUS)])
    assert floor == 200_000
    usage = usage_of(LONG, floor)
    assert len(usage.long) == 1 and usage.long_requests(sonnet) == 1
    assert usage.cost(sonnet) == pytest.approx(billed(SONNET, LONG))
    assert usage.cost(sonnet) > mix_of(LONG).cost(sonnet)  # more than the base rates
    result = advise({OPUS: usage}, at, day=DAY)
    opus = result.models[0]
    sonnet_alt = [o for o in opus.options if o.model == "claude-sonnet-4-5"]
    if sonnet_alt:
        assert sonnet_alt[0].cost_usd == pytest.approx(billed("claude-sonnet-4-5", LONG))
        assert any("for 1 of these requests" in c for c in sonnet_alt[0].caveats)
    else:
        assert "claude-sonnet-4-5" in opus.not_cheaper
    # Without the single requests the tier cannot be applied: said so, at base rates.
    blind = advise({SONNET: usage_of(LONG, None)}, at, day=DAY).models[0]
    assert blind.cost_usd == pytest.approx(mix_of(LONG).cost(sonnet))
    assert any("priced at base rates" in c for c in blind.caveats)


request = st.tuples(
    st.integers(0, 5_000),
    st.integers(0, 20_000),
    st.integers(0, 400_000),
    st.integers(0, 60_000),
    st.just(0),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(request, min_size=1, max_size=12))
def test_usage_cost_equals_the_sum_of_per_request_costs(reqs: list[tuple[int, ...]]) -> None:
    typed = [(a, b, c, d, e) for a, b, c, d, e in reqs]
    floor = tier_floor([rates(SONNET)])
    usage = usage_of(typed, floor)
    for model in (SONNET, OPUS, "gemini-2.5-pro", "gpt-5"):
        assert usage.cost(rates(model)) == pytest.approx(billed(model, typed))


def test_what_if_reprices_each_day_at_that_days_prices() -> None:
    d1, d2 = date(2026, 11, 3), date(2026, 11, 4)
    day1, day2 = REQUESTS[:2], REQUESTS[2:] + LONG
    floor = tier_floor([rates(OPUS), rates("claude-sonnet-4-5")])
    used = {(d1, OPUS): usage_of(day1, floor), (d2, OPUS): usage_of(day2, floor)}
    result = what_if(used, {(d1, OPUS): 0.5, (d2, OPUS): 0.25}, "claude-sonnet-4-5", at)
    assert result.from_models == [OPUS] and [d.day for d in result.days] == [d1, d2]
    for d, reqs in ((result.days[0], day1), (result.days[1], day2)):
        assert d.old_usd == pytest.approx(billed(OPUS, reqs, d.day.isoformat()))
        assert d.new_usd == pytest.approx(billed("claude-sonnet-4-5", reqs, d.day.isoformat()))
    assert result.old_usd == pytest.approx(sum(d.old_usd for d in result.days))
    assert result.difference_usd == pytest.approx(result.new_usd - result.old_usd)
    assert result.recorded_usd == pytest.approx(0.75)
    assert result.mix == mix_of(day1 + day2)
    assert result.long_requests == {"claude-sonnet-4-5": 1}
    assert any("claude-sonnet-4-5 charges its higher rate for 1 " in c for c in result.caveats)


def test_what_if_skips_days_without_a_price() -> None:
    used = {(date(2026, 11, 3), "mystery-model-9000"): usage_of(REQUESTS, None)}
    result = what_if(used, {}, "gpt-5", at)
    assert result.old_usd == result.new_usd == 0 and result.days == []
    assert result.skipped == ["mystery-model-9000 on 2026-11-03: no price for mystery-model-9000"]
    assert result.skipped_tokens == mix_of(REQUESTS).tokens
    assert result.difference_pct is None


def test_model_names_match_as_users_type_them() -> None:
    used = [SONNET, OPUS, "claude-opus-4-1-20250805", "gpt-5-codex"]
    assert matching_models(SONNET, used) == [SONNET]
    assert matching_models("claude-sonnet-4-5", used) == [SONNET]
    assert matching_models("claude-opus-*", used) == ["claude-opus-4-1-20250805", OPUS]
    assert matching_models("opus", used) == []
    assert close_matches("opus", used)[:2] == ["claude-opus-4-1-20250805", OPUS]
    assert "claude-sonnet-4-5" in close_matches("claude-sonet-4-5", ["claude-sonnet-4-5", "x"])


def test_families_match_the_names_agents_log() -> None:
    expected = {
        SONNET: "Claude Sonnet",
        "claude-3-5-sonnet-20241022": "Claude Sonnet",
        "anthropic/claude-opus-4-1": "Claude Opus",
        "claude-3-5-haiku-20241022": "Claude Haiku",
        "gpt-5-codex": "GPT-5",
        "gpt-5.1-codex-mini": "GPT-5 mini",
        "gpt-5-2025-08-07": "GPT-5",
        "gpt-4o-2024-08-06": "GPT-4o",
        "gpt-4o-mini": "GPT-4 mini",
        "o3": "OpenAI o-series",
        "gemini-2.5-pro": "Gemini Pro",
        "gemini-2.5-flash": "Gemini Flash",
    }
    for model, family in expected.items():
        found = family_of(model)
        assert found is not None and found.name == family, model
    assert family_of("gemini-2.5-flash-lite") is None


def test_every_curated_alternative_has_a_price_and_a_reason() -> None:
    for family in FAMILIES:
        assert family.alternatives, family.name
        for alt in family.alternatives:
            assert alt.why and alt.provider, alt
            assert BOOK.rates(alt.model, DAY) is not None, alt.model
