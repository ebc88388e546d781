"""What the cloud adapter tests share: run an adapter like the runtime does, over real
loopback HTTP, and check that no secret reaches an error."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Mapping
from typing import Any

import httpx

from aiusage.sources.providers.base import CollectRequest, Provider


def run(
    provider: Provider,
    base_url: str,
    *,
    key: str | None,
    options: Mapping[str, str],
    since_ms: int,
    now_ms: int,
    timeout: float = 5.0,
    check: bool = False,
) -> Any:
    """Collect (or check) with a client on the account's base URL, as runtime._request."""

    async def go() -> Any:
        async with httpx.AsyncClient(base_url=base_url, timeout=timeout) as client:
            request = CollectRequest(
                account="acct",
                base_url=base_url,
                key=key,
                options=dict(options),
                since_ms=since_ms,
                now_ms=now_ms,
                client=client,
            )
            return await (provider.check(request) if check else provider.collect(request))

    return asyncio.run(go())


def clean(exc: BaseException, *secrets: str) -> str:
    """The whole text of an error and its chain, asserted to hold none of ``secrets``."""
    chain, seen = [], exc
    while seen is not None:
        chain += traceback.format_exception_only(seen)
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    shown = "".join(chain) + repr(exc) + getattr(exc, "hint", "")
    for secret in secrets:
        assert secret and secret not in shown, shown
    return shown
