"""What a provider adapter is: what it can report, what it needs, and one ``collect`` call.

Why this shape: the collector runtime owns scheduling, HTTP clients, retries, timeouts,
secrets and the store; an adapter only turns a provider's answers into records. So an
adapter is small, has no state between runs (the runtime passes ``since_ms``), and is
tested against a fake server over real HTTP.

Costs, one rule for every provider that reports both usage and money: usage events carry
tokens with ``reported_cost_usd=0.0``, and the money arrives as separate zero-token events
whose ``reported_cost_usd`` is the provider's billed amount. Then ``--mode auto`` and
``display`` show the bill, and ``--mode calculate`` prices the tokens ourselves, and
neither counts a dollar twice. Until a day's bill has settled, that day's usage rows
carry ``reported_cost_usd=None`` instead (``unbilled``): reports price their tokens, so
today is never shown as $0, and the collector keeps re-reading them (its cursor stops at
the last billed day) until the bill arrives and they turn to 0.0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from aiusage.records import Observation, UsageEvent

if TYPE_CHECKING:
    import httpx

USAGE = "usage"  # tokens/requests per model over time -> UsageEvents
COST = "cost"  # money billed per day/line item -> zero-token UsageEvents with a cost
BALANCE = "balance"  # prepaid credit left -> Observation 'balance_usd' (or its currency)
RATE_LIMITS = "rate_limits"  # requests/tokens left per minute/day -> Observations
STATUS = "status"  # key validity, running models, memory … -> Observations
CAPABILITIES = (USAGE, COST, BALANCE, RATE_LIMITS, STATUS)

# Observation metrics shared by providers (units in the Observation's ``unit``).
BALANCE_METRIC = "balance"
RATE_LIMIT_REMAINING = "rate_limit_remaining"  # window: 'requests' / 'tokens' / …
KEY_VALID = "key_valid"  # 1.0 or 0.0


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """Everything the CLI, docs and status page say about a provider, declared once."""

    name: str  # what users type: 'openai', 'anthropic', 'openrouter'
    label: str  # 'OpenAI'
    default_base_url: str  # exactly as the official SDK's base_url (OpenAI's has /v1)
    reports: frozenset[str]  # a subset of CAPABILITIES
    unavailable: Mapping[str, str] = field(default_factory=dict)  # capability -> why not
    needs: tuple[str, ...] = ()  # e.g. ('admin key',): said when a key is refused
    key_hint: str = ""  # where the user gets the key this adapter needs
    key_required: bool = True  # local servers (Ollama) need none
    options: Mapping[str, str] = field(default_factory=dict)  # --option k=v -> help
    min_interval_s: int = 60  # never poll more often than this
    default_interval_s: int = 300
    #: Observation metrics that are running totals since the server started (vLLM's
    #: token counters): the collector turns their growth between two collections into
    #: usage events, because an adapter keeps no state of its own.
    cumulative: tuple[str, ...] = ()


@dataclass(slots=True)
class CollectRequest:
    """One collection for one account. ``client`` has base_url, timeout and auth-free
    defaults set by the runtime; the adapter adds its own auth headers from ``key``."""

    account: str  # the account's name: UsageEvent.source/account and Observation.account
    base_url: str
    key: str | None
    options: Mapping[str, str]
    since_ms: int  # collect usage from here: backfill start, or the last complete bucket
    now_ms: int
    client: httpx.AsyncClient


@dataclass(slots=True)
class Collected:
    """What one collection found. ``complete_until_ms`` is where the next one starts: the
    end of the last bucket the provider will not change any more."""

    events: list[UsageEvent] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    complete_until_ms: int | None = None
    degraded: list[str] = field(default_factory=list)  # parts that failed; the rest stands


class Provider(Protocol):
    info: ProviderInfo

    async def collect(self, request: CollectRequest) -> Collected:
        """Read usage since ``request.since_ms`` and the current state. Raise a
        ``SourceError`` subclass when nothing could be read at all."""
        ...

    async def check(self, request: CollectRequest) -> str:
        """Verify the key with a free call; return what it can see ('org acme, 3 projects').
        Raise a ``SourceError`` subclass when it cannot."""
        ...


def unbilled(events: list[UsageEvent], billed_until_ms: int) -> list[UsageEvent]:
    """Usage rows from ``billed_until_ms`` on, with no bill yet: cost unknown (None), so
    reports price the tokens until the provider's settled bill replaces the estimate."""
    out = []
    for event in events:
        if (
            event.ts_ms >= billed_until_ms
            and event.reported_cost_usd == 0.0
            and (event.total_tokens or event.requests)
        ):
            event = replace(event, reported_cost_usd=None, meta={**event.meta, "unbilled": True})
        out.append(event)
    return out
