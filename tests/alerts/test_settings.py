"""``[alerts]`` settings: defaults, every key, and errors that name the fix."""

from __future__ import annotations

from datetime import time

import pytest

from aiusage.alerts.settings import AlertSettings, parse_alerts
from aiusage.errors import ConfigError


def test_defaults_and_every_setting() -> None:
    default = parse_alerts(None, "c")
    assert default == AlertSettings() and default.cooldown_s == 900 and default.dnd is None
    s = parse_alerts(
        {
            "enabled": True,
            "cooldown": "5m",
            "dnd": "22:30-06:45",
            "dnd_critical": True,
            "muted_sources": ["groq-work"],
            "limit": {"warning": 60, "critical": 90},
            "spike": {"enabled": False, "sensitivity": 5},
            "dead_source": {"cycles": 6},
        },
        "c",
    )
    assert (s.cooldown_s, s.dnd, s.dnd_allows_critical) == (300, (time(22, 30), time(6, 45)), True)
    assert s.value("limit", "warning") == 60 and s.value("dead_source", "cycles") == 6
    assert not s.rule_on("spike") and s.rule_on("limit")
    assert s.muted_sources == frozenset({"groq-work"})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"dnd": "late"}, "not HH:MM-HH:MM"),
        ({"dnd": "07:00-07:00"}, "same time"),
        ({"cooldown": "soon"}, "not a duration"),
        ({"limit": {"warning": 90, "critical": 80}}, "critical is below warning"),
        ({"limit": {"warning": "high"}}, "must be a number"),
        ({"limit": {"red": 3}}, "has no 'red'"),
        ({"bogus": 1}, "unknown \\[alerts\\] keys: bogus"),
        ({"muted_sources": "groq"}, "list of names"),
        ({"enabled": "yes"}, "true or false"),
    ],
)
def test_errors_name_the_fix(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_alerts(raw, "config.toml")
