"""Send one notification to many channels: concurrently, retried, isolated, reported.

Why here and not in each channel: every channel needs the same guarantees — a per-attempt
timeout, a few retries with exponential backoff (a 429's ``Retry-After`` is honoured up to
a cap), and no way for one slow or broken channel (a plugin's bug included) to delay or
fail the others. The result says per channel what happened, for the alert log.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiusage.alerts.notifiers.base import (
    DEFAULT_ATTEMPTS,
    DEFAULT_TIMEOUT_S,
    Notification,
    Notifier,
    NotifierConfig,
    NotifyError,
    scrub,
)

log = logging.getLogger("aiusage.notify")
log.addHandler(logging.NullHandler())  # logged where the app configures logging (the daemon)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = DEFAULT_ATTEMPTS
    timeout_s: float = DEFAULT_TIMEOUT_S  # per attempt
    backoff_s: float = 1.0  # then 2 s, 4 s … (plus up to 50 % jitter)
    max_backoff_s: float = 30.0
    max_retry_after_s: float = 60.0  # a longer Retry-After is reported, not waited for

    def backoff(self, attempt: int) -> float:
        base = min(self.max_backoff_s, self.backoff_s * 2.0**attempt)
        return base * (1 + random.random() / 2)


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """One channel's outcome. ``waits``: the pauses before each retry, in seconds."""

    channel: str
    kind: str
    ok: bool
    attempts: int
    error: str | None = None
    hint: str | None = None
    waits: tuple[float, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "kind": self.kind,
            "ok": self.ok,
            "attempts": self.attempts,
            "error": self.error,
            "hint": self.hint,
            "waits_s": [round(w, 3) for w in self.waits],
        }


class Channel:
    """A built notifier with its table's policy and filter (what ``channels`` returns)."""

    def __init__(self, notifier: Notifier, config: NotifierConfig) -> None:
        self.notifier = notifier
        self.config = config
        self.name = notifier.name
        self.kind = notifier.kind
        self.policy = RetryPolicy(attempts=config.attempts, timeout_s=config.timeout_s)

    async def send(self, message: Notification) -> None:
        await self.notifier.send(message)


def channels(configs: Iterable[NotifierConfig]) -> list[Channel]:
    """Build every configured channel, enabled or not (see ``NotifierConfig.accepts``)."""
    from aiusage.plugins import notifier_kind

    built = []
    for config in configs:
        kind = notifier_kind(config.kind)
        if kind is not None:
            built.append(Channel(kind.build(config), config))
    return built


async def deliver(
    notifier: Notifier, message: Notification, policy: RetryPolicy | None = None
) -> DeliveryResult:
    """Send to one channel, retrying what may pass later; never raises (but cancellation)."""
    policy = policy or getattr(notifier, "policy", None) or RetryPolicy()
    name, kind = notifier.name, notifier.kind
    waits: list[float] = []
    error = NotifyError(f"notifier {name}: not attempted")
    attempt = 0
    while attempt < policy.attempts:
        attempt += 1
        try:
            await asyncio.wait_for(notifier.send(message), policy.timeout_s)
        except NotifyError as exc:
            error = exc
        except TimeoutError:
            error = NotifyError(
                f"notifier {name} ({kind}): no answer within {policy.timeout_s:g} s",
                hint="the receiver is slow or unreachable; raise `timeout` in the channel's "
                "table if it is always slow",
                retryable=True,
            )
        except Exception as exc:  # a plugin's bug must not reach the collector
            error = NotifyError(
                f"notifier {name} ({kind}) failed: {type(exc).__name__}: {scrub(str(exc))}",
                hint="a bug in this notifier: please report it",
            )
        else:
            if attempt > 1:
                log.info("notifier %s: delivered on attempt %d", name, attempt)
            return DeliveryResult(name, kind, True, attempt, waits=tuple(waits))
        message_text = scrub(str(error.args[0]))
        if not error.retryable or attempt >= policy.attempts:
            break
        wait = (
            error.retry_after_s if error.retry_after_s is not None else policy.backoff(attempt - 1)
        )
        if wait > policy.max_retry_after_s:
            error = NotifyError(
                f"{message_text}; not waiting that long",
                hint="the receiver is rate limiting; the next alert will try again",
            )
            break
        log.warning(
            "notifier %s: attempt %d failed, retrying in %.1f s: %s",
            name,
            attempt,
            wait,
            message_text,
        )
        waits.append(wait)
        await asyncio.sleep(wait)
    text = scrub(str(error.args[0]))
    log.error("notifier %s: not delivered after %d attempt(s): %s", name, attempt, text)
    return DeliveryResult(name, kind, False, attempt, text, error.hint or None, tuple(waits))


async def deliver_all(
    notifiers: Sequence[Notifier], message: Notification, policy: RetryPolicy | None = None
) -> list[DeliveryResult]:
    """Send to every channel at once; one result per channel, in the order given.
    ``policy`` overrides each channel's own (its table's attempts and timeout)."""
    return list(await asyncio.gather(*(deliver(n, message, policy) for n in notifiers)))


async def notify(
    configs: Mapping[str, NotifierConfig] | Iterable[NotifierConfig],
    message: Notification,
    policy: RetryPolicy | None = None,
) -> list[DeliveryResult]:
    """What the alert engine calls: every enabled channel whose ``min_severity`` the
    message reaches."""
    items = configs.values() if isinstance(configs, Mapping) else configs
    wanted = [c for c in items if c.accepts(message)]
    return await deliver_all(channels(wanted), message, policy)
