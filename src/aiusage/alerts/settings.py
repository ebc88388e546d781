"""``[alerts]`` in the config file: the master switch, cooldown, Do-Not-Disturb, per-rule
thresholds and toggles, and muted sources — declared as data with defaults.

Why every threshold is configurable and any value is allowed: the seed widget never
notified below 80%, so a user who wanted a heads-up at 50% had no way to get one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Any

from aiusage.errors import ConfigError

#: rule -> its settings and their defaults (``enabled`` is implied for every rule).
RULES: dict[str, dict[str, float]] = {
    "budget": {},  # warning at the budget's own warn percent, critical at 100%
    "forecast": {},  # the period's projected spend exceeds a budget's limit
    "limit": {"warning": 80.0, "critical": 95.0},  # rate-limit and subscription windows
    "source_error": {},  # an account fails (and a notice when it recovers)
    "dead_source": {"cycles": 3.0},  # no successful collection for this many intervals
    "spike": {"sensitivity": 3.5},  # spend far above its usual level
}
DEFAULT_COOLDOWN_S = 15 * 60
HINT = 'e.g. [alerts] then cooldown = "15m", dnd = "22:00-07:00"; [alerts.limit] warning = 70'


@dataclass(frozen=True, slots=True)
class AlertSettings:
    enabled: bool = True
    cooldown_s: int = DEFAULT_COOLDOWN_S
    dnd: tuple[time, time] | None = None  # local start, end; may wrap midnight
    dnd_allows_critical: bool = False  # critical alerts pierce Do-Not-Disturb
    muted_sources: frozenset[str] = frozenset()
    disabled_rules: frozenset[str] = frozenset()
    values: dict[str, dict[str, float]] = field(default_factory=lambda: dict(RULES))

    def value(self, rule: str, name: str) -> float:
        return self.values.get(rule, {}).get(name, RULES[rule][name])

    def rule_on(self, rule: str) -> bool:
        return self.enabled and rule not in self.disabled_rules

    def in_dnd(self, local: time) -> bool:
        """Whether a local time of day falls in the Do-Not-Disturb window."""
        if self.dnd is None:
            return False
        start, end = self.dnd
        if start <= end:
            return start <= local < end
        return local >= start or local < end  # wraps midnight: 22:00-07:00


def parse_alerts(raw: Any, where: str) -> AlertSettings:
    """The ``[alerts]`` table, checked, with a message naming what is wrong."""
    if not raw:
        return AlertSettings()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [alerts] must be a table", hint=HINT)
    from aiusage.accounts import parse_interval

    known = {"enabled", "cooldown", "dnd", "dnd_critical", "muted_sources", *RULES}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(
            f"{where}: unknown [alerts] keys: {', '.join(sorted(unknown))}", hint=HINT
        )
    values: dict[str, dict[str, float]] = {rule: dict(d) for rule, d in RULES.items()}
    disabled = set()
    for rule in RULES:
        table = raw.get(rule, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [alerts.{rule}] must be a table", hint=HINT)
        for key, value in table.items():
            if key == "enabled":
                if not _bool(value, f"{where}: [alerts.{rule}] enabled"):
                    disabled.add(rule)
            elif key in RULES[rule]:
                values[rule][key] = _number(value, f"{where}: [alerts.{rule}] {key}")
            else:
                allowed = ", ".join(["enabled", *RULES[rule]])
                raise ConfigError(f"{where}: [alerts.{rule}] has no {key!r} (it takes {allowed})")
    if values["limit"]["critical"] < values["limit"]["warning"]:
        raise ConfigError(f"{where}: [alerts.limit] critical is below warning", hint=HINT)
    muted = raw.get("muted_sources", [])
    if not isinstance(muted, list) or not all(isinstance(m, str) for m in muted):
        raise ConfigError(f"{where}: [alerts] muted_sources must be a list of names", hint=HINT)
    return AlertSettings(
        enabled=_bool(raw.get("enabled", True), f"{where}: [alerts] enabled"),
        cooldown_s=parse_interval(raw["cooldown"], f"{where}: [alerts] cooldown")
        if "cooldown" in raw
        else DEFAULT_COOLDOWN_S,
        dnd=parse_dnd(raw["dnd"], where) if raw.get("dnd") else None,
        dnd_allows_critical=_bool(raw.get("dnd_critical", False), f"{where}: dnd_critical"),
        muted_sources=frozenset(muted),
        disabled_rules=frozenset(disabled),
        values=values,
    )


def parse_dnd(text: Any, where: str) -> tuple[time, time]:
    """'22:00-07:00' -> (22:00, 07:00)."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in str(text).split("-"))
    except ValueError:
        raise ConfigError(
            f"{where}: dnd {text!r} is not HH:MM-HH:MM", hint='e.g. dnd = "22:00-07:00"'
        ) from None
    if start == end:
        raise ConfigError(f"{where}: dnd {text!r} starts and ends at the same time")
    return start, end


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where} must be a number", hint=HINT)
    if value < 0:
        raise ConfigError(f"{where} must be >= 0", hint=HINT)
    return float(value)


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(f"{where} must be true or false", hint=HINT)
