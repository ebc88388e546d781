"""Shared plumbing for providers whose only free API is a balance (or quota) reading.

Why a helper: DeepSeek, Moonshot and z.ai each expose one GET with a Bearer key and no
usage history, so ``collect`` and ``check`` are the same call; only the path and the body
differ. An adapter subclasses ``BalanceAdapter`` and implements ``read`` and ``summary``.
Amounts may arrive as strings ("110.00") or numbers; ``amount`` accepts both and turns
anything else into a ``SourceFormatError`` rather than a silent zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from aiusage.errors import SourceAuthError, SourceFormatError
from aiusage.records import Observation
from aiusage.sources.providers.base import (
    KEY_VALID,
    USAGE,
    Collected,
    CollectRequest,
    ProviderInfo,
)
from aiusage.sources.providers.http import request_json

NO_HISTORY = (
    "the public API has no usage or cost history; only the current balance can be read "
    "(the provider's web console shows per-day usage)"
)


def no_usage(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """``ProviderInfo.unavailable`` for a provider with no usage history."""
    return {USAGE: NO_HISTORY, **(extra or {})}


def amount(value: Any, field: str, where: str) -> float:
    """A money amount sent as a number or a decimal string; never a bool, NaN or text."""
    if isinstance(value, bool) or value is None:
        raise SourceFormatError(f"{where}: '{field}' is {value!r}, not an amount")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise SourceFormatError(f"{where}: '{field}' is {value!r}, not an amount") from None
    else:
        raise SourceFormatError(f"{where}: '{field}' is {type(value).__name__}, not an amount")
    if not math.isfinite(number):
        raise SourceFormatError(f"{where}: '{field}' is {value!r}, not an amount")
    return number


def mapping(value: Any, what: str, where: str) -> dict[str, Any]:
    """``value`` as a JSON object, or a ``SourceFormatError`` naming what was expected."""
    if not isinstance(value, dict):
        raise SourceFormatError(f"{where}: expected {what} to be an object, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def key_valid(request: CollectRequest, source: str) -> Observation:
    """The key answered a request: a STATUS reading every adapter can give for free."""
    return Observation(
        ts_ms=request.now_ms,
        account=request.account,
        metric=KEY_VALID,
        value=1.0,
        source=source,
    )


def bearer(request: CollectRequest, info: ProviderInfo) -> dict[str, str]:
    """Auth headers, or a ``SourceAuthError`` saying where to get a key when none is set."""
    if not request.key:
        raise SourceAuthError(
            f"{info.label}: no API key is configured for account '{request.account}'",
            hint=info.key_hint or "add a key to the account",
        )
    return {"Authorization": f"Bearer {request.key}", "Accept": "application/json"}


class BalanceAdapter:
    """One free GET gives every reading; ``collect`` and ``check`` both make it."""

    info: ProviderInfo
    label: str  # names the request in errors: 'DeepSeek balance'

    def path(self, request: CollectRequest) -> str:
        """The request path, relative to the account's base URL."""
        raise NotImplementedError

    def params(self, request: CollectRequest) -> dict[str, str] | None:
        return None

    def extra_headers(self, request: CollectRequest) -> dict[str, str]:
        return {}

    def read(self, body: Any, request: CollectRequest) -> list[Observation]:
        """Observations from the parsed body; raise ``SourceFormatError`` on a wrong shape."""
        raise NotImplementedError

    def summary(self, observations: list[Observation]) -> str:
        """One line for ``accounts test``: what the key can see."""
        raise NotImplementedError

    async def read_state(self, request: CollectRequest) -> list[Observation]:
        headers = {**bearer(request, self.info), **self.extra_headers(request)}
        answer = await request_json(
            request.client,
            "GET",
            self.path(request),
            label=self.label,
            secrets=[request.key or ""],
            headers=headers,
            params=self.params(request),
            login_hint=f"the key was refused: {self.info.key_hint}",
            forbidden_hint=f"the key may not read the balance: {self.info.key_hint}",
        )
        return [*self.read(answer.body, request), key_valid(request, self.info.name)]

    async def collect(self, request: CollectRequest) -> Collected:
        """The current balance only: there is no history, so no cursor to advance."""
        return Collected(observations=await self.read_state(request))

    async def check(self, request: CollectRequest) -> str:
        """The balance call is free, so it doubles as the key check."""
        return self.summary(await self.read_state(request))


def money_text(value: float, unit: str) -> str:
    symbol = {"USD": "$", "CNY": "¥"}.get(unit)
    return f"{symbol}{value:,.2f}" if symbol else f"{value:,.2f} {unit}".strip()
