"""``[agents]`` in the config file: read an agent's logs from other folders (logs synced
from another machine, the demo), relative paths resolved from the config file's folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiusage.app import AppContext, open_app
from aiusage.config import load_config
from aiusage.errors import ConfigError
from logs_factory import claude_file, claude_line


def test_agent_folders_replace_the_defaults(tmp_path: Path) -> None:
    config = tmp_path / "cfg" / "config.toml"
    config.parent.mkdir()
    synced = tmp_path / "cfg" / "laptop-claude"
    claude_file(synced, "-home-dev-x", "s1", [claude_line(ts="2026-11-20T10:00:00Z")])
    config.write_text(
        f'database_url = "sqlite:///{tmp_path}/a.db"\n[agents]\nclaude-code = ["laptop-claude"]\n'
        'codex = "nowhere"\n'
    )
    app = open_app(AppContext(config_path=config))
    try:
        claude = app.source("claude-code")
        assert claude is not None and claude.roots() == [synced / "projects"]
        assert app.refresh(agents=["claude-code"]).events_written == 1
        codex = next(s for s in app.sources if s.name == "codex")
        assert all(str(r).startswith(str(tmp_path / "cfg" / "nowhere")) for r in codex.roots())
    finally:
        app.close()


def test_a_malformed_agents_table_names_the_fix(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[agents]\nclaude-code = 3\n")
    with pytest.raises(ConfigError, match=r"\[agents\] claude-code .* must be a list") as info:
        load_config(config)
    assert "claude-code = [" in (info.value.hint or "")
