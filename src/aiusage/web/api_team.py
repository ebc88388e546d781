"""/api/v1/team/…: a team server's push endpoint, views and member administration.

Who asks: a member's token (``Authorization: Bearer aiu_…``), or the server's owner —
the dashboard's access token (header or cookie) or, on a loopback server without one,
anyone on this machine. The Guard (security.py) lets a Bearer header through to these
routes unchecked; ``viewer`` here checks it. Roles are applied in the core (App.team),
so a refusal is a TeamError carrying its status (401/403/404/409/413/422).
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response

from aiusage.web import api_models as m
from aiusage.web import api_team_models as tm
from aiusage.web.api_inputs import NAME, BudgetIn
from aiusage.web.api_read import backend
from aiusage.web.api_replies import Done
from aiusage.web.security import bearer_token, token_matches

MAX_PUSH_BYTES = 10 * 1024 * 1024  # compressed and decompressed (docs/team.md)
ALERTS_EVERY_S = 60.0
log = logging.getLogger("aiusage.web")
router = APIRouter(
    prefix="/api/v1/team",
    tags=["team"],
    responses={401: {"model": m.Error}, 403: {"model": m.Error}},
)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": m.Error}}
UserName = Annotated[str, Path(pattern=tm.USER, description="A member's name.")]
Period = Annotated[Literal["today", "week", "month"], Query()]
BudgetName = Annotated[str, Path(pattern=NAME, description="a-z, 0-9, '.', '_', '-'")]


async def viewer(request: Request) -> Any:
    """Who asks (team_app.Viewer): the owner when the Guard let the request in without a
    Bearer header (it checked the owner's cookie, or loopback) or with the owner's."""
    token = bearer_token(request.headers.get("authorization", ""))
    if token is None or token_matches(token, request.app.state.token_hash):
        return await backend(request).call(lambda a: a.team.owner())
    return await backend(request).call(lambda a: a.team.authenticate(token))


Who = Annotated[Any, Depends(viewer)]


def _too_big() -> HTTPException:
    return HTTPException(
        413, detail={"detail": "the batch is over 10 MB", "hint": "send half as many rows"}
    )


async def _body(request: Request) -> bytes:
    """The request body, at most 10 MB before and after gzip (a bomb stops at the cap)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_PUSH_BYTES:
        raise _too_big()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_PUSH_BYTES:
            raise _too_big()
        chunks.append(chunk)
    raw = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding != "gzip":
        raise HTTPException(
            415, detail={"detail": f"Content-Encoding {encoding[:20]!r}", "hint": "use gzip"}
        )
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        plain = inflate.decompress(raw, MAX_PUSH_BYTES + 1)
    except zlib.error:
        raise HTTPException(
            400, detail={"detail": "the body is not gzip", "hint": "compress it with gzip"}
        ) from None
    if len(plain) > MAX_PUSH_BYTES or inflate.unconsumed_tail:
        raise _too_big()
    return plain


@router.post(
    "/push",
    response_model=tm.PushResult,
    responses={
        413: {"model": m.Error},
        415: {"model": m.Error},
        422: {"model": tm.RowError, "description": "A malformed row: ``row`` names it."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
            "description": "Push protocol version 1 (docs/team.md); gzip accepted.",
        }
    },
)
async def push(request: Request, who: Who) -> dict[str, int]:
    """A member's new usage events and readings: stored idempotently, all or nothing."""
    who.need_pusher()  # before reading 10 MB from someone who may not push
    raw = await _body(request)
    stored = await backend(request).push(lambda a: a.team.ingest(who, raw))
    _alerts_soon(request)
    return stored


def _alerts_soon(request: Request) -> None:
    """Budget and quota alerts follow the pushes — members' spend arrives here, not
    through this server's collector: a check now, or at the end of the minute after
    the last one (one check a minute however many members push)."""
    state = request.app.state
    if getattr(state, "team_alerts_pending", False):
        return
    state.team_alerts_pending = True
    wait = ALERTS_EVERY_S - (time.monotonic() - getattr(state, "team_alerts_at", -1e9))

    async def check() -> None:
        await asyncio.sleep(max(0.0, wait))
        state.team_alerts_at, state.team_alerts_pending = time.monotonic(), False
        try:
            await backend(request).action(lambda a: a.alerts.check())
        except Exception as exc:  # a broken channel never fails a push
            log.warning("alerts after a push: %s", exc)

    state.team_alerts_task = asyncio.create_task(check())  # kept: tasks are weakly held


@router.get("/me", response_model=tm.Me)
async def me(who: Who) -> dict[str, Any]:
    """Who the server takes this request for."""
    return {"name": who.name, "role": who.role, "owner": who.user is None}


@router.get("/overview", response_model=tm.TeamOverview)
async def overview(request: Request, who: Who, period: Period = "month") -> Any:
    """Team totals (today, week, month), per department and project; per member for
    admins (a member: their own row); the leaderboard of those who opted in."""
    return await backend(request).call(lambda a: a.team.overview(who, period))


@router.get("/members/{name}", response_model=tm.MemberDetail, responses=NOT_FOUND)
async def member(request: Request, who: Who, name: UserName) -> Any:
    """One member's detail: only for themselves and admins."""
    return await backend(request).call(lambda a: a.team.member(who, name))


@router.get("/leaderboard", response_model=tm.Leaderboard)
async def leaderboard(request: Request, who: Who, period: Period = "month") -> Any:
    """Members who opted in, by spend (not for viewers)."""
    return await backend(request).call(lambda a: a.team.leaderboard(who, period))


@router.get(
    "/chargeback.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per group."}},
)
async def chargeback(
    request: Request,
    who: Who,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")] = None,
) -> Response:
    """Spend per month, cost centre, department and project (and member, for admins)."""
    text = await backend(request).call(lambda a: a.team.chargeback_csv(who, month))
    name = f"aiusage-chargeback-{month or 'this-month'}.csv"
    return Response(
        text.encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/audit", response_model=tm.AuditLog)
async def audit(
    request: Request,
    who: Who,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**62, description="Older than this id.")] = None,
) -> dict[str, Any]:
    """Changes to members, tokens, budgets and cost centres, newest first (admins)."""
    return {"entries": await backend(request).call(lambda a: a.team.audit(who, limit, before))}


# -- members and tokens ----------------------------------------------------------------
@router.get("/users", response_model=tm.Users)
async def users(request: Request, who: Who) -> dict[str, Any]:
    return {"users": await backend(request).call(lambda a: a.team.users(who))}


@router.post(
    "/users", response_model=tm.UserCreated, status_code=201, responses={409: {"model": m.Error}}
)
async def add_user(request: Request, who: Who, body: tm.UserIn) -> Any:
    """A new member (admins); the answer holds their token, this once."""
    fields = body.model_dump()
    return await backend(request).call(lambda a: a.team.add_user(who, **fields))


@router.get("/users/{name}", response_model=tm.TeamUser, responses=NOT_FOUND)
async def user(request: Request, who: Who, name: UserName) -> Any:
    return await backend(request).call(lambda a: a.team.user(who, name))


@router.patch("/users/{name}", response_model=tm.TeamUser, responses=NOT_FOUND)
async def change_user(request: Request, who: Who, name: UserName, body: tm.UserChange) -> Any:
    """Role, department, email, disabled (admins); hide_projects, leaderboard (the member
    too)."""
    changes = body.model_dump(exclude_none=True)
    return await backend(request).call(lambda a: a.team.set_user(who, name, changes))


@router.post(
    "/users/{name}/tokens", response_model=tm.TokenCreated, status_code=201, responses=NOT_FOUND
)
async def add_token(request: Request, who: Who, name: UserName, body: tm.TokenIn) -> Any:
    """Another token (a second machine): admins, or the member for themselves."""
    return await backend(request).call(lambda a: a.team.add_token(who, name, body.label))


@router.get("/tokens", response_model=tm.Tokens)
async def tokens(
    request: Request,
    who: Who,
    user: Annotated[str | None, Query(pattern=tm.USER, description="One member's.")] = None,
) -> dict[str, Any]:
    """Tokens (never the tokens themselves): all for admins, a member's own."""
    return {"tokens": await backend(request).call(lambda a: a.team.tokens(who, user))}


@router.delete("/tokens/{token_id}", response_model=tm.TokenRow, responses=NOT_FOUND)
async def revoke_token(
    request: Request, who: Who, token_id: Annotated[int, Path(ge=1, le=2**62)]
) -> Any:
    """Revoke a token at once: admins, or the member it belongs to."""
    return await backend(request).call(lambda a: a.team.revoke_token(who, token_id))


# -- cost allocation and budgets -------------------------------------------------------
@router.get("/cost-centres", response_model=tm.CostCentres)
async def cost_centres(request: Request, who: Who) -> dict[str, Any]:
    """Project -> cost centre rules the chargeback applies (a project matching none goes
    to its member's department)."""
    return {"rules": await backend(request).call(lambda a: a.team.cost_centres())}


@router.put("/cost-centres", response_model=tm.CostCentres)
async def set_cost_centres(request: Request, who: Who, body: tm.CostCentresIn) -> Any:
    rules = [(r.pattern, r.cost_centre) for r in body.rules]
    found = await backend(request).call(lambda a: a.team.set_cost_centres(who, rules))
    return {"rules": found}


@router.put("/budgets/{name}", response_model=m.BudgetRow)
async def set_budget(request: Request, who: Who, name: BudgetName, body: BudgetIn) -> Any:
    """A budget (admins), e.g. scope ``user:alice`` (a quota), ``department:eng`` or
    ``team`` (pools); where it stands now."""
    values = body.model_dump(exclude_none=True)
    for key in ("start", "end"):
        if key in values:
            values[key] = values[key].isoformat()
    return await backend(request).call(lambda a: a.team.set_budget(who, name, values))


@router.delete("/budgets/{name}", response_model=Done, responses=NOT_FOUND)
async def remove_budget(request: Request, who: Who, name: BudgetName) -> dict[str, Any]:
    await backend(request).call(lambda a: a.team.remove_budget(who, name))
    return {"ok": True, "message": f"removed budget {name}"}
