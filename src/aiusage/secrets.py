"""Where API keys live: the OS keyring, or an environment variable the account names.

Never in the config file, the database, a log line, an export or an API response. The
keyring is imported only when a key is needed (it loads backends at import).
"""

from __future__ import annotations

import os

from aiusage.errors import ConfigError, SourceAuthError
from aiusage.records import Account

SERVICE = "aiusage"
NO_KEYRING_HINT = (
    "no usable OS keyring here (a headless machine?): keep the key in an environment "
    "variable and add the account with --key-env VAR"
)


def _username(account: str) -> str:
    return f"account:{account}"


def store_key(account: str, key: str) -> None:
    """Put an account's key into the OS keyring."""
    import keyring
    from keyring.errors import KeyringError

    if not key.strip():
        raise ConfigError("the key is empty", hint="paste the key on standard input")
    try:
        keyring.set_password(SERVICE, _username(account), key.strip())
    except (KeyringError, RuntimeError) as exc:
        raise ConfigError(
            f"could not store the key: {type(exc).__name__}", hint=NO_KEYRING_HINT
        ) from None


def delete_key(account: str) -> bool:
    """Remove an account's key from the keyring; False when there was none."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, _username(account))
    except PasswordDeleteError:
        return False
    except (KeyringError, RuntimeError):
        return False
    return True


def find_key(account: Account) -> str | None:
    """The account's key: from its environment variable, else from the keyring."""
    if account.key_env:
        value = os.environ.get(account.key_env, "").strip()
        if not value:
            raise SourceAuthError(
                f"account {account.name}: the environment variable {account.key_env} is not set",
                hint=f"export {account.key_env}=… in the environment aiusage runs in",
            )
        return value
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, _username(account.name))
    except (KeyringError, RuntimeError):
        raise SourceAuthError(
            f"account {account.name}: the OS keyring cannot be read", hint=NO_KEYRING_HINT
        ) from None
