"""The facade's provider-account side: add/list/test/remove accounts, collect, status.

Reached as ``App.accounts``; front ends never touch the config file, the keyring, the
runtime or an adapter directly. Nothing returned here carries a key.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from aiusage.accounts import remove_account, save_account, set_enabled
from aiusage.errors import ConfigError
from aiusage.records import Account
from aiusage.store.health import Health, forget_health, latest_observations, load_health

if TYPE_CHECKING:
    import httpx

    from aiusage.app import App
    from aiusage.runtime import AccountResult
    from aiusage.sources.providers.base import ProviderInfo


@dataclass(slots=True)
class AccountStatus:
    """One account as `aiusage status` shows it."""

    name: str
    provider: str
    enabled: bool
    status: str
    message: str
    hint: str
    last_success_ms: int | None
    last_attempt_ms: int | None
    observations: list[dict[str, Any]] = field(default_factory=list)


class AccountsApi:
    def __init__(self, app: App) -> None:
        self.app = app

    @property
    def _path(self) -> Any:
        from aiusage.paths import config_file

        return self.app.config.path or config_file()

    def all(self) -> list[Account]:
        return sorted(self.app.config.accounts.values(), key=lambda a: a.name)

    def get(self, name: str) -> Account:
        found = self.app.config.accounts.get(name)
        if found is None:
            raise ConfigError(
                f"no account named {name!r}", hint="`aiusage accounts list` shows them"
            )
        return found

    def providers(self) -> dict[str, ProviderInfo]:
        from aiusage.plugins import providers

        return {name: p.info for name, p in sorted(providers().items())}

    def add(self, account: Account, key: str | None = None) -> list[str]:
        """Save the account (its key to the keyring); return warnings for the user."""
        from aiusage.plugins import provider

        found = provider(account.provider)
        if found is None:
            raise ConfigError(
                f"no provider named {account.provider!r}",
                hint="`aiusage accounts providers` lists them",
            )
        warnings = _url_warnings(account.base_url)
        unknown = set(account.options) - set(found.info.options)
        if unknown:
            warnings.append(f"options not used by {account.provider}: {', '.join(sorted(unknown))}")
        if key is None and account.key_env is None and found.info.key_required:
            raise ConfigError(
                f"{found.info.label} needs a key",
                hint="give --key-stdin (stored in the OS keyring) or --key-env VAR",
            )
        save_account(self._path, account)
        if key is not None:
            from aiusage.secrets import store_key

            try:
                store_key(account.name, key)
            except ConfigError:
                remove_account(self._path, account.name)
                raise
        self.app.config.accounts[account.name] = account
        return warnings

    def remove(self, name: str) -> None:
        from aiusage.secrets import delete_key

        self.get(name)
        remove_account(self._path, name)
        delete_key(name)
        forget_health(self.app.store.db, name)
        del self.app.config.accounts[name]

    def enable(self, name: str, enabled: bool) -> None:
        account = self.get(name)
        set_enabled(self._path, account, enabled)
        self.app.config.accounts[name] = replace(account, enabled=enabled)

    def test(self, name: str, transport: httpx.AsyncBaseTransport | None = None) -> str:
        """Check the account's key with the provider's free call; raise on failure."""
        from aiusage.runtime import check_account

        return asyncio.run(check_account(self.get(name), transport=transport))

    def collect(
        self,
        names: list[str] | None = None,
        backfill_days: int | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        now_ms: int | None = None,
    ) -> list[AccountResult]:
        """Collect the enabled accounts (or the named ones) once."""
        from aiusage.runtime import DEFAULT_BACKFILL_DAYS, collect_accounts

        chosen = [self.get(n) for n in names] if names else [a for a in self.all() if a.enabled]
        return asyncio.run(
            collect_accounts(
                self.app.store,
                chosen,
                self.app.pricer(),
                now_ms=now_ms,
                backfill_days=backfill_days or DEFAULT_BACKFILL_DAYS,
                transport=transport,
            )
        )

    def status(self) -> list[AccountStatus]:
        health = load_health(self.app.store.db)
        out = []
        for account in self.all():
            h = health.get(account.name) or Health(account.name, account.provider)
            out.append(
                AccountStatus(
                    name=account.name,
                    provider=account.provider,
                    enabled=account.enabled,
                    status=h.status if account.enabled else "disabled",
                    message=h.message,
                    hint=h.hint,
                    last_success_ms=h.last_success_ms,
                    last_attempt_ms=h.last_attempt_ms,
                    observations=latest_observations(self.app.store.db, account.name),
                )
            )
        return out


def _url_warnings(url: str | None) -> list[str]:
    """A plain-http base URL that is not loopback sends the key in clear text."""
    if not url:
        return []
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"base URL {url!r} is not an http(s) URL", hint="e.g. https://host/v1")
    loopback = parts.hostname in ("localhost", "127.0.0.1", "::1") or parts.hostname.startswith(
        "127."
    )
    if parts.scheme == "http" and not loopback:
        return [f"{url} is plain http on another machine: the key would travel unencrypted"]
    return []
