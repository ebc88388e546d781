"""Provider accounts in the config file: parse ``[accounts.NAME]``, add, change, remove.

Why a module of its own: the file is the user's, so changes are read-modify-write of the
whole TOML through a temporary file and an atomic rename (0600), and nothing that looks
like a secret may ever be written into it: keys go to the keyring or stay in the
environment variable the account names.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiusage.errors import ConfigError
from aiusage.records import Account

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
SECRET_WORDS = ("key", "token", "secret", "password", "passwd", "credential")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
FIELDS = ("provider", "base_url", "key_env", "interval", "enabled", "options")


def parse_interval(value: Any, where: str) -> int:
    """'90s', '5m', '1h', '1d' or a number of seconds."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    text = str(value).strip().lower()
    match = re.fullmatch(r"(\d+)\s*([smhd]?)", text)
    if not match or int(match.group(1)) <= 0:
        raise ConfigError(f"{where}: interval {value!r} is not a duration", hint="e.g. 5m, 1h")
    return int(match.group(1)) * _UNITS[match.group(2) or "s"]


def format_interval(seconds: int) -> str:
    for unit in ("d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def check_option(name: str, value: str, where: str) -> None:
    """Refuse an option that would put a secret into the config file."""
    lowered = name.lower()
    if any(w in lowered for w in SECRET_WORDS) and not lowered.endswith("_env"):
        raise ConfigError(
            f"{where}: option {name!r} looks like a secret and the config file never holds one",
            hint=f"put it in an environment variable and give its name: {name}_env=VAR",
        )
    if re.fullmatch(r"(sk|rk|pk)[-_][A-Za-z0-9_-]{12,}", value.strip()):
        raise ConfigError(
            f"{where}: the value of option {name!r} looks like an API key",
            hint="keys go to the keyring (`aiusage accounts add … --key-stdin`) or an env var",
        )


def parse_accounts(raw: Any, path: Path | None) -> dict[str, Account]:
    """The ``[accounts]`` tables, validated."""
    if raw in (None, {}):
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[accounts] in {path} must be a table of accounts")
    found: dict[str, Account] = {}
    for name, table in raw.items():
        where = f"[accounts.{name}] in {path}"
        if not NAME.match(str(name)):
            raise ConfigError(f"{where}: names use a-z, 0-9, '.', '_' and '-'")
        if not isinstance(table, Mapping) or not isinstance(table.get("provider"), str):
            raise ConfigError(f'{where} needs provider = "…"', hint='e.g. provider = "openai"')
        if unknown := set(table) - set(FIELDS):
            raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        options = table.get("options", {})
        if not isinstance(options, Mapping):
            raise ConfigError(f"{where}: options must be a table of strings")
        for key, value in options.items():
            check_option(str(key), str(value), where)
        interval = table.get("interval")
        found[str(name)] = Account(
            name=str(name),
            provider=table["provider"],
            base_url=table.get("base_url") or None,
            key_env=table.get("key_env") or None,
            interval_s=parse_interval(interval, where) if interval is not None else None,
            enabled=bool(table.get("enabled", True)),
            options={str(k): str(v) for k, v in options.items()},
        )
    return found


def account_table(account: Account) -> dict[str, Any]:
    table: dict[str, Any] = {"provider": account.provider}
    if account.base_url:
        table["base_url"] = account.base_url
    if account.key_env:
        table["key_env"] = account.key_env
    if account.interval_s:
        table["interval"] = format_interval(account.interval_s)
    if not account.enabled:
        table["enabled"] = False
    if account.options:
        table["options"] = dict(account.options)
    return table


def read_toml(path: Path) -> dict[str, Any]:
    import tomllib

    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", hint="fix the TOML syntax") from exc


def write_toml(path: Path, doc: Mapping[str, Any]) -> None:
    import tomli_w

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            tomli_w.dump(doc, fh)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_account(path: Path, account: Account, *, replace_existing: bool = False) -> None:
    """Add (or with ``replace_existing`` change) one account in the config file."""
    if not NAME.match(account.name):
        raise ConfigError(
            f"account name {account.name!r} is not allowed",
            hint="use a-z, 0-9, '.', '_' and '-' (e.g. openai-work)",
        )
    for key, value in account.options.items():
        check_option(key, value, f"account {account.name}")
    doc = read_toml(path)
    accounts = doc.setdefault("accounts", {})
    if account.name in accounts and not replace_existing:
        raise ConfigError(
            f"an account named {account.name!r} exists already",
            hint=f"remove it first (`aiusage accounts remove {account.name}`) or pick a name",
        )
    accounts[account.name] = account_table(account)
    write_toml(path, doc)


def remove_account(path: Path, name: str) -> None:
    doc = read_toml(path)
    accounts = doc.get("accounts", {})
    if name not in accounts:
        raise ConfigError(f"no account named {name!r}", hint="`aiusage accounts list` shows them")
    del accounts[name]
    write_toml(path, doc)


def set_enabled(path: Path, account: Account, enabled: bool) -> None:
    save_account(path, replace(account, enabled=enabled), replace_existing=True)
