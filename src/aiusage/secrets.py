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
    _put(_username(account), key, "key", NO_KEYRING_HINT)


def delete_key(account: str) -> bool:
    """Remove an account's key from the keyring; False when there was none."""
    return _delete(_username(account))


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


# -- notifier secrets: a channel's webhook URL, HMAC secret or SMTP password ------------


def _notifier_username(name: str) -> str:
    return f"notifier:{name}"


def store_notifier_secret(name: str, value: str) -> None:
    """Put a notification channel's secret into the OS keyring (user ``notifier:NAME``)."""
    _put(
        _notifier_username(name),
        value,
        "secret",
        "no usable OS keyring here: name an environment variable in the channel's "
        "table instead (url_env, secret_env or password_env)",
    )


def delete_notifier_secret(name: str) -> bool:
    """Remove a channel's secret from the keyring; False when there was none."""
    return _delete(_notifier_username(name))


def find_notifier_secret(name: str, env: str | None, field: str) -> str | None:
    """A channel's secret: from the environment variable its ``field`` names, else from
    the keyring; None when the keyring holds none. Raises ConfigError, never echoing it."""
    if env:
        value = os.environ.get(env, "").strip()
        if not value:
            raise ConfigError(
                f"notifier {name}: the environment variable {env} ({field}) is not set",
                hint=f"export {env}=… in the environment aiusage runs in",
            )
        return value
    import keyring
    from keyring.errors import KeyringError

    try:
        found = keyring.get_password(SERVICE, _notifier_username(name))
    except (KeyringError, RuntimeError):
        raise ConfigError(
            f"notifier {name}: the OS keyring cannot be read",
            hint=f'name an environment variable instead: {field} = "VAR"',
        ) from None
    return found.strip() if found else None


# -- a team member's token for the team server (user ``team:<server URL>``) ------------

TEAM_TOKEN_ENV = "AIUSAGE_TEAM_TOKEN"


def _team_username(server: str) -> str:
    return f"team:{server}"


def store_team_token(server: str, token: str) -> None:
    """Put the member's token for ``server`` into the OS keyring."""
    _put(
        _team_username(server),
        token,
        "token",
        f"no usable OS keyring here (a headless machine?): export {TEAM_TOKEN_ENV}=… in "
        "the environment aiusage runs in, then join again",
    )


def delete_team_token(server: str) -> bool:
    return _delete(_team_username(server))


def find_team_token(server: str) -> str | None:
    """The member's token: from the keyring, else from ``AIUSAGE_TEAM_TOKEN``."""
    return _team_keyring(server) or os.environ.get(TEAM_TOKEN_ENV, "").strip() or None


def team_token_source(server: str) -> str:
    """Where the token comes from (keyring, environment or missing), never the token."""
    if _team_keyring(server):
        return "keyring"
    return "environment" if os.environ.get(TEAM_TOKEN_ENV, "").strip() else "missing"


def _team_keyring(server: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        found = keyring.get_password(SERVICE, _team_username(server))
    except (KeyringError, RuntimeError):
        return None
    return found.strip() if found else None


# -- the keyring, worded for the user --------------------------------------------------


def _put(username: str, value: str, what: str, no_keyring_hint: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    if not value.strip():
        raise ConfigError(f"the {what} is empty", hint=f"paste the {what} on standard input")
    try:
        keyring.set_password(SERVICE, username, value.strip())
    except (KeyringError, RuntimeError) as exc:
        raise ConfigError(
            f"could not store the {what}: {type(exc).__name__}", hint=no_keyring_hint
        ) from None


def _delete(username: str) -> bool:
    """False when the keyring held nothing for ``username`` (or cannot be used)."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, username)
    except (PasswordDeleteError, KeyringError, RuntimeError):
        return False
    return True
