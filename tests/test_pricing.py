"""Our float fast path must agree with genai-prices' own Decimal calculation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from genai_prices import Usage, calc_price

from aiusage.errors import ConfigError
from aiusage.pricing import PriceBook, lookup_snapshot, parse_overrides

DAY = "2026-11-01"
WHEN = datetime(2026, 11, 1, 12, tzinfo=UTC)

CASES = [
    # model, uncached input, output, cache read, cache write 5m, cache write 1h
    ("claude-sonnet-4-5-20250929", 3, 131, 19_119, 4_303, 0),
    ("claude-sonnet-4-5-20250929", 10, 900, 190_000, 5_000, 6_000),  # 201k: long context
    ("claude-sonnet-4-5-20250929", 0, 50, 199_990, 10, 0),  # exactly 200k: base rate
    ("claude-opus-4-5-20251101", 5, 2_000, 150_000, 0, 20_000),
    ("claude-haiku-4-5-20251001", 1_000, 300, 0, 2_000, 0),
    ("claude-opus-4-1-20250805", 12, 700, 40_000, 1_000, 0),
    ("gpt-5-codex", 4_000, 1_200, 12_000, 0, 0),
    ("gpt-5.1-codex-max", 9_000, 2_000, 30_000, 0, 0),
]


@pytest.mark.parametrize(("model", "inp", "out", "read", "w5", "w1"), CASES)
def test_matches_genai_prices(model: str, inp: int, out: int, read: int, w5: int, w1: int) -> None:
    rates = lookup_snapshot(model, DAY)
    assert rates is not None
    ours = rates.cost(inp, out, read, w5, w1)
    usage = Usage(
        input_tokens=inp + read + w5 + w1,  # genai-prices counts cached input inside input
        cache_read_tokens=read,
        cache_write_tokens=w5 + w1,
        cache_write_1h_tokens=w1,
        output_tokens=out,
    )
    theirs = float(calc_price(usage, model, genai_request_timestamp=WHEN).total_price)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)


def test_long_context_charges_every_token_at_the_tier_rate() -> None:
    rates = lookup_snapshot("claude-sonnet-4-5-20250929", DAY)
    assert rates is not None and rates.tier is not None
    below = rates.cost(0, 1_000_000, 200_000, 0, 0)
    above = rates.cost(1, 1_000_000, 200_000, 0, 0)
    # Output doubles from $15 to $22.50/MTok and cache reads from $0.30 to $0.60/MTok.
    assert below == pytest.approx(15 + 0.06)
    assert above == pytest.approx(22.5 + 0.12, rel=1e-6)


def test_unknown_model_has_no_price() -> None:
    book = PriceBook()
    assert book.rates("no-such-model-xyz", DAY) is None
    assert book.new_entries == {("no-such-model-xyz", DAY): ""}


def test_cache_avoids_the_snapshot() -> None:
    rates = lookup_snapshot("claude-haiku-4-5-20251001", DAY)
    assert rates is not None
    cache = {("claude-haiku-4-5-20251001", DAY): rates.to_json()}
    book = PriceBook(cache=cache)
    assert book.rates("claude-haiku-4-5-20251001", DAY) == rates
    assert book.new_entries == {}


def test_overrides_exact_and_prefix() -> None:
    overrides = parse_overrides(
        {
            "my-local-model": {"input": 1, "output": 2},
            "claude-*": {
                "input": 10,
                "output": 20,
                "cache_read": 1,
                "cache_write": 12,
                "cache_write_1h": 15,
                "threshold": 100,
                "above_threshold": {"input": 100, "output": 200},
            },
        }
    )
    book = PriceBook(overrides)
    local = book.rates("my-local-model", DAY)
    assert local is not None
    assert local.cost(1_000_000, 1_000_000, 0, 0, 0) == pytest.approx(3.0)
    claude = book.rates("claude-sonnet-4-5-20250929", DAY)
    assert claude is not None
    assert claude.cost(50, 0, 50, 0, 0) == pytest.approx((50 * 10 + 50 * 1) / 1e6)
    assert claude.cost(51, 0, 50, 0, 0) == pytest.approx((51 * 100 + 50 * 100) / 1e6)


def test_bad_override_says_what_is_missing() -> None:
    with pytest.raises(ConfigError, match="'input' and 'output'"):
        parse_overrides({"x": {"input": 1}})
    with pytest.raises(ConfigError, match="threshold"):
        parse_overrides({"x": {"input": 1, "output": 1, "threshold": 5}})


def test_prices_by_date() -> None:
    # Opus 4.5 did not exist in 2024 but a lookup by date still resolves the model's
    # price list; a model whose price changed over time must give different rates.
    from genai_prices import data_snapshot

    snapshot = data_snapshot.get_snapshot()
    changed = None
    for provider in snapshot.providers:
        for model in provider.models:
            if isinstance(model.prices, list) and len(model.prices) > 1:
                changed = model
                break
        if changed:
            break
    assert changed is not None, "the snapshot has models with dated prices"
    first = changed.prices[0]
    later = changed.prices[-1]
    assert later.constraint is not None
    start = later.constraint.start_date
    ref = changed.id
    before = lookup_snapshot(ref, "2000-01-01")
    after = lookup_snapshot(ref, start.isoformat())
    assert before is not None and after is not None
    assert (before == after) == (first.prices == later.prices)


def test_price_table_version_is_the_installed_genai_prices_version() -> None:
    """The fingerprint reads the version without importlib.metadata (statusline speed)."""
    from importlib.metadata import version

    from aiusage.pricing import price_table_version

    assert price_table_version() == version("genai-prices")
