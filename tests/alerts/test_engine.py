"""The alert engine with a controllable clock: first firing, no repeats in an episode,
escalation, cooldown, Do-Not-Disturb (also across midnight, and critical piercing it),
pause, re-arming, resolution notices, toggles and muting, and restart idempotence on a
real store."""

from __future__ import annotations

from datetime import time

from aiusage.alerts.engine import State, alert_log, decide, load_states, record
from aiusage.alerts.rules import CRITICAL, INFO, WARNING, Condition
from aiusage.alerts.settings import AlertSettings, parse_alerts
from aiusage.store import Store

MIN = 60_000
T0 = 1_790_000_000_000
NOON = time(12, 0)


def cond(
    active: bool = True, severity: str = WARNING, key: str = "limit:codex:5h", **kw: object
) -> Condition:
    fields: dict[str, object] = {
        "key": key,
        "rule": key.split(":")[0],
        "active": active,
        "severity": severity if active else "",
        "title": f"{key} {severity}",
        "source": "codex",
    }
    fields.update(kw)
    return Condition(**fields)  # type: ignore[arg-type]


class Clock:
    """Runs decide() like the collector would, keeping the states between calls."""

    def __init__(self, settings: AlertSettings | None = None) -> None:
        self.settings = settings or AlertSettings()
        self.states: dict[str, State] = {}
        self.now = T0

    def step(
        self,
        *conditions: Condition,
        minutes: float = 0,
        at: time = NOON,
        paused_until: int | None = None,
    ) -> list[tuple[str, str]]:
        self.now += int(minutes * MIN)
        fired, changed = decide(
            conditions,
            self.states,
            self.settings,
            now_ms=self.now,
            local_time=at,
            paused_until_ms=paused_until,
        )
        self.states.update({s.alert_key: s for s in changed})
        return [(f.severity, f.title) for f in fired]


def test_fires_once_per_episode_then_escalates_and_rearms() -> None:
    clock = Clock()
    assert clock.step(cond()) == [(WARNING, "limit:codex:5h warning")]
    assert clock.step(cond(), minutes=1) == []  # still active: no repeat
    assert clock.step(cond(), minutes=60) == []  # even after the cooldown
    assert clock.step(cond(severity=CRITICAL), minutes=1) == [
        (CRITICAL, "limit:codex:5h critical")
    ]  # escalation is exempt from the cooldown
    assert clock.step(cond(active=False), minutes=30) == []  # re-armed
    assert clock.step(cond(), minutes=1) == [(WARNING, "limit:codex:5h warning")]


def test_cooldown_holds_a_flapping_alert_until_it_ends() -> None:
    clock = Clock()
    assert clock.step(cond())
    clock.step(cond(active=False), minutes=2)
    assert clock.step(cond(), minutes=2) == []  # 4 min after the last: cooling down
    assert clock.step(cond(), minutes=10) == []  # 14 min
    assert clock.step(cond(), minutes=1) == [(WARNING, "limit:codex:5h warning")]  # 15 min
    custom = Clock(parse_alerts({"cooldown": "1h"}, "config"))
    custom.step(cond())
    custom.step(cond(active=False), minutes=1)
    assert custom.step(cond(), minutes=30) == [] and custom.step(cond(), minutes=30)


def test_do_not_disturb_across_midnight_holds_alerts_until_morning() -> None:
    settings = parse_alerts({"dnd": "22:00-07:00"}, "config")
    assert [
        settings.in_dnd(time(h, m)) for h, m in ((21, 59), (22, 0), (3, 0), (6, 59), (7, 0))
    ] == [
        False,
        True,
        True,
        True,
        False,
    ]
    clock = Clock(settings)
    assert clock.step(cond(), at=time(23, 30)) == []  # held, still pending
    assert clock.step(cond(severity=CRITICAL), minutes=60, at=time(0, 30)) == []  # not let through
    assert clock.step(cond(severity=CRITICAL), minutes=420, at=time(7, 30)) == [
        (CRITICAL, "limit:codex:5h critical")
    ]
    gone = Clock(settings)
    gone.step(cond(), at=time(23, 0))
    gone.step(cond(active=False), minutes=60, at=time(0, 0))
    assert gone.step(cond(active=False), minutes=480, at=time(8, 0)) == []  # ended by itself


def test_critical_pierces_dnd_only_when_allowed_and_never_a_pause() -> None:
    settings = parse_alerts({"dnd": "22:00-07:00", "dnd_critical": True}, "config")
    clock = Clock(settings)
    assert clock.step(cond(), at=time(23, 0)) == []
    assert clock.step(cond(severity=CRITICAL), minutes=5, at=time(23, 5)) == [
        (CRITICAL, "limit:codex:5h critical")
    ]
    paused = Clock(settings)
    until = T0 + 60 * MIN
    assert paused.step(cond(severity=CRITICAL), paused_until=until) == []
    assert paused.step(cond(severity=CRITICAL), minutes=61, paused_until=until)


def test_resolution_notice_only_after_a_sent_alert() -> None:
    clock = Clock()
    error = cond(key="source_error:openai-work", resolved_title="openai-work is collecting again")
    assert clock.step(error)
    fixed = cond(
        active=False,
        key="source_error:openai-work",
        resolved_title="openai-work is collecting again",
    )
    assert clock.step(fixed, minutes=5) == [(INFO, "openai-work is collecting again")]
    quiet = Clock(parse_alerts({"dnd": "00:00-23:59"}, "config"))
    quiet.step(error, at=time(1, 0))  # held by DND: never sent
    assert quiet.step(fixed, minutes=5, at=time(1, 5)) == []  # so no "resolved" either


def test_master_switch_rule_toggles_and_muted_sources() -> None:
    assert Clock(parse_alerts({"enabled": False}, "c")).step(cond()) == []
    assert Clock(parse_alerts({"limit": {"enabled": False}}, "c")).step(cond()) == []
    assert Clock(parse_alerts({"muted_sources": ["codex"]}, "c")).step(cond()) == []
    assert Clock(parse_alerts({"muted_sources": ["claude-code"]}, "c")).step(cond())


def test_restart_never_resends_and_every_fired_alert_is_logged(store: Store) -> None:
    settings = AlertSettings()

    def run(now: int, *conditions: Condition) -> list[str]:
        fired, changed = decide(
            conditions, load_states(store.db), settings, now_ms=now, local_time=NOON
        )
        return [f.title for f in record(store.db, fired, changed)]

    assert run(T0, cond(), cond(key="budget:team", rule="budget")) == [
        "limit:codex:5h warning",
        "budget:team warning",
    ]
    # A new process: the states come back from the store, nothing is sent twice.
    assert run(T0 + MIN, cond(), cond(key="budget:team", rule="budget")) == []
    assert run(T0 + 2 * MIN, cond(active=False), cond(key="budget:team", rule="budget")) == []
    assert run(T0 + 3 * MIN, cond(), cond(key="budget:team", rule="budget")) == []  # cooldown
    assert run(T0 + 16 * MIN, cond(), cond(key="budget:team", rule="budget")) == [
        "limit:codex:5h warning"
    ]
    log = alert_log(store.db)
    assert [e["title"] for e in log] == [
        "limit:codex:5h warning",
        "budget:team warning",
        "limit:codex:5h warning",
    ]
    assert {e["status"] for e in log} == {"sent"}
