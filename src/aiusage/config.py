"""Settings: a TOML file under ``user_dir()`` plus environment variables, as data with help.

Each setting is declared once in ``SETTINGS`` (name, default, env var, help); the docs and
a test read that table. pydantic-settings was the planned tool, but importing it costs
~0.3 s, more than a warm report's whole budget, so this is plain ``tomllib``.
Secrets never live here: the file holds references (env var names), not keys.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiusage.errors import ConfigError
from aiusage.paths import config_file, default_database_url
from aiusage.records import Account

if TYPE_CHECKING:
    from aiusage.alerts.notifiers.base import NotifierConfig
    from aiusage.alerts.settings import AlertSettings
    from aiusage.analytics.budgets import Budget
    from aiusage.team_config import TeamSettings


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    env: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        None,
        "AIUSAGE_DATABASE_URL",
        "Where records are kept: sqlite:///path.db (default: aiusage.db in the data "
        "directory) or postgresql://user@host/db for a shared store.",
    ),
    Setting(
        "timezone",
        None,
        "AIUSAGE_TZ",
        "Time zone reports group days in (IANA name such as Europe/Paris); default: the system's.",
    ),
    Setting(
        "start_of_week",
        "monday",
        "AIUSAGE_START_OF_WEEK",
        "First day of a week in weekly reports (monday … sunday).",
    ),
    Setting(
        "cost_mode",
        "auto",
        "AIUSAGE_COST_MODE",
        "auto: use a cost the log reports where present, else calculate; calculate: always "
        "from tokens; display: reported costs only.",
    ),
    Setting(
        "claude_oauth_usage",
        False,
        "AIUSAGE_CLAUDE_OAUTH_USAGE",
        "Opt in (true/false): `aiusage limits` also asks Anthropic's OAuth usage endpoint for "
        "your subscription's official 5-hour, weekly and per-model use, with Claude Code's "
        "token (read, never refreshed or written). Anthropic rate-limits it: at most every "
        "5 minutes.",
    ),
    Setting(
        "codex_usage_api",
        False,
        "AIUSAGE_CODEX_USAGE_API",
        "Opt in (true/false): `aiusage limits` also asks ChatGPT's usage endpoint for your "
        "Codex plan's official windows and credits, with the Codex CLI's token (read only).",
    ),
)
SETTINGS += (
    Setting(
        "claude_oauth_base_url",
        None,
        "AIUSAGE_CLAUDE_OAUTH_BASE_URL",
        "Base URL of Anthropic's API for claude_oauth_usage (default https://api.anthropic.com).",
    ),
    Setting(
        "codex_usage_base_url",
        None,
        "AIUSAGE_CODEX_USAGE_BASE_URL",
        "Base URL of ChatGPT for codex_usage_api (default https://chatgpt.com).",
    ),
)
SETTINGS += (
    Setting(
        "retention",
        None,
        "AIUSAGE_RETENTION",
        "How long raw records are kept: 400d, 52w or 2y (at least 30d); default: forever. "
        "The daemon and `aiusage serve` prune older usage events, limit readings and alert "
        "log entries once a day (`aiusage prune` does it now). Totals are kept, so reports, "
        "history, budgets and forecasts stay complete; per-session detail before the cutoff "
        "goes.",
    ),
)
MIN_RETENTION_DAYS = 30
BOOLEAN_SETTINGS = frozenset({"claude_oauth_usage", "codex_usage_api"})
#: Tables of the config file besides the settings, each parsed by its own code.
TABLES = frozenset(
    {"pricing", "plans", "accounts", "agents", "demo", "budgets", "alerts", "notifiers", "team"}
)


@dataclass(frozen=True, slots=True)
class Config:
    database_url: str
    timezone: str | None = None
    start_of_week: str = "monday"
    cost_mode: str = "auto"
    #: ``[pricing.models."name"]`` tables (USD per million tokens), parsed by pricing.py.
    price_overrides: dict[str, Any] = field(default_factory=dict)
    #: ``[plans]``: agent → plan name (``claude-code = "max5"``), for estimated limits.
    plans: dict[str, str] = field(default_factory=dict)
    #: ``[accounts.NAME]``: provider accounts (keys live in the keyring or env, never here).
    accounts: dict[str, Account] = field(default_factory=dict)
    #: ``[agents]``: agent → directories to read its logs from, replacing the defaults
    #: and the agent's environment variable (logs synced from another machine, the demo).
    agent_paths: dict[str, list[Path]] = field(default_factory=dict)
    #: ``[budgets.NAME]``: spend (and token/request) limits per scope and period.
    budgets: dict[str, Budget] = field(default_factory=dict)
    #: ``[alerts]``: master switch, cooldown, Do-Not-Disturb, rule thresholds, muting.
    alerts: AlertSettings | None = None  # None: the defaults (parsed only when present)
    #: ``[notifiers.NAME]``: where alerts are sent (secrets by reference only).
    notifiers: dict[str, NotifierConfig] = field(default_factory=dict)
    #: ``[team]``: the team server this machine pushes to (None: not in a team).
    team: TeamSettings | None = None
    claude_oauth_usage: bool = False
    codex_usage_api: bool = False
    claude_oauth_base_url: str | None = None
    codex_usage_base_url: str | None = None
    #: Days of raw records to keep (None: forever), from the ``retention`` setting.
    retention_days: int | None = None
    path: Path | None = None


def load_config(path: Path | None = None) -> Config:
    """The config file (if any) overlaid with environment variables."""
    path = path or config_file()
    raw: dict[str, Any] = {}
    if path.exists():
        import tomllib  # only when there is a file: 2 ms the statusline need not pay

        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}", hint="fix the TOML syntax") from exc
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        value = os.environ.get(setting.env) or raw.get(setting.name, setting.default)
        values[setting.name] = value
    unknown = set(raw) - {s.name for s in SETTINGS} - TABLES
    if unknown:
        raise ConfigError(
            f"unknown setting(s) in {path}: {', '.join(sorted(unknown))}",
            hint="see `aiusage config` for the settings and their meaning",
        )
    pricing = raw.get("pricing", {})
    models = pricing.get("models", {}) if isinstance(pricing, dict) else {}
    if not isinstance(models, dict):
        raise ConfigError(f"[pricing.models] in {path} must be a table")
    plans = raw.get("plans", {})
    if not isinstance(plans, dict) or not all(isinstance(v, str) for v in plans.values()):
        raise ConfigError(
            f"[plans] in {path} must map agents to plan names",
            hint='e.g. [plans] then claude-code = "max5" (see `aiusage limits --plans`)',
        )
    for name in BOOLEAN_SETTINGS:
        values[name] = _boolean(name, values[name])
    from aiusage.accounts import parse_accounts

    return Config(
        database_url=values["database_url"] or default_database_url(),
        accounts=parse_accounts(raw.get("accounts"), path),
        plans={str(k): v for k, v in plans.items()},
        agent_paths=_agent_paths(raw.get("agents", {}), path),
        budgets=_budgets(raw.get("budgets", {}), path),
        alerts=_alerts(raw.get("alerts"), path),
        notifiers=_notifiers(raw.get("notifiers"), path),
        team=_team(raw.get("team"), path),
        claude_oauth_usage=values["claude_oauth_usage"],
        codex_usage_api=values["codex_usage_api"],
        claude_oauth_base_url=values["claude_oauth_base_url"],
        codex_usage_base_url=values["codex_usage_base_url"],
        retention_days=parse_retention(values["retention"]),
        timezone=values["timezone"],
        start_of_week=str(values["start_of_week"]).lower(),
        cost_mode=str(values["cost_mode"]).lower(),
        price_overrides=models,
        path=path,
    )


def _notifiers(raw: Any, path: Path) -> dict[str, NotifierConfig]:
    if not raw:
        return {}
    from aiusage.alerts.notifiers.config import parse_notifiers

    return parse_notifiers(raw, path)


def _team(raw: Any, path: Path) -> TeamSettings | None:
    if raw is None:
        return None
    from aiusage.team_config import parse_team

    return parse_team(raw, path)


def _alerts(raw: Any, path: Path) -> AlertSettings | None:
    if raw is None:
        return None
    from aiusage.alerts.settings import parse_alerts

    return parse_alerts(raw, str(path))


def _budgets(raw: Any, path: Path) -> dict[str, Budget]:
    if not raw:
        return {}  # the statusline need not import budgets
    from aiusage.analytics.budgets import parse_budget

    if not isinstance(raw, dict):
        raise ConfigError(f"[budgets] in {path} must be a table of budgets")
    return {str(name): parse_budget(str(name), table, str(path)) for name, table in raw.items()}


def _agent_paths(raw: Any, path: Path) -> dict[str, list[Path]]:
    """``[agents]`` → {agent: [directories]}; a path relative to the config file's folder."""
    hint = 'e.g. [agents] then claude-code = ["~/synced/laptop/.claude"]'
    if not isinstance(raw, dict):
        raise ConfigError(f"[agents] in {path} must be a table", hint=hint)
    out: dict[str, list[Path]] = {}
    for agent, dirs in raw.items():
        items = [dirs] if isinstance(dirs, str) else dirs
        if not isinstance(items, list) or not all(isinstance(d, str) for d in items):
            raise ConfigError(f"[agents] {agent} in {path} must be a list of folders", hint=hint)
        out[str(agent)] = [path.parent / Path(d).expanduser() for d in items]
    return out


def parse_retention(value: Any) -> int | None:
    """``400d``, ``52w``, ``2y`` or a number of days → days; empty or ``forever`` → None."""
    text = str(value if value is not None else "").strip().lower()
    if text in ("", "forever", "never", "none", "0"):
        return None
    hint = 'e.g. retention = "400d" (days d, weeks w or years y), or remove it to keep all'
    unit = text[-1] if text[-1] in "dwy" else "d"
    number = text[:-1] if text[-1] in "dwy" else text
    if not number.isdigit():
        raise ConfigError(
            f"retention must be a number of days, weeks or years, not {value!r}", hint=hint
        )
    days = int(number) * {"d": 1, "w": 7, "y": 365}[unit]
    if days < MIN_RETENTION_DAYS:
        raise ConfigError(
            f"retention {value!r} is shorter than {MIN_RETENTION_DAYS} days: budgets, "
            "limits and forecasts need a month of records",
            hint=hint,
        )
    return days


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")
