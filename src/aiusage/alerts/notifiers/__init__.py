"""Notifiers: the channels alerts are delivered through (desktop, Slack, Discord, a signed
webhook, email, or a plugin's kind registered with ``register_notifiers``).

The engine builds a ``Notification`` and calls ``notify(configs, notification)``: every
enabled channel whose ``min_severity`` it reaches gets it concurrently, with retries, and
one result per channel comes back. Nothing here imports httpx or smtplib until sending.
"""

from aiusage.alerts.notifiers.base import (
    SEVERITIES,
    Notification,
    Notifier,
    NotifierConfig,
    NotifierKind,
    NotifyError,
    Severity,
)
from aiusage.alerts.notifiers.config import COMMON, load_notifiers, parse_notifiers
from aiusage.alerts.notifiers.delivery import (
    Channel,
    DeliveryResult,
    RetryPolicy,
    channels,
    deliver,
    deliver_all,
    notify,
)

__all__ = [
    "COMMON",
    "SEVERITIES",
    "Channel",
    "DeliveryResult",
    "Notification",
    "Notifier",
    "NotifierConfig",
    "NotifierKind",
    "NotifyError",
    "RetryPolicy",
    "Severity",
    "channels",
    "deliver",
    "deliver_all",
    "load_notifiers",
    "notify",
    "parse_notifiers",
]
