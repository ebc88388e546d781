"""Where aiusage keeps its files. ``AIUSAGE_HOME`` overrides everything (tests rely on it)."""

from __future__ import annotations

import os
from pathlib import Path


def user_dir() -> Path:
    """The directory holding the config file and the default SQLite database."""
    override = os.environ.get("AIUSAGE_HOME")
    if override:
        path = Path(override).expanduser()
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("aiusage", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_file() -> Path:
    override = os.environ.get("AIUSAGE_CONFIG")
    return Path(override).expanduser() if override else user_dir() / "config.toml"


def default_database_path() -> Path:
    return user_dir() / "aiusage.db"


def default_database_url() -> str:
    return f"sqlite:///{default_database_path()}"
