"""``[notifiers.NAME]`` tables → ``NotifierConfig``, with errors that say how to fix them.

Why validate when the file is read rather than when an alert fires: a typo found at 3 a.m.
by the alert it should have delivered is found too late. Secrets are refused here: the
file names the variables (``url_env``, ``secret_env``, ``password_env``) or relies on the
keyring entry ``aiusage`` / ``notifier:NAME``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from aiusage.alerts.notifiers.base import SEVERITIES, NotifierConfig, NotifierKind, Severity
from aiusage.errors import ConfigError

COMMON: Mapping[str, str] = {
    "type": "the kind of channel: desktop, slack, discord, webhook, email (or a plugin's)",
    "enabled": "false keeps the table but sends nothing (default true)",
    "min_severity": "info (default), warning or critical: quieter alerts are not sent here",
    "timeout": "per attempt, seconds or a duration such as 30s (default 10)",
    "attempts": "tries before giving up, 1 to 10 (default 3), with backoff in between",
}
SECRET_WORDS = ("key", "token", "secret", "password", "passwd", "credential")
EXAMPLE = '[notifiers.team] then type = "slack" and url_env = "SLACK_WEBHOOK"'


def kinds() -> dict[str, NotifierKind]:
    from aiusage.plugins import notifier_kinds

    return notifier_kinds()


def parse_notifiers(raw: Any, path: Path | None) -> dict[str, NotifierConfig]:
    """The ``[notifiers]`` tables of the config file at ``path``, validated."""
    if raw in (None, {}):
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[notifiers] in {path} must be a table of channels", hint=EXAMPLE)
    from aiusage.accounts import NAME

    known = kinds()
    found: dict[str, NotifierConfig] = {}
    for name, table in raw.items():
        where = f"[notifiers.{name}] in {path}"
        if not NAME.match(str(name)):
            raise ConfigError(f"{where}: names use a-z, 0-9, '.', '_' and '-'")
        if not isinstance(table, Mapping) or not isinstance(table.get("type"), str):
            raise ConfigError(f'{where} needs type = "…"', hint=f"one of: {', '.join(known)}")
        kind = known.get(table["type"])
        if kind is None:
            raise ConfigError(
                f"{where}: unknown type {table['type']!r}",
                hint=f"one of: {', '.join(known)} (a plugin may add more)",
            )
        _refuse_secrets(table, kind, where, str(name))
        if unknown := set(table) - set(COMMON) - set(kind.fields):
            raise ConfigError(
                f"{where}: unknown field(s) {', '.join(sorted(unknown))}",
                hint=f"a {kind.kind} channel takes: " + ", ".join([*COMMON, *kind.fields]),
            )
        options = {k: v for k, v in table.items() if k not in COMMON}
        kind.check(options, where)
        found[str(name)] = NotifierConfig(
            name=str(name),
            kind=kind.kind,
            enabled=_enabled(table.get("enabled", True), where),
            min_severity=_severity(table.get("min_severity", "info"), where),
            timeout_s=_timeout(table.get("timeout", 10), where),
            attempts=_attempts(table.get("attempts", 3), where),
            options=options,
        )
    return found


def load_notifiers(path: Path | None) -> dict[str, NotifierConfig]:
    """Read only the ``[notifiers]`` tables of the config file (absent file: none)."""
    if path is None or not path.exists():
        return {}
    import tomllib

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", hint="fix the TOML syntax") from None
    return parse_notifiers(raw.get("notifiers"), path)


def _refuse_secrets(table: Mapping[str, Any], kind: NotifierKind, where: str, name: str) -> None:
    if "url" in table and "url" not in kind.fields:
        raise ConfigError(
            f"{where}: a {kind.description} URL carries its token and never goes in the file",
            hint='name an environment variable (url_env = "VAR") or store the URL in the '
            f"keyring: `aiusage notify secret {name}`",
        )
    for field in table:
        lowered = str(field).lower()
        if any(w in lowered for w in SECRET_WORDS) and not lowered.endswith("_env"):
            raise ConfigError(
                f"{where}: {field!r} would put a secret in the config file",
                hint=f'name an environment variable instead: {field}_env = "VAR", or use the '
                f"keyring (`aiusage notify secret {name}`)",
            )


def _enabled(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: enabled must be true or false")
    return value


def _severity(value: Any, where: str) -> Severity:
    if value not in SEVERITIES:
        raise ConfigError(
            f"{where}: min_severity must be one of {', '.join(SEVERITIES)}, not {value!r}"
        )
    return cast(Severity, value)


def _timeout(value: Any, where: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    if isinstance(value, str):
        from aiusage.accounts import parse_interval

        return float(parse_interval(value, f"{where}: timeout"))
    raise ConfigError(f"{where}: timeout must be seconds or a duration such as 30s")


def _attempts(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10:
        return value
    raise ConfigError(f"{where}: attempts must be a whole number from 1 to 10")
