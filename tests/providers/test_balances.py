"""DeepSeek, Moonshot (Kimi) and z.ai adapters over real loopback HTTP against
aiusage.fake.balances: values and units, every failure class, chaos, and no key leaks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest

from aiusage.errors import (
    SourceAuthError,
    SourceError,
    SourceFormatError,
    SourceRateLimitError,
    SourceUnavailableError,
)
from aiusage.fake import balances as fake
from aiusage.fake.server import Reply, garbage, html_error, rate_limited, slow, truncated_json
from aiusage.records import WINDOW_USED_PERCENT
from aiusage.sources.providers.balance import BalanceAdapter
from aiusage.sources.providers.base import (
    BALANCE,
    BALANCE_METRIC,
    KEY_VALID,
    USAGE,
    CollectRequest,
)
from aiusage.sources.providers.deepseek import DeepSeekProvider
from aiusage.sources.providers.moonshot import MoonshotProvider, currency_for
from aiusage.sources.providers.zai import ZaiProvider, used_percent, window_name

NOW_MS = fake.NOW_MS
ALL_KEYS = (
    fake.DEEPSEEK_KEY,
    fake.DEEPSEEK_EMPTY_KEY,
    fake.MOONSHOT_KEY,
    fake.MOONSHOT_DEFICIT_KEY,
    fake.ZAI_KEY,
)
#: provider name -> (adapter, a working key)
PROVIDERS: dict[str, tuple[BalanceAdapter, str]] = {
    "deepseek": (DeepSeekProvider(), fake.DEEPSEEK_KEY),
    "moonshot": (MoonshotProvider(), fake.MOONSHOT_KEY),
    "zai": (ZaiProvider(), fake.ZAI_KEY),
}


@pytest.fixture
def server() -> Iterator[fake.FakeBalances]:
    srv = fake.FakeBalances(seed=3)
    with srv:
        yield srv


def run(
    server: fake.FakeBalances,
    name: str,
    key: str | None = None,
    *,
    suffix: str = "",
    options: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    check: bool = False,
) -> Any:
    adapter, default_key = PROVIDERS[name]

    async def go() -> Any:
        base = server.base_url + suffix
        async with httpx.AsyncClient(base_url=base, timeout=timeout) as client:
            request = CollectRequest(
                account=f"{name}-main",
                base_url=base,
                key=default_key if key is None else key,
                options=options or {},
                since_ms=0,
                now_ms=NOW_MS,
                client=client,
            )
            return await (adapter.check(request) if check else adapter.collect(request))

    return asyncio.run(go())


def fails(server: fake.FakeBalances, name: str, **kw: Any) -> SourceError:
    with pytest.raises(SourceError) as caught:
        run(server, name, **kw)
    assert_no_key(str(caught.value), caught.value.hint)
    return caught.value


def assert_no_key(*texts: str) -> None:
    for text in texts:
        for key in ALL_KEYS:
            assert key not in text


def readings(found: Any, metric: str) -> dict[str, Any]:
    return {o.window: o for o in found.observations if o.metric == metric}


# -- DeepSeek -----------------------------------------------------------------------------


def test_deepseek_balance_per_currency_from_strings(server: fake.FakeBalances) -> None:
    found = run(server, "deepseek")
    body = server.deepseek[fake.DEEPSEEK_KEY]
    balances = readings(found, BALANCE_METRIC)
    assert set(balances) == {"CNY", "USD"}
    for info in body["balance_infos"]:
        o = balances[info["currency"]]
        assert o.unit == info["currency"] and isinstance(o.value, float)
        assert o.value == float(info["total_balance"])
        assert o.meta["granted"] == float(info["granted_balance"])
        assert o.meta["topped_up"] == float(info["topped_up_balance"])
        assert o.value == pytest.approx(o.meta["granted"] + o.meta["topped_up"])
        assert o.meta["is_available"] is True
    assert readings(found, KEY_VALID)[""].value == 1.0
    assert found.events == [] and found.complete_until_ms is None and found.degraded == []
    assert server.requests[-1].bearer() == fake.DEEPSEEK_KEY


def test_deepseek_check_and_an_empty_account(server: fake.FakeBalances) -> None:
    infos = server.deepseek[fake.DEEPSEEK_KEY]["balance_infos"]
    text = run(server, "deepseek", check=True)
    assert f"¥{float(infos[0]['total_balance']):,.2f}" in text
    assert f"${float(infos[1]['total_balance']):,.2f}" in text
    empty = run(server, "deepseek", fake.DEEPSEEK_EMPTY_KEY, check=True)
    assert "¥0.00" in empty and "not enough for API calls" in empty


def test_deepseek_refusal_echoes_only_the_key_tail(server: fake.FakeBalances) -> None:
    wrong = "sk-ffffffffffffffffffffffffffff9a9b"
    exc = fails(server, "deepseek", key=wrong)
    assert isinstance(exc, SourceAuthError)
    assert "****9a9b" in str(exc) and wrong not in str(exc)


def test_deepseek_bad_amount_is_a_format_error(server: fake.FakeBalances) -> None:
    server.deepseek[fake.DEEPSEEK_KEY]["balance_infos"][0]["total_balance"] = "N/A"
    assert isinstance(fails(server, "deepseek"), SourceFormatError)
    server.deepseek[fake.DEEPSEEK_KEY] = {"is_available": True}
    assert "balance_infos" in str(fails(server, "deepseek"))


# -- Moonshot -----------------------------------------------------------------------------


def test_moonshot_balance_with_voucher_and_cash(server: fake.FakeBalances) -> None:
    found = run(server, "moonshot")
    data = server.moonshot[fake.MOONSHOT_KEY]["data"]
    o = readings(found, BALANCE_METRIC)["USD"]  # a non-.cn host bills in USD
    assert o.value == data["available_balance"] and o.unit == "USD"
    assert o.meta == {"voucher": data["voucher_balance"], "cash": data["cash_balance"]}
    assert o.value == pytest.approx(o.meta["voucher"] + o.meta["cash"])
    assert server.requests[-1].path == fake.MOONSHOT_PATH


def test_moonshot_accepts_the_openai_style_base_url(server: fake.FakeBalances) -> None:
    run(server, "moonshot", suffix="/v1")
    assert server.requests[-1].path == fake.MOONSHOT_PATH  # not /v1/v1/…


def test_moonshot_deficit_and_currency(server: fake.FakeBalances) -> None:
    data = server.moonshot[fake.MOONSHOT_DEFICIT_KEY]["data"]
    assert data["cash_balance"] < 0
    found = run(server, "moonshot", fake.MOONSHOT_DEFICIT_KEY, options={"currency": "cny"})
    o = readings(found, BALANCE_METRIC)["CNY"]
    assert o.value == data["voucher_balance"] and o.meta["cash"] == data["cash_balance"]
    text = run(server, "moonshot", fake.MOONSHOT_DEFICIT_KEY, check=True)
    assert "deficit" in text
    assert currency_for("https://api.moonshot.cn", {}) == "CNY"
    assert currency_for("https://api.moonshot.ai/v1", {}) == "USD"


def test_moonshot_errors(server: fake.FakeBalances) -> None:
    exc = fails(server, "moonshot", key=fake.DEEPSEEK_KEY)  # a key for another provider
    assert isinstance(exc, SourceAuthError) and "Invalid Authentication" in str(exc)
    server.moonshot[fake.MOONSHOT_KEY] = {"code": 5, "status": False, "scode": "0x5"}
    assert "0x5" in str(fails(server, "moonshot"))


# -- z.ai ---------------------------------------------------------------------------------


def test_zai_windows_from_the_quota_endpoint(server: fake.FakeBalances) -> None:
    found = run(server, "zai")
    limits = server.zai[fake.ZAI_KEY]["data"]["limits"]
    windows = readings(found, WINDOW_USED_PERCENT)
    assert set(windows) == {"5h", "7d", "mcp"}
    assert windows["5h"].value == limits[0]["percentage"]
    assert windows["5h"].resets_at_ms == limits[0]["nextResetTime"]
    assert windows["7d"].value == limits[1]["percentage"]
    mcp = limits[2]
    assert windows["mcp"].value == pytest.approx(mcp["currentValue"] / mcp["usage"] * 100)
    assert windows["mcp"].resets_at_ms is None
    assert all(o.meta["plan"] == "Pro" and o.meta["unverified"] for o in windows.values())
    assert all(o.limit == 100.0 and o.unit == "%" for o in windows.values())
    text = run(server, "zai", check=True)
    assert text.startswith("z.ai plan Pro") and "5h" in text


def test_zai_team_scope_sends_the_headers(server: fake.FakeBalances) -> None:
    team = {"organization": fake.ZAI_ORG, "project": fake.ZAI_PROJECT}
    run(server, "zai", options=team)
    sent = server.requests[-1]
    assert sent.path.endswith("?type=2")
    assert sent.headers["bigmodel-organization"] == fake.ZAI_ORG
    exc = fails(server, "zai", options={**team, "project": "proj-other"})
    assert isinstance(exc, SourceAuthError) and "403" in str(exc)


def test_zai_refusals(server: fake.FakeBalances) -> None:
    assert isinstance(fails(server, "zai", key="not-a-zai-key"), SourceAuthError)
    server.zai[fake.ZAI_KEY] = {"code": 1113, "msg": "no coding plan", "success": False}
    exc = fails(server, "zai")
    assert "1113" in str(exc) and "no coding plan" in str(exc)


def test_zai_unit_codes_and_percent() -> None:
    assert window_name("TOKENS_LIMIT", 3, 5) == "5h"
    assert window_name("TOKENS_LIMIT", 6, 1) == "7d"
    assert window_name("TOKENS_LIMIT", 1, 1) == "1d"
    assert window_name("TOKENS_LIMIT", 5, 30) == "30m"
    assert window_name("CREDIT_LIMIT", 3, 5) == "credits-5h"
    assert window_name("TIME_LIMIT", 5, 1) == "mcp"
    assert window_name("TOKENS_LIMIT", 9, 2) == "unit9x2"
    assert used_percent({"percentage": 140}) == 100.0
    assert used_percent({"usage": 200, "remaining": 150, "percentage": 99}) == 25.0
    assert used_percent({"type": "TOKENS_LIMIT"}) is None


# -- every provider -------------------------------------------------------------------------


def test_no_history_anywhere_and_zai_is_marked_unverified() -> None:
    for adapter, _ in PROVIDERS.values():
        assert USAGE in adapter.info.unavailable and USAGE not in adapter.info.reports
    assert BALANCE in DeepSeekProvider.info.reports and BALANCE in MoonshotProvider.info.reports
    assert BALANCE in ZaiProvider.info.unavailable
    assert "unverified" in ZaiProvider.info.label


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_no_key_configured(server: fake.FakeBalances, name: str) -> None:
    exc = fails(server, name, key="")
    assert isinstance(exc, SourceAuthError) and server.requests == []


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_429_retry_after(server: fake.FakeBalances, name: str) -> None:
    server.script(rate_limited({"error": {"message": "Too many requests"}}, "45"))
    exc = fails(server, name)
    assert isinstance(exc, SourceRateLimitError) and exc.retry_after_s == 45
    server.script(rate_limited({"error": {"message": "Too many requests"}}, "0"))
    assert run(server, name).observations  # a short wait is retried


@pytest.mark.parametrize("name", sorted(PROVIDERS))
@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(503, {"error": {"message": "Service busy"}}), SourceUnavailableError),
        (html_error(502), SourceUnavailableError),
        (garbage(), SourceFormatError),
        (truncated_json(), SourceFormatError),
    ],
)
def test_failures(
    server: fake.FakeBalances, name: str, reply: Reply, error: type[SourceError]
) -> None:
    server.script(*[reply] * 3)
    exc = fails(server, name)
    assert type(exc) is error
    assert len(server.requests) == 3  # retried, then reported


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_timeout(server: fake.FakeBalances, name: str) -> None:
    server.script(*[slow(2.0)] * 3)
    exc = fails(server, name, timeout=0.2)
    assert isinstance(exc, SourceUnavailableError) and "no answer within" in str(exc)


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_chaos_gives_right_values_or_a_clean_error(name: str) -> None:
    srv = fake.FakeBalances(seed=5)
    with srv:
        expected = run(srv, name).observations
        results = {"ok": 0, "error": 0}
        for seed in range(15):
            srv.chaos(0.3, seed)
            try:
                found = run(srv, name)
            except SourceError as exc:
                assert type(exc) in (SourceUnavailableError, SourceFormatError)
                assert_no_key(str(exc), exc.hint)
                results["error"] += 1
                continue
            assert found.observations == expected
            results["ok"] += 1
    assert results["ok"] > 0 and sum(results.values()) == 15
