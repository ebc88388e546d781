"""What the three cloud adapters (Azure OpenAI, AWS Bedrock, Vertex AI) share.

Why one place: all three read token metrics from the cloud's monitoring service in hourly
or daily buckets that settle late, and two of them read a daily bill from a separate cost
API. So they share the bucket option, the settle rule (the last buckets are re-read on the
next run; a re-read copy with more tokens replaces the stored one), when the cost API is
worth asking (once per UTC day, since bills lag a day and one is billed per request), and
how a failing cost part degrades without losing the usage part. Token events carry
``reported_cost_usd=0.0`` only when the account reads the bill (base.py's cost rule);
without it they carry None, so ``--mode auto`` prices the tokens instead of showing $0.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

from aiusage.errors import (
    ConfigError,
    SourceError,
    SourceFormatError,
    SourceRateLimitError,
    SourceUnavailableError,
)
from aiusage.records import UsageEvent
from aiusage.sources.providers.base import Collected

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
BUCKETS = {"1h": HOUR_MS, "1d": DAY_MS}
#: A bill is re-read for this many days before the collection's start: cloud bills fill
#: in over a day or two, and the store keeps the larger amount of a re-read day.
COST_LOOKBACK_DAYS = 3
BUCKET_HELP = "bucket width: 1h (default) or 1d; changing it later re-reads under new keys"


def bucket_ms(options: Mapping[str, str]) -> tuple[str, int]:
    """The ``bucket`` option: ('1h', 3600000) by default."""
    text = (options.get("bucket") or "1h").strip().lower()
    if text not in BUCKETS:
        raise ConfigError(f"option bucket={text!r} is not 1h or 1d", hint="e.g. --option bucket=1d")
    return text, BUCKETS[text]


def rfc3339(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


def settled_until(now_ms: int, width_ms: int, settle_ms: int) -> int:
    """The end of the last bucket the provider will not change any more."""
    return (now_ms - settle_ms) // width_ms * width_ms


def cost_due(since_ms: int, until_ms: int) -> bool:
    """Whether this run's usage window passes a UTC midnight: the bill is then read once,
    for the days before it (and re-read next time if that read failed)."""
    return since_ms // DAY_MS < until_ms // DAY_MS


def cost_days(since_ms: int, until_ms: int) -> tuple[int, int]:
    """[first, end) UTC days of the bill to read: whole days only, with the lookback."""
    return since_ms // DAY_MS * DAY_MS - COST_LOOKBACK_DAYS * DAY_MS, until_ms // DAY_MS * DAY_MS


def whole(value: object, where: str) -> int:
    """A count that arrives as a float (Azure, CloudWatch) or a string (Google's int64)."""
    number: float | None = None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value)
    elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        number = value
    if number is None or not 0 <= number < 1e18:
        raise SourceFormatError(f"{where}: {value!r} is not a count")
    return round(number)


async def usage_and_cost(
    usage: Callable[[list[UsageEvent]], Awaitable[None]],
    cost: Callable[[], Awaitable[list[UsageEvent]]] | None,
    *,
    start_ms: int,
    until_ms: int,
    width_ms: int,
) -> Collected:
    """Run the usage part and (when due) the cost part; a failing part is ``degraded`` and
    the other stands. Events read before a failure are kept; the cursor then stays so the
    next run re-reads what failed — except after a refused or invalid cost request (which
    repeats until the user fixes it), where it stays just before the last midnight so the
    bill is asked again without the usage re-read growing day after day."""
    out = Collected()
    errors: list[SourceError] = []
    usage_ok = cost_ok = True
    try:
        await usage(out.events)
    except SourceError as exc:
        errors.append(exc)
        out.degraded.append(f"usage: {exc}")
        usage_ok = False
    if cost is not None:
        try:
            out.events.extend(await cost())
        except SourceError as exc:
            errors.append(exc)
            out.degraded.append(f"cost: {exc}")
            cost_ok = False
    if not usage_ok and (cost is None or not cost_ok):
        raise errors[0]
    if not usage_ok:
        out.complete_until_ms = start_ms
    elif not cost_ok:
        transient = (SourceUnavailableError, SourceRateLimitError, SourceFormatError)
        lasting = not isinstance(errors[-1], transient)  # refused (401/403) or invalid (4xx)
        before_midnight = until_ms // DAY_MS * DAY_MS - width_ms
        out.complete_until_ms = max(start_ms, before_midnight) if lasting else start_ms
    else:
        out.complete_until_ms = max(start_ms, until_ms)
    return out
