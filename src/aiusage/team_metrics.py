"""A team server's per-member series for ``/metrics`` (declared in dashboard/metrics.py).

Why gauges of this period rather than all-time counters: a counter per member would sum
a year of team_member_daily rows on every scrape; today, this week and this month read a
month of rows through the table's day-first key, and "who spent what this month" is the
question a team's Grafana board asks. The endpoint is the owner's, so per-person figures
are fine here (docs/team.md, People and permissions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiusage.analytics.timezones import day_number
from aiusage.store import team as t
from aiusage.team_views import PERIODS, Calendar

if TYPE_CHECKING:
    from aiusage.app import App
    from aiusage.dashboard.metrics import Sample


def team_samples(app: App, now_ms: int) -> dict[str, list[Sample]]:
    """Per member: spend and tokens today, this week and this month; when their token was
    last used (pushes use it every cycle, so a machine that went quiet shows)."""
    users = {u.name: u for u in t.users(app.store.db)}
    if not users:
        return {}
    app.team.refresh()
    cal = Calendar(app, now_ms)
    firsts = {p: day_number(cal.first(p)) for p in PERIODS}
    picks = ", ".join(
        f"SUM(CASE WHEN day >= :{p} THEN {column} ELSE 0 END)"
        for column in ("cost_usd", "tokens")
        for p in PERIODS
    )
    db = app.store.db
    rows = db.query(
        f"SELECT user_name, {picks} FROM team_member_daily "
        "WHERE day >= :a AND day <= :b GROUP BY user_name ORDER BY user_name",
        {**firsts, "a": min(firsts.values()), "b": day_number(cal.today)},
    )
    pushed = db.query(
        "SELECT u.name, MAX(k.last_used_ms) FROM team_tokens AS k "
        "JOIN team_users AS u ON u.id = k.user_id "
        "WHERE k.last_used_ms IS NOT NULL GROUP BY u.name ORDER BY u.name"
    )
    db.commit()
    cost: list[Sample] = []
    tokens: list[Sample] = []
    for name, *sums in rows:
        user = users.get(str(name))
        department = user.department if user else ""
        for i, period in enumerate(PERIODS):
            labels = (str(name), department, period)
            cost.append((labels, round(float(sums[i] or 0), 6)))
            tokens.append((labels, float(sums[len(PERIODS) + i] or 0)))
    return {
        "aiusage_team_member_cost_usd": cost,
        "aiusage_team_member_tokens": tokens,
        "aiusage_team_member_last_seen_timestamp_seconds": [
            ((str(name),), int(ms) / 1000) for name, ms in pushed
        ],
    }
