"""The team's views, with each role's visibility applied (docs/team.md, People and
permissions): totals for everyone, per-person figures for admins (members: their own,
and the leaderboard of those who opted in), project names a member hides shown as
"(hidden)" to everyone else.

Why the figures come from team_member_daily (sums per member, local day and project,
day first in its key): a month's overview of 1,000 members reads a few rows per
member-day, never the events; only a member's per-source detail reads team_daily
(through its member index).
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterable
from datetime import date, timedelta
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from aiusage.analytics.timezones import day_number, local_date, parse_start_of_week, week_start
from aiusage.errors import TeamError
from aiusage.store import team as t
from aiusage.store.statements import upsert
from aiusage.team_privacy import FIGURES, Group, fold_small

if TYPE_CHECKING:
    from aiusage.app import App
    from aiusage.team_app import Viewer

HIDDEN = "(hidden)"
PERIODS = ("today", "week", "month")
TOKENS = "input_tokens + output_tokens + cache_read_tokens + cache_write_tokens"
SUMS = "SUM(cost_usd), SUM(tokens), SUM(requests)"  # of team_member_daily
DETAIL_SUMS = f"SUM(cost_usd), SUM({TOKENS}), SUM(requests)"  # of team_daily
RULES_META = "team_cost_centres"
MAX_RULES = 500
DAY_MS = 86_400_000


class Calendar:
    """Today and the first days of this week and month, in the server's zone."""

    def __init__(self, app: App, now_ms: int | None) -> None:
        self.now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        self.today = local_date(self.now_ms, app.tz(None))
        self.week = week_start(self.today, parse_start_of_week(app.config.start_of_week))
        self.month = self.today.replace(day=1)

    def first(self, period: str) -> date:
        if period not in PERIODS:
            raise TeamError(f"period must be one of {', '.join(PERIODS)}", status=422)
        return {"today": self.today, "week": self.week, "month": self.month}[period]


def _figures(row: Iterable[Any]) -> dict[str, Any]:
    cost, tokens, requests = row
    return {
        "cost_usd": float(cost or 0),
        "tokens": int(tokens or 0),
        "requests": int(requests or 0),
    }


def _add(into: dict[str, Any], row: dict[str, Any]) -> None:
    """Sums kept unrounded; ``_ranked`` rounds what is shown."""
    for key in FIGURES:
        into[key] = into.get(key, 0) + row[key]


def _query(app: App, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows = app.store.db.query(sql, params)
    app.store.db.commit()
    return rows


def shown_project(by: Viewer, owner: t.User | None, project: str) -> str:
    """A member who hides project names shows them to nobody else, admins included."""
    if owner is not None and owner.hide_projects and not by.is_self(owner.name):
        return HIDDEN
    return project


def overview(app: App, by: Viewer, period: str, now_ms: int | None) -> dict[str, Any]:
    app.team.refresh()
    cal = Calendar(app, now_ms)
    first, today = day_number(cal.first(period)), day_number(cal.today)
    lo = day_number(min(cal.week, cal.month))
    # One row per member (the folding is SQL's): today, week, month and the period.
    since = {"t": today, "w": day_number(cal.week), "m": day_number(cal.month), "f": first}
    picks = ", ".join(f"SUM(CASE WHEN day >= :{k} THEN cost_usd ELSE 0 END)" for k in "twm")
    rows = _query(
        app,
        f"SELECT user_name, {picks}, "
        + ", ".join(
            f"SUM(CASE WHEN day >= :f THEN {c} ELSE 0 END)"
            for c in ("cost_usd", "tokens", "requests", "events")
        )
        + " FROM team_member_daily WHERE day >= :a AND day <= :b GROUP BY user_name",
        {**since, "a": lo, "b": today},
    )
    users = {u.name: u for u in t.users(app.store.db)}
    totals = {"today_usd": 0.0, "week_usd": 0.0, "month_usd": 0.0}
    per_user: dict[str, dict[str, Any]] = {}
    for name, day_usd, week_usd, month_usd, *sums, events in rows:
        for key, usd in (("today_usd", day_usd), ("week_usd", week_usd), ("month_usd", month_usd)):
            totals[key] += float(usd or 0)
        if events:
            per_user[str(name)] = _figures(sums)
    period_totals: dict[str, Any] = {}
    departments: dict[tuple[str, ...], Group] = {}
    for name, figures in per_user.items():
        _add(period_totals, figures)
        user = users.get(name)
        departments.setdefault((user.department if user else "",), Group()).add(name, figures)
    return {
        "viewer": {"name": by.name, "role": by.role},
        "period": period,
        "first_day": cal.first(period).isoformat(),
        "last_day": cal.today.isoformat(),
        "timezone": app.tz_name(None),
        "totals": {
            **{k: round(v, 6) for k, v in totals.items()},
            "tokens": period_totals.get("tokens", 0),
            "requests": period_totals.get("requests", 0),
            "members_active": len(per_user),
            "members": sum(1 for u in users.values() if u.active),
        },
        "departments": _ranked(
            {"department": d or "(none)", "members": len(g.members), **g.figures}
            for (d,), g in _shown_groups(by, departments).items()
        ),
        "projects": _projects(app, by, users, first, today),
        "members": _member_rows(by, users, per_user),
        "leaderboard": [] if by.role == "viewer" else _leaderboard(users, per_user),
        "budgets": _budgets(app, by, cal.now_ms),
    }


def _ranked(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Costliest first (ties by name), cost rounded to a millionth of a dollar."""
    out = [{**r, "cost_usd": round(r["cost_usd"], 6)} for r in rows]
    return sorted(out, key=lambda r: (-r["cost_usd"], str(next(iter(r.values())))))


def _projects(
    app: App, by: Viewer, users: dict[str, t.User], first: int, last: int
) -> list[dict[str, Any]]:
    rows = _query(
        app,
        f"SELECT user_name, project, {SUMS} FROM team_member_daily WHERE day >= :a AND day <= :b "
        "GROUP BY user_name, project",
        {"a": first, "b": last},
    )
    out: dict[tuple[str, ...], Group] = {}
    for name, project, *sums in rows:
        shown = shown_project(by, users.get(str(name)), str(project))
        out.setdefault((shown,), Group()).add(str(name), _figures(sums))
    return _ranked({"project": p, **g.figures} for (p,), g in _shown_groups(by, out).items())


def _shown_groups(by: Viewer, groups: dict[tuple[str, ...], Group]) -> dict[tuple[str, ...], Group]:
    """Admins see every row; others only rows of MIN_GROUP people (team_privacy.py)."""
    return groups if by.admin else fold_small(groups)


def _member_rows(
    by: Viewer, users: dict[str, t.User], per_user: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Admins: everyone; a member: themselves; a viewer: nobody."""
    if by.role == "viewer":
        return []
    names = set(users) | set(per_user) if by.admin else {by.name} & (set(users) | set(per_user))
    zero = {"cost_usd": 0.0, "tokens": 0, "requests": 0}
    rows = []
    for name in names:
        user = users.get(name)
        rows.append(
            {
                "name": name,
                "department": user.department if user else "",
                "role": user.role if user else "",
                "active": bool(user and user.active),
                **per_user.get(name, zero),
            }
        )
    return _ranked(rows)


def _leaderboard(
    users: dict[str, t.User], per_user: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    zero = {"cost_usd": 0.0, "tokens": 0, "requests": 0}
    rows = _ranked(
        {"name": u.name, "department": u.department, **per_user.get(u.name, zero)}
        for u in users.values()
        if u.leaderboard and u.active
    )
    return [{"rank": i + 1, **row} for i, row in enumerate(rows)]


def leaderboard(app: App, period: str, now_ms: int | None) -> dict[str, Any]:
    app.team.refresh()
    cal = Calendar(app, now_ms)
    rows = _query(
        app,
        f"SELECT user_name, {SUMS} FROM team_member_daily WHERE day >= :a AND day <= :b "
        "GROUP BY user_name",
        {"a": day_number(cal.first(period)), "b": day_number(cal.today)},
    )
    users = {u.name: u for u in t.users(app.store.db)}
    per_user = {str(r[0]): _figures(r[1:]) for r in rows}
    return {
        "period": period,
        "first_day": cal.first(period).isoformat(),
        "last_day": cal.today.isoformat(),
        "rows": _leaderboard(users, per_user),
    }


def member(app: App, by: Viewer, user: t.User, now_ms: int | None) -> dict[str, Any]:
    """One member's detail (the caller checked it is them or an admin)."""
    from aiusage.team_app import user_json

    app.team.refresh()
    cal = Calendar(app, now_ms)
    today = day_number(cal.today)
    since = min(cal.week, cal.month, cal.today - timedelta(days=29))
    params = {"u": user.name, "a": day_number(since), "b": today}
    where = "WHERE user_name = :u AND day >= :a AND day <= :b"
    per_day = {
        int(r[0]): _figures(r[1:])
        for r in _query(
            app, f"SELECT day, {SUMS} FROM team_member_daily {where} GROUP BY day", params
        )
    }
    totals = {f"{k}_usd": 0.0 for k in PERIODS}
    for day, figures in per_day.items():
        for key in PERIODS:
            if day >= day_number(cal.first(key)):
                totals[f"{key}_usd"] = round(totals[f"{key}_usd"] + figures["cost_usd"], 6)
    month = {**params, "a": day_number(cal.month)}
    sources = _query(
        app,
        f"SELECT source, model, {DETAIL_SUMS} FROM team_daily {where} GROUP BY source, model",
        month,
    )
    projects: dict[str, dict[str, Any]] = {}
    for project, *sums in _query(
        app, f"SELECT project, {SUMS} FROM team_member_daily {where} GROUP BY project", month
    ):
        _add(projects.setdefault(shown_project(by, user, str(project)), {}), _figures(sums))
    machines = _query(
        app,
        "SELECT machine, MAX(ts_ms), COUNT(*) FROM usage_events WHERE user_name = :u "
        "AND ts_ms >= :t GROUP BY machine ORDER BY 2 DESC",
        {"u": user.name, "t": cal.now_ms - 30 * DAY_MS},
    )
    first_day = cal.today - timedelta(days=29)
    zero = {"cost_usd": 0.0, "tokens": 0, "requests": 0}
    return {
        "user": user_json(user, by),
        "totals": totals,
        "days": sorted(
            _ranked(
                {
                    "day": (first_day + timedelta(days=i)).isoformat(),
                    **per_day.get(day_number(first_day) + i, zero),
                }
                for i in range(30)
            ),
            key=lambda r: str(r["day"]),
        ),
        "sources": _ranked({"source": s, "model": m, **_figures(r)} for s, m, *r in sources),
        "projects": _ranked({"project": p, **v} for p, v in projects.items()),
        "machines": [
            {"machine": str(m), "last_seen_ms": int(last), "events": int(n)}
            for m, last, n in machines
        ],
        "budgets": _budgets(app, by, cal.now_ms, only_user=user.name),
    }


def _budgets(
    app: App, by: Viewer, now_ms: int, only_user: str | None = None
) -> list[dict[str, Any]]:
    """Team pools for everyone; per-member quotas for admins and the member."""
    from aiusage.team_budgets import TEAM_SCOPES, team_status

    out = []
    for budget in app.budgets.all():
        kind, value = budget.scope_kind, budget.scope_value
        if kind not in TEAM_SCOPES or (only_user is not None and value != only_user):
            continue
        if kind == "user" and not (by.admin or by.is_self(value)):
            continue
        out.append(app.budgets.as_json(team_status(app, budget, now_ms)))
    return out


# -- cost allocation -----------------------------------------------------------------
def load_rules(app: App) -> list[tuple[str, str]]:
    raw = app.store.meta(RULES_META)
    return [(str(p), str(c)) for p, c in json.loads(raw)] if raw else []


def save_rules(app: App, actor: str, rules: list[tuple[str, str]]) -> None:
    if len(rules) > MAX_RULES:
        raise TeamError(f"at most {MAX_RULES} cost-centre rules", status=422)
    for pattern, centre in rules:
        if not pattern or len(pattern) > 512 or not centre or len(centre) > 128:
            raise TeamError(
                "each rule needs a project pattern (<= 512) and a cost centre (<= 128)",
                "e.g. shop-* -> retail",
                status=422,
            )
    db = app.store.db
    with db.transaction():
        db.execute(
            upsert("meta", ("name", "value"), "name"),
            {"name": RULES_META, "value": json.dumps(rules)},
        )
        t.audit(db, actor, "tags.set", "cost_centres", {"rules": rules})


def chargeback_csv(app: App, by: Viewer, month: str | None) -> str:
    """month,cost_centre,department,project[,user],cost_usd,tokens,requests — a member's
    name only for admins; a project maps to the first rule matching its real name, else
    to its member's department."""
    app.team.refresh()
    first = _month(month, Calendar(app, None).month)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    rows = _query(
        app,
        f"SELECT user_name, project, {SUMS} FROM team_member_daily WHERE day >= :a AND day <= :b "
        "GROUP BY user_name, project",
        {"a": day_number(first), "b": day_number(last)},
    )
    users = {u.name: u for u in t.users(app.store.db)}
    rules = load_rules(app)
    groups: dict[tuple[str, ...], Group] = {}
    for name, project, *sums in rows:
        user = users.get(str(name))
        department = user.department if user and user.department else "(none)"
        centre = next((c for p, c in rules if fnmatchcase(str(project), p)), department)
        key: tuple[str, ...] = (centre, department, shown_project(by, user, str(project)))
        if by.admin:
            key = (*key, str(name))
        groups.setdefault(key, Group()).add(str(name), _figures(sums))
    grouped = {k: g.figures for k, g in _shown_groups(by, groups).items()}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    head = ["month", "cost_centre", "department", "project"]
    writer.writerow([*head, *(["user"] if by.admin else []), "cost_usd", "tokens", "requests"])
    for group in sorted(grouped):
        figures = grouped[group]
        writer.writerow(
            [
                f"{first:%Y-%m}",
                *(part or "(none)" for part in group),
                f"{figures['cost_usd']:.6f}",
                figures["tokens"],
                figures["requests"],
            ]
        )
    return buffer.getvalue()


def _month(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        found = date.fromisoformat(f"{value}-01")
    except ValueError:
        raise TeamError(f"month {value[:20]!r} is not YYYY-MM", status=422) from None
    if not 1970 <= found.year <= 2199:
        raise TeamError("month must be between 1970-01 and 2199-12", status=422)
    return found
