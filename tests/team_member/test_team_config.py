"""The [team] table: parsed strictly (a typo is an error that says what is allowed), its
server URL checked, written and removed by join/leave without touching the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiusage.config import load_config
from aiusage.errors import ConfigError
from aiusage.team_config import (
    TeamSettings,
    is_cleartext,
    normalize_server,
    parse_team,
    remove_team,
    save_team,
)


def test_the_table_is_parsed_with_defaults_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert parse_team(None, path) is None
    team = parse_team({"server": "https://team.example.com/aiusage/"}, path)
    assert team is not None and team.server == "https://team.example.com/aiusage"
    assert team.machine and team.share_projects and team.push_every_s == 30
    assert parse_team({"server": "http://h:1", "push_every": "1s"}, path).push_every_s == 5
    with pytest.raises(ConfigError, match="unknown field") as typo:
        parse_team({"server": "http://h", "token": "x"}, path)
    assert "keyring" in (typo.value.hint or "")
    with pytest.raises(ConfigError, match="not an http"):
        parse_team({"server": "ftp://h"}, path)
    with pytest.raises(ConfigError, match="credentials"):
        normalize_server("https://alice:pw@team.example.com")
    assert is_cleartext("http://team.example.com") and not is_cleartext("http://127.0.0.1:8")
    assert not is_cleartext("https://team.example.com")


def test_join_and_leave_edit_only_the_team_table(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('timezone = "Europe/Paris"\n\n[plans]\nclaude-code = "max5"\n')
    save_team(path, TeamSettings("https://t.example.com", "box", False, 60))
    config = load_config(path)
    assert config.team == TeamSettings("https://t.example.com", "box", False, 60)
    assert config.timezone == "Europe/Paris" and config.plans == {"claude-code": "max5"}
    assert remove_team(path) and not remove_team(path)
    assert load_config(path).team is None
    assert load_config(path).plans == {"claude-code": "max5"}
