"""Team members, their API tokens and the audit log, as plain SQL over the 0004 tables.

Why only a SHA-256 of each token: the database is the part most likely to be copied
(backups, a support dump), and a leaked hash cannot be replayed. Tokens are random
(256 bits), so a fast unsalted hash is enough. Every change here is written with its
audit entry in the same transaction, so the log cannot miss one.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiusage.errors import TeamError
from aiusage.store.db import Database

ROLES = ("admin", "member", "viewer")
TOKEN_PREFIX = "aiu_"
USED_EVERY_MS = 60_000  # last_used_ms is rewritten at most this often per token
_USER_COLUMNS = (
    "id",
    "name",
    "role",
    "department",
    "email",
    "hide_projects",
    "leaderboard",
    "created_ms",
    "disabled_ms",
)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    role: str
    department: str = ""
    email: str = ""
    hide_projects: bool = False
    leaderboard: bool = False
    created_ms: int = 0
    disabled_ms: int | None = None

    @property
    def active(self) -> bool:
        return self.disabled_ms is None


@dataclass(frozen=True, slots=True)
class Token:
    """A token as the store knows it: never the token itself."""

    id: int
    user: str
    label: str
    created_ms: int
    last_used_ms: int | None
    revoked_ms: int | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _user(row: tuple[Any, ...]) -> User:
    return User(
        id=int(row[0]),
        name=str(row[1]),
        role=str(row[2]),
        department=str(row[3]),
        email=str(row[4]),
        hide_projects=bool(row[5]),
        leaderboard=bool(row[6]),
        created_ms=int(row[7]),
        disabled_ms=None if row[8] is None else int(row[8]),
    )


def users(db: Database) -> list[User]:
    rows = db.query(f"SELECT {', '.join(_USER_COLUMNS)} FROM team_users ORDER BY name")
    db.commit()
    return [_user(r) for r in rows]


def find_user(db: Database, name: str) -> User | None:
    rows = db.query(
        f"SELECT {', '.join(_USER_COLUMNS)} FROM team_users WHERE name = :n", {"n": name}
    )
    db.commit()
    return _user(rows[0]) if rows else None


def need_user(db: Database, name: str) -> User:
    found = find_user(db, name)
    if found is None:
        raise TeamError(
            f"no team member named {name!r}", "`aiusage team users list` shows them", status=404
        )
    return found


def audit(db: Database, actor: str, action: str, target: str, detail: Mapping[str, Any]) -> None:
    """One audit entry (inside the caller's transaction). ``detail`` never holds a secret."""
    db.execute(
        "INSERT INTO team_audit (ts_ms, actor, action, target, detail) VALUES (:t, :a, :x, :g, :d)",
        {
            "t": now_ms(),
            "a": actor[:64],
            "x": action[:64],
            "g": target[:255],
            "d": json.dumps(dict(detail), sort_keys=True, default=str),
        },
    )


def audit_log(db: Database, limit: int = 100, before_id: int | None = None) -> list[dict[str, Any]]:
    """Newest first; ``before_id`` pages back."""
    rows = db.query(
        "SELECT id, ts_ms, actor, action, target, detail FROM team_audit "
        "WHERE id < :b ORDER BY id DESC LIMIT :n",
        {"b": before_id if before_id is not None else 2**62, "n": limit},
    )
    db.commit()
    return [
        {
            "id": int(r[0]),
            "ts_ms": int(r[1]),
            "actor": str(r[2]),
            "action": str(r[3]),
            "target": str(r[4]),
            "detail": json.loads(r[5] or "{}"),
        }
        for r in rows
    ]


def add_user(db: Database, actor: str, user: User, label: str = "") -> tuple[User, Token, str]:
    """A new member and their first token; the token (returned once) is not stored."""
    if find_user(db, user.name) is not None:
        raise TeamError(
            f"a team member named {user.name!r} exists",
            "choose another name, or `aiusage team tokens add` for a new token",
            status=409,
        )
    created = now_ms()
    with db.transaction():
        db.execute(
            "INSERT INTO team_users (name, role, department, email, hide_projects, "
            "leaderboard, created_ms) VALUES (:n, :r, :d, :e, :h, :l, :c)",
            {
                "n": user.name,
                "r": user.role,
                "d": user.department,
                "e": user.email,
                "h": int(user.hide_projects),
                "l": int(user.leaderboard),
                "c": created,
            },
        )
        audit(
            db,
            actor,
            "user.add",
            user.name,
            {"role": user.role, "department": user.department, "email": bool(user.email)},
        )
        stored = _fetch_user(db, user.name)
        token, row = _insert_token(db, actor, stored, label)
    return stored, row, token


def change_user(db: Database, actor: str, name: str, changes: Mapping[str, Any]) -> User:
    """Role, department, email, hide_projects, leaderboard, or disabled (True/False)."""
    old = need_user(db, name)
    sets: dict[str, Any] = {}
    for key in ("role", "department", "email"):
        if key in changes and changes[key] != getattr(old, key):
            sets[key] = changes[key]
    for key in ("hide_projects", "leaderboard"):
        if key in changes and bool(changes[key]) != getattr(old, key):
            sets[key] = int(bool(changes[key]))
    if "disabled" in changes and bool(changes["disabled"]) == old.active:
        sets["disabled_ms"] = now_ms() if changes["disabled"] else None
    if not sets:
        return old
    detail: dict[str, Any] = {k: v for k, v in sets.items() if k in ("role", "department")}
    detail |= {k: bool(v) for k, v in sets.items() if k in ("hide_projects", "leaderboard")}
    if "email" in sets:
        detail["email"] = bool(sets["email"])  # changed; the address is not the log's
    if "disabled_ms" in sets:
        detail["disabled"] = sets["disabled_ms"] is not None
    action = "user.change"
    if "disabled_ms" in sets:
        action = "user.disable" if sets["disabled_ms"] is not None else "user.enable"
    with db.transaction():
        assignments = ", ".join(f"{k} = :{k}" for k in sets)
        db.execute(f"UPDATE team_users SET {assignments} WHERE id = :id", {**sets, "id": old.id})
        audit(db, actor, action, name, detail)
        return _fetch_user(db, name)


def add_token(db: Database, actor: str, name: str, label: str = "") -> tuple[Token, str]:
    user = need_user(db, name)
    with db.transaction():
        token, row = _insert_token(db, actor, user, label)
    return row, token


def tokens(db: Database, name: str | None = None) -> list[Token]:
    where, params = ("WHERE u.name = :n", {"n": name}) if name else ("", {})
    rows = db.query(
        "SELECT t.id, u.name, t.label, t.created_ms, t.last_used_ms, t.revoked_ms "
        f"FROM team_tokens t JOIN team_users u ON u.id = t.user_id {where} ORDER BY t.id",
        params,
    )
    db.commit()
    return [_token(r) for r in rows]


def find_token(db: Database, token_id: int) -> Token | None:
    rows = db.query(
        "SELECT t.id, u.name, t.label, t.created_ms, t.last_used_ms, t.revoked_ms "
        "FROM team_tokens t JOIN team_users u ON u.id = t.user_id WHERE t.id = :i",
        {"i": token_id},
    )
    db.commit()
    return _token(rows[0]) if rows else None


def revoke_token(db: Database, actor: str, token_id: int) -> Token:
    found = find_token(db, token_id)
    if found is None:
        raise TeamError(
            f"no token with id {token_id}", "`aiusage team tokens list` shows them", status=404
        )
    if found.revoked_ms is not None:
        return found
    with db.transaction():
        db.execute(
            "UPDATE team_tokens SET revoked_ms = :t WHERE id = :i", {"t": now_ms(), "i": token_id}
        )
        audit(db, actor, "token.revoke", found.user, {"token_id": token_id, "label": found.label})
    return find_token(db, token_id) or found


def authenticate(db: Database, token: str) -> User:
    """The active member a token belongs to; 401 for an unknown, revoked or disabled one."""
    rows = db.query(
        f"SELECT {', '.join('u.' + c for c in _USER_COLUMNS)}, t.id, t.last_used_ms "
        "FROM team_tokens t JOIN team_users u ON u.id = t.user_id "
        "WHERE t.token_sha256 = :h AND t.revoked_ms IS NULL",
        {"h": hash_token(token)},
    )
    db.commit()
    if not rows or rows[0][8] is not None:  # no such token, revoked, or member disabled
        raise TeamError(
            "unknown or revoked team token",
            "ask an admin for a new token, then run `aiusage team join` again",
            status=401,
        )
    user = _user(rows[0][:9])
    token_id, used = int(rows[0][9]), rows[0][10]
    now = now_ms()
    if used is None or now - int(used) >= USED_EVERY_MS:
        with db.transaction():
            db.execute(
                "UPDATE team_tokens SET last_used_ms = :t WHERE id = :i", {"t": now, "i": token_id}
            )
    return user


def _insert_token(db: Database, actor: str, user: User, label: str) -> tuple[str, Token]:
    token = new_token()
    created = now_ms()
    db.execute(
        "INSERT INTO team_tokens (user_id, token_sha256, label, created_ms) "
        "VALUES (:u, :h, :l, :c)",
        {"u": user.id, "h": hash_token(token), "l": label[:128], "c": created},
    )
    token_id = int(
        db.scalar("SELECT id FROM team_tokens WHERE token_sha256 = :h", {"h": hash_token(token)})
    )
    audit(db, actor, "token.add", user.name, {"token_id": token_id, "label": label[:128]})
    return token, Token(token_id, user.name, label[:128], created, None, None)


def _fetch_user(db: Database, name: str) -> User:
    rows = db.query(
        f"SELECT {', '.join(_USER_COLUMNS)} FROM team_users WHERE name = :n", {"n": name}
    )
    return _user(rows[0])


def _token(row: tuple[Any, ...]) -> Token:
    return Token(
        id=int(row[0]),
        user=str(row[1]),
        label=str(row[2]),
        created_ms=int(row[3]),
        last_used_ms=None if row[4] is None else int(row[4]),
        revoked_ms=None if row[5] is None else int(row[5]),
    )


def now_ms() -> int:
    return int(time.time() * 1000)
