"""The facade's team side (a team server): members, tokens, pushes, the team's views.

Reached as ``App.team``. Every call names who asks (a ``Viewer``: a member's token, or
the server's owner — the dashboard's access token or the CLI on the database) and
applies the roles of docs/team.md here, in the core, so the HTTP API and the CLI cannot
disagree about who sees what. Every change writes an audit entry in its own
transaction; no answer but the one that creates a token carries it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiusage.errors import TeamError
from aiusage.store import team as t
from aiusage.team_pricing import price_pushed, reprice_stored

if TYPE_CHECKING:
    from aiusage.app import App
    from aiusage.ingest import Pricer

USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
PRIVACY = frozenset({"hide_projects", "leaderboard"})  # what members may change themselves
CHANGEABLE = frozenset({"role", "department", "email", "disabled", *PRIVACY})


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who asks. ``user`` None is the server's owner, an admin outside the member list."""

    user: t.User | None
    via: str = "owner"  # the owner's name in the audit log: 'owner' (web) or 'cli'

    @property
    def name(self) -> str:
        return self.user.name if self.user else ""

    @property
    def role(self) -> str:
        return self.user.role if self.user else "admin"

    @property
    def admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> str:
        return self.user.name if self.user else self.via

    def is_self(self, name: str) -> bool:
        return self.user is not None and self.user.name == name

    def need_pusher(self) -> None:
        """Only members and admins push, each as themselves (403 otherwise)."""
        if self.user is None:
            raise forbidden("the server's owner has no member to push as", "use a member token")
        if self.role == "viewer":
            raise forbidden("viewers cannot push", "ask an admin for the member role")


def forbidden(message: str, hint: str = "an admin can do this") -> TeamError:
    return TeamError(message, hint, status=403)


class TeamApi:
    def __init__(self, app: App) -> None:
        self.app = app
        self._pricer: tuple[object, Pricer] | None = None  # (the config it was made for, it)

    @property
    def _db(self) -> Any:
        return self.app.store.db

    # -- who asks ------------------------------------------------------------------------
    def owner(self, via: str = "owner") -> Viewer:
        return Viewer(None, via)

    def authenticate(self, token: str) -> Viewer:
        """The member a token belongs to (401 unknown, revoked or disabled)."""
        return Viewer(t.authenticate(self._db, token))

    # -- members and tokens (admins; members their own tokens and privacy) -------------
    def add_user(
        self,
        by: Viewer,
        name: str,
        role: str = "member",
        department: str = "",
        email: str = "",
        label: str = "",
    ) -> dict[str, Any]:
        """A new member and their first token, which is in this answer only."""
        _need_admin(by)
        fields = _checked({"role": role, "department": department, "email": email})
        if not USER_NAME.match(name):
            raise TeamError(
                f"member name {name[:70]!r} is not allowed",
                "use letters, digits, '.', '_', '@', '+' and '-' (at most 64)",
                status=422,
            )
        user, token_row, token = t.add_user(
            self._db, by.actor, t.User(0, name, **fields), label or "first"
        )
        return {**user_json(user, by), "token": token, "token_id": token_row.id}

    def users(self, by: Viewer) -> list[dict[str, Any]]:
        _need_admin(by)
        return [user_json(u, by) for u in t.users(self._db)]

    def user(self, by: Viewer, name: str) -> dict[str, Any]:
        if not (by.admin or by.is_self(name)):
            raise forbidden("only admins see other members", "ask for your own name")
        return user_json(t.need_user(self._db, name), by)

    def set_user(self, by: Viewer, name: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Admins change anything; a member only their own privacy (hide_projects,
        leaderboard)."""
        unknown = set(changes) - CHANGEABLE
        if unknown:
            raise TeamError(f"cannot change {', '.join(sorted(unknown))}", status=422)
        if not by.admin and not (by.is_self(name) and set(changes) <= PRIVACY):
            raise forbidden(
                "members change only their own hide_projects and leaderboard",
                "an admin changes roles, departments and emails",
            )
        demoted = changes.get("disabled") or changes.get("role", by.role) != by.role
        if by.admin and by.is_self(name) and demoted:
            raise forbidden("an admin cannot disable or demote themselves", "ask another admin")
        user = t.change_user(self._db, by.actor, name, _checked(changes))
        return user_json(user, by)

    def add_token(self, by: Viewer, name: str, label: str = "") -> dict[str, Any]:
        """Another token for a member (a second machine); in this answer only."""
        if not (by.admin or by.is_self(name)):
            raise forbidden("members make tokens only for themselves")
        row, token = t.add_token(self._db, by.actor, name, label[:128])
        return {**token_json(row), "token": token}

    def tokens(self, by: Viewer, name: str | None = None) -> list[dict[str, Any]]:
        if not by.admin:
            if name not in (None, by.name):
                raise forbidden("members list only their own tokens")
            name = by.name
        return [token_json(row) for row in t.tokens(self._db, name)]

    def revoke_token(self, by: Viewer, token_id: int) -> dict[str, Any]:
        found = t.find_token(self._db, token_id)
        if found is None or not (by.admin or by.is_self(found.user)):
            # not 403: a member must not learn which ids exist
            raise TeamError(f"no token with id {token_id}", status=404)
        return token_json(t.revoke_token(self._db, by.actor, token_id))

    def audit(self, by: Viewer, limit: int = 100, before_id: int | None = None) -> list[Any]:
        _need_admin(by)
        return t.audit_log(self._db, limit, before_id)

    # -- pushes --------------------------------------------------------------------------
    def ingest(self, by: Viewer, raw: bytes) -> dict[str, int]:
        """Store a push (docs/team.md, protocol version 1): all of it or, with a TeamError
        naming the row, nothing."""
        import msgspec

        from aiusage.store.team_ingest import ingest
        from aiusage.store.team_rows import parse_batch

        by.need_pusher()
        try:
            body = msgspec.json.decode(raw)
        except msgspec.DecodeError as exc:
            raise TeamError(f"the body is not JSON: {exc}", status=422) from None
        machine, events, observations = parse_batch(body)
        pricer = self._prices()
        price_pushed(pricer, events)
        zone = self.app.tz(None)
        ingest(self.app.store, by.name, machine, events, observations, zone, self._zone_name())
        pricer.save()
        return {"events": len(events), "observations": len(observations)}

    def _prices(self) -> Pricer:
        """The server's prices, its stored events repriced first if they changed: one price
        table prices the whole team (a member's own overrides don't travel; a model the
        server can't price keeps the member's figure)."""
        config = self.app.config
        if self._pricer is None or self._pricer[0] is not config:
            self._pricer = (config, self.app.pricer())
        pricer = self._pricer[1]
        if self.app.store.meta("price_fingerprint") != pricer.fingerprint:
            reprice_stored(self.app.store, pricer)
        return pricer

    def _zone_name(self) -> str:
        """What team_daily was summed under: the server's zone and its prices (a price
        change reprices the stored events, so the sums are made again once)."""
        return f"{self.app.tz_name(None)}|{self.app.store.meta('price_fingerprint') or ''}"

    # -- views ---------------------------------------------------------------------------
    def overview(self, by: Viewer, period: str = "month", now_ms: int | None = None) -> Any:
        from aiusage.team_views import overview

        return overview(self.app, by, period, now_ms)

    def member(self, by: Viewer, name: str, now_ms: int | None = None) -> Any:
        from aiusage.team_views import member

        if not (by.admin or by.is_self(name)):
            raise forbidden("members see only their own detail", "ask for your own name")
        return member(self.app, by, t.need_user(self._db, name), now_ms)

    def leaderboard(self, by: Viewer, period: str = "month", now_ms: int | None = None) -> Any:
        from aiusage.team_views import leaderboard

        if by.role == "viewer":
            raise forbidden("viewers see no per-person figures", "the overview has the totals")
        return leaderboard(self.app, period, now_ms)

    def chargeback_csv(self, by: Viewer, month: str | None = None) -> str:
        """Spend per cost centre, department and project (and member, for admins)."""
        from aiusage.team_views import chargeback_csv

        return chargeback_csv(self.app, by, month)

    def cost_centres(self) -> list[dict[str, str]]:
        from aiusage.team_views import load_rules

        return [{"pattern": p, "cost_centre": c} for p, c in load_rules(self.app)]

    def set_cost_centres(self, by: Viewer, rules: list[tuple[str, str]]) -> list[dict[str, str]]:
        """Project -> cost centre rules (shell patterns, first match wins)."""
        from aiusage.team_views import save_rules

        _need_admin(by)
        save_rules(self.app, by.actor, rules)
        return self.cost_centres()

    def set_budget(self, by: Viewer, name: str, values: dict[str, Any]) -> dict[str, Any]:
        """Add or replace a budget (admins); where it stands now."""
        _need_admin(by)
        budget = self.app.budgets.set(name, values, actor=by.actor)
        found = next(s for s in self.app.budgets.status() if s.budget.name == budget.name)
        return self.app.budgets.as_json(found)

    def remove_budget(self, by: Viewer, name: str) -> None:
        _need_admin(by)
        if name not in self.app.config.budgets:
            raise TeamError(f"no budget named {name!r}", status=404)
        self.app.budgets.remove(name, actor=by.actor)

    def refresh(self) -> None:
        """Sum team_daily again if the server's time zone or prices changed since."""
        from aiusage.store.team_ingest import ensure_zone

        self._prices()
        ensure_zone(self.app.store, self.app.tz(None), self._zone_name())


def _need_admin(by: Viewer) -> None:
    if not by.admin:
        raise forbidden(f"this needs the admin role (you are {by.role})")


def _checked(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Role, department and email, checked; other fields as they are."""
    out = dict(fields)
    if "role" in out and out["role"] not in t.ROLES:
        raise TeamError(f"role must be one of {', '.join(t.ROLES)}", status=422)
    if len(str(out.get("department", ""))) > 128:
        raise TeamError("department is longer than 128 characters", status=422)
    email = str(out.get("email", ""))
    if email and (len(email) > 255 or "@" not in email or any(c.isspace() for c in email)):
        raise TeamError("email is not an address", "name@example.com", status=422)
    return out


def user_json(user: t.User, by: Viewer) -> dict[str, Any]:
    """A member as an admin sees them; others' email stays with the admins."""
    return {
        "name": user.name,
        "role": user.role,
        "department": user.department,
        "email": user.email if by.admin or by.is_self(user.name) else "",
        "hide_projects": user.hide_projects,
        "leaderboard": user.leaderboard,
        "created": _iso(user.created_ms),
        "disabled": _iso(user.disabled_ms),
    }


def token_json(row: t.Token) -> dict[str, Any]:
    return {
        "id": row.id,
        "user": row.user,
        "label": row.label,
        "created": _iso(row.created_ms),
        "last_used": _iso(row.last_used_ms),
        "revoked": _iso(row.revoked_ms),
    }


def _iso(ms: int | None) -> str | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC).isoformat()
