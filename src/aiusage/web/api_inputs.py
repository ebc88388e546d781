"""Request bodies, validated strictly: unknown fields, wrong types and out-of-range values
are refused with a 422 that names the field (and never echoes the value: it may be a key).
The core checks again what only it can (a provider's name, a scope, a time zone)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

NAME = r"^[a-z0-9][a-z0-9._-]{0,62}$"
DURATION = r"^\s*\d{1,7}\s*[smhdSMHD]?\s*$"
ENV_VAR = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"
WEEKDAY = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=2000)


class BudgetIn(Strict):
    limit: float | None = Field(None, ge=0, le=1e12, description="Limit in USD.")
    tokens: int | None = Field(None, ge=0, le=10**15, description="Limit in tokens.")
    requests: int | None = Field(None, ge=0, le=10**12, description="Limit in requests.")
    period: Literal["daily", "weekly", "monthly", "custom"] = "monthly"
    scope: str = Field(
        "all",
        max_length=300,
        description="all, or provider:NAME, account:NAME, agent:NAME, source:NAME, "
        "project:NAME; on a team server also team, department:NAME, user:NAME",
    )
    warn: float = Field(80.0, ge=0, le=1000, description="Warn at this percent.")
    start: date | None = Field(None, description="Custom period start.")
    end: date | None = Field(None, description="Custom period end (inclusive).")


class PauseIn(Strict):
    duration: str = Field("1h", pattern=DURATION, description="30m, 1h, 8h, 2d.")


class AccountIn(Strict):
    provider: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$", description="openai, …")
    name: str = Field(pattern=NAME, description="A name, e.g. openai-work.")
    base_url: str | None = Field(None, max_length=500)
    key: SecretStr | None = Field(
        None, max_length=4096, description="Write-only: stored in the OS keyring, never returned."
    )
    key_env: str | None = Field(
        None, pattern=ENV_VAR, description="Read the key from this env var."
    )
    interval: str | None = Field(None, pattern=DURATION, description="90s, 5m, 1h.")
    options: dict[str, str] = Field(default_factory=dict, max_length=50)


class AccountChange(Strict):
    provider: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$", description="openai, …")
    base_url: str | None = Field(None, max_length=500)
    key: SecretStr | None = Field(
        None, max_length=4096, description="Write-only; leave out to keep the key it has."
    )
    key_env: str | None = Field(None, pattern=ENV_VAR, description="Read the key from this var.")
    interval: str | None = Field(None, pattern=DURATION, description="90s, 5m, 1h.")
    options: dict[str, str] | None = Field(
        None, max_length=50, description="Replaces the options; leave out to keep them."
    )


class RuleIn(Strict):
    enabled: bool | None = None
    warning: float | None = Field(None, ge=0, le=1000)
    critical: float | None = Field(None, ge=0, le=1000)
    cycles: float | None = Field(None, ge=1, le=1000)
    sensitivity: float | None = Field(None, gt=0, le=100)


class AlertsIn(Strict):
    enabled: bool | None = None
    cooldown_s: int | None = Field(None, ge=60, le=7 * 86400)
    dnd: str | None = Field(
        None,
        pattern=r"^$|^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$",
        description="HH:MM-HH:MM (may wrap midnight); empty turns it off.",
    )
    dnd_critical: bool | None = None
    muted_sources: list[str] | None = Field(None, max_length=200)
    rules: (
        dict[Literal["budget", "forecast", "limit", "source_error", "dead_source", "spike"], RuleIn]
        | None
    ) = None


class SettingsIn(Strict):
    timezone: str | None = Field(
        None, max_length=64, description="IANA name; empty or null: the system's zone."
    )
    start_of_week: WEEKDAY | None = None
    alerts: AlertsIn | None = None
    retention: str | None = Field(
        None,
        pattern=r"^\s*$|^\s*(forever|\d{1,5}\s*[dwy]?)\s*$",
        description="Keep raw records this long: 400d, 52w, 2y (at least 30d); "
        "empty, null or 'forever': keep everything.",
    )


class PruneIn(Strict):
    older_than_days: int | None = Field(
        None, ge=30, le=36500, description="Default: the configured retention."
    )
    dry_run: bool = Field(False, description="Count what would go; delete nothing.")
    vacuum: bool = Field(False, description="Then give the space back to the disk (SQLite).")
