"""DeepSeek: the prepaid balance per currency from ``GET /user/balance``.

Why balance only: DeepSeek's public API has no usage or cost endpoint; per-day usage lives
behind the web console's private session token, which we do not read. Amounts arrive as
decimal strings, one entry per currency (CNY and/or USD), so each currency is its own
reading (``window`` = currency keeps them apart in the store).
"""

from __future__ import annotations

from typing import Any

from aiusage.errors import SourceFormatError
from aiusage.records import Observation
from aiusage.sources.providers.balance import (
    BalanceAdapter,
    amount,
    mapping,
    money_text,
    no_usage,
)
from aiusage.sources.providers.base import (
    BALANCE,
    BALANCE_METRIC,
    COST,
    RATE_LIMITS,
    STATUS,
    CollectRequest,
    ProviderInfo,
)

BALANCE_PATH = "user/balance"


class DeepSeekProvider(BalanceAdapter):
    """Balance (total, granted, topped up) per currency; key validity."""

    info = ProviderInfo(
        name="deepseek",
        label="DeepSeek",
        default_base_url="https://api.deepseek.com",
        reports=frozenset({BALANCE, STATUS}),
        unavailable=no_usage(
            {
                COST: "no billing API: spend shows only as the balance going down",
                RATE_LIMITS: "DeepSeek does not rate limit per key and sends no limit headers",
            }
        ),
        key_hint="create an API key at https://platform.deepseek.com/api_keys",
    )
    label = "DeepSeek balance"

    def path(self, request: CollectRequest) -> str:
        return BALANCE_PATH

    def read(self, body: Any, request: CollectRequest) -> list[Observation]:
        where = self.label
        doc = mapping(body, "the answer", where)
        infos = doc.get("balance_infos")
        if not isinstance(infos, list):
            raise SourceFormatError(f"{where}: 'balance_infos' is missing or not a list")
        available = doc.get("is_available")
        found: list[Observation] = []
        for raw in infos:
            entry = mapping(raw, "a balance_infos entry", where)
            currency = entry.get("currency")
            if not isinstance(currency, str) or not currency:
                raise SourceFormatError(f"{where}: a balance entry has no currency")
            found.append(
                Observation(
                    ts_ms=request.now_ms,
                    account=request.account,
                    metric=BALANCE_METRIC,
                    value=amount(entry.get("total_balance"), "total_balance", where),
                    window=currency,
                    unit=currency,
                    source=self.info.name,
                    meta={
                        "granted": amount(entry.get("granted_balance"), "granted_balance", where),
                        "topped_up": amount(
                            entry.get("topped_up_balance"), "topped_up_balance", where
                        ),
                        "is_available": available if isinstance(available, bool) else None,
                    },
                )
            )
        return found

    def summary(self, observations: list[Observation]) -> str:
        balances = [o for o in observations if o.metric == BALANCE_METRIC]
        if not balances:
            return "DeepSeek key works; no balance listed"
        parts = [money_text(o.value, o.unit) for o in balances]
        usable = balances[0].meta.get("is_available")
        note = "" if usable is not False else " (not enough for API calls)"
        return "DeepSeek balance " + ", ".join(parts) + note
