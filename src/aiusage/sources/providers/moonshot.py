"""Moonshot / Kimi Open Platform: the prepaid balance from ``GET /v1/users/me/balance``.

Why the currency comes from the host: the body carries bare floats, and keys are bound
to a region — api.moonshot.cn bills in CNY, api.moonshot.ai in USD (the .ai unit is what
CodexBar shows; no official page states it). The ``currency`` option overrides this.
``cash_balance`` goes negative when spending outruns cash; ``available_balance`` is what
the platform still lets the key spend. The Kimi Code subscription is a different product
with its own (undocumented) endpoint and is not read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from aiusage.errors import SourceError
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

BALANCE_PATH = "v1/users/me/balance"


def currency_for(base_url: str, options: Mapping[str, str]) -> str:
    """The balance's currency: the ``currency`` option, else CNY for .cn hosts, else USD."""
    chosen = options.get("currency", "").strip().upper()
    if chosen:
        return chosen
    host = urlsplit(base_url).hostname or ""
    return "CNY" if host.endswith(".cn") else "USD"


class MoonshotProvider(BalanceAdapter):
    """Available balance (with voucher and cash parts); key validity."""

    info = ProviderInfo(
        name="moonshot",
        label="Moonshot (Kimi)",
        default_base_url="https://api.moonshot.ai",
        reports=frozenset({BALANCE, STATUS}),
        unavailable=no_usage(
            {
                COST: "no billing API: spend shows only as the balance going down",
                RATE_LIMITS: "rate limits depend on the account tier and are not exposed",
            }
        ),
        key_hint="create an API key at https://platform.moonshot.ai/console/api-keys "
        "(China: platform.moonshot.cn, with base URL https://api.moonshot.cn)",
        options={"currency": "the balance's currency (default: CNY on .cn hosts, else USD)"},
    )
    label = "Moonshot balance"

    def path(self, request: CollectRequest) -> str:
        # The OpenAI-style base URL (…/v1) works too: do not ask for /v1/v1/….
        base = str(request.client.base_url).rstrip("/")
        return BALANCE_PATH.removeprefix("v1/") if base.endswith("/v1") else BALANCE_PATH

    def read(self, body: Any, request: CollectRequest) -> list[Observation]:
        where = self.label
        doc = mapping(body, "the answer", where)
        if doc.get("status") is False or doc.get("code") not in (0, None):
            said = doc.get("message") or doc.get("scode") or doc.get("code")
            raise SourceError(
                f"{where}: the platform answered with an error ({str(said)[:120]})",
                hint="check the key and its region in the Moonshot console",
            )
        data = mapping(doc.get("data"), "'data'", where)
        unit = currency_for(request.base_url, request.options)
        available = amount(data.get("available_balance"), "available_balance", where)
        return [
            Observation(
                ts_ms=request.now_ms,
                account=request.account,
                metric=BALANCE_METRIC,
                value=available,
                window=unit,
                unit=unit,
                source=self.info.name,
                meta={
                    "voucher": amount(data.get("voucher_balance"), "voucher_balance", where),
                    "cash": amount(data.get("cash_balance"), "cash_balance", where),
                },
            )
        ]

    def summary(self, observations: list[Observation]) -> str:
        found = next(o for o in observations if o.metric == BALANCE_METRIC)
        cash = float(found.meta["cash"])
        text = f"Moonshot balance {money_text(found.value, found.unit)}"
        text += f" (vouchers {money_text(float(found.meta['voucher']), found.unit)}"
        text += f", cash {money_text(cash, found.unit)})"
        return text + (" — cash is in deficit" if cash < 0 else "")
