"""POST/PUT/DELETE /api/v1/…: budgets, alerts, accounts, collection, settings, import.

Every one passes the CSRF and origin checks first (security.py). Unknown names are 404;
invalid values 400/422 with a hint. A key sent to add an account goes to the keyring
and is never part of any answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Request

from aiusage.web import api_models as m
from aiusage.web import api_replies as r
from aiusage.web.api_inputs import (
    NAME,
    AccountChange,
    AccountIn,
    BudgetIn,
    PauseIn,
    PruneIn,
    SettingsIn,
)
from aiusage.web.api_read import backend, settings_view

router = APIRouter(prefix="/api/v1", tags=["actions"], responses={403: {"model": m.Error}})

Name = Annotated[str, Path(pattern=NAME, description="a-z, 0-9, '.', '_', '-'")]
MAX_IMPORT_BYTES = 10 * 1024 * 1024
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": m.Error}}


def missing(kind: str, name: str, hint: str) -> HTTPException:
    return HTTPException(404, detail={"detail": f"no {kind} named {name!r}", "hint": hint})


async def _need_account(request: Request, name: str) -> None:
    if not await backend(request).call(lambda a: a.dashboard.has_account(name)):
        raise missing("account", name, "GET /api/v1/accounts lists them")


@router.put("/budgets/{name}", response_model=r.BudgetSaved)
async def set_budget(request: Request, name: Name, body: BudgetIn) -> dict[str, Any]:
    """Add or replace a budget (written to the config file)."""
    values = body.model_dump(exclude_none=True)
    for key in ("start", "end"):
        if key in values:
            values[key] = values[key].isoformat()
    return await backend(request).call(lambda a: a.dashboard.set_budget(name, values))


@router.delete("/budgets/{name}", response_model=r.Done, responses=NOT_FOUND)
async def remove_budget(request: Request, name: Name) -> dict[str, Any]:
    def run(a: Any) -> bool:
        if not a.dashboard.has_budget(name):
            return False
        a.dashboard.remove_budget(name)
        return True

    if not await backend(request).call(run):
        raise missing("budget", name, "GET /api/v1/budgets lists them")
    return {"ok": True, "message": f"removed budget {name}"}


@router.post("/alerts/check", response_model=r.AlertCheck)
async def check_alerts(request: Request) -> dict[str, Any]:
    """Evaluate every rule now and notify what fires (nothing is sent twice)."""
    return await backend(request).action(lambda a: a.dashboard.check_alerts())


@router.post("/alerts/pause", response_model=r.Paused)
async def pause_alerts(request: Request, body: PauseIn | None = None) -> dict[str, Any]:
    """No notifications for a while (alerts are still logged)."""
    duration = body.duration if body is not None else "1h"
    return await backend(request).call(lambda a: a.dashboard.pause_alerts(duration))


@router.post("/alerts/resume", response_model=r.Paused)
async def resume_alerts(request: Request) -> dict[str, Any]:
    await backend(request).call(lambda a: a.dashboard.resume_alerts())
    return {"paused_until": None}


@router.post("/accounts", response_model=r.AccountAdded, status_code=201)
async def add_account(request: Request, body: AccountIn) -> dict[str, Any]:
    """Add a provider account; ``key`` goes to the OS keyring and is never returned."""
    fields = body.model_dump(exclude={"key"})
    key = body.key.get_secret_value() if body.key is not None else None

    def run(a: Any) -> dict[str, Any]:
        result: dict[str, Any] = a.dashboard.add_account(a.dashboard.new_account(**fields, key=key))
        return result

    return await backend(request).call(run)


@router.put("/accounts/{name}", response_model=r.AccountAdded, responses=NOT_FOUND)
async def replace_account(request: Request, name: Name, body: AccountChange) -> dict[str, Any]:
    """Change an account (the edit form): provider, base URL, interval, options, and a
    new ``key`` or ``key_env`` (leave both out to keep the key it has)."""
    await _need_account(request, name)
    fields = body.model_dump(exclude={"key"})
    key = body.key.get_secret_value() if body.key is not None else None

    def run(a: Any) -> dict[str, Any]:
        new = a.dashboard.new_account(**fields, name=name, key=key)
        result: dict[str, Any] = a.dashboard.replace_account(new)
        return result

    return await backend(request).call(run)


@router.post("/accounts/{name}/test", response_model=r.AccountTest, responses=NOT_FOUND)
async def test_account(request: Request, name: Name) -> dict[str, Any]:
    """Check the account's key with the provider's free call."""
    await _need_account(request, name)
    return await backend(request).action(lambda a: a.dashboard.test_account(name))


@router.post("/accounts/{name}/enable", response_model=r.Done, responses=NOT_FOUND)
async def enable_account(request: Request, name: Name) -> dict[str, Any]:
    await _need_account(request, name)
    await backend(request).call(lambda a: a.dashboard.enable_account(name, True))
    return {"ok": True, "message": f"enabled {name}"}


@router.post("/accounts/{name}/disable", response_model=r.Done, responses=NOT_FOUND)
async def disable_account(request: Request, name: Name) -> dict[str, Any]:
    await _need_account(request, name)
    await backend(request).call(lambda a: a.dashboard.enable_account(name, False))
    return {"ok": True, "message": f"disabled {name}"}


@router.delete("/accounts/{name}", response_model=r.Done, responses=NOT_FOUND)
async def remove_account(request: Request, name: Name) -> dict[str, Any]:
    """Remove the account and its key from the keyring (its history stays)."""
    await _need_account(request, name)
    await backend(request).call(lambda a: a.dashboard.remove_account(name))
    return {"ok": True, "message": f"removed {name}; its key is gone from the keyring"}


@router.post("/notifiers/{name}/test", response_model=r.ChannelTest, responses=NOT_FOUND)
async def test_channel(request: Request, name: Name) -> dict[str, Any]:
    """Send a sample alert through one notification channel (its retries included) and
    say whether it arrived; a failure is a 200 with ``ok`` false, its reason and a fix."""
    if not await backend(request).call(lambda a: name in a.notify.configs()):
        raise missing("notification channel", name, "GET /api/v1/settings lists them")

    def run(a: Any) -> dict[str, Any]:
        result = a.notify.test(name)
        message = f"sample alert sent to {name}" if result.ok else (result.error or "failed")
        return {
            "channel": name,
            "ok": result.ok,
            "attempts": result.attempts,
            "message": message,
            "hint": result.hint or "",
        }

    return await backend(request).action(run)


@router.post("/collect", response_model=r.Collected)
async def collect(
    request: Request,
    account: Annotated[list[str] | None, Body(embed=True, max_length=100)] = None,
) -> dict[str, Any]:
    """Collect every enabled account (or the named ones) once, now."""
    for name in account or []:
        await _need_account(request, name)
    return await backend(request).action(lambda a: a.dashboard.collect(account))


@router.put("/settings", response_model=r.SettingsSaved)
async def update_settings(request: Request, body: SettingsIn) -> dict[str, Any]:
    """Change the safe subset: time zone, week start, alert settings, retention."""
    changes = body.model_dump(exclude_unset=True)  # null clears a setting; absent keeps it
    warnings = await backend(request).call(lambda a: a.dashboard.update_settings(changes))
    return {"warnings": warnings, "settings": await settings_view(request)}


@router.post("/prune", response_model=r.Pruned)
async def prune(request: Request, body: PruneIn | None = None) -> dict[str, Any]:
    """Delete raw records older than N days (default: the configured retention). Daily
    totals stay, so history and budgets are unchanged; ``dry_run`` only counts."""
    req = body or PruneIn.model_validate({})

    def run(a: Any) -> dict[str, Any]:
        api = a.retention
        if req.dry_run:
            return dict(api.preview(req.older_than_days).to_dict())
        return dict(api.prune(req.older_than_days, vacuum=req.vacuum).to_dict())

    return await backend(request).call(run)


@router.post(
    "/import",
    response_model=r.Imported,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "date,source,model,cost_usd,input_tokens,output_tokens,"
            "requests,note (header line first; date and source required)",
        }
    },
)
async def import_csv(request: Request) -> dict[str, Any]:
    """Manual entries for services with no API, stored as source ``manual:<source>``."""
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise HTTPException(
            413, detail={"detail": "the file is over 10 MB", "hint": "split it into parts"}
        )
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HTTPException(
            400, detail={"detail": "the CSV is not UTF-8", "hint": "save it as UTF-8"}
        ) from None
    result = await backend(request).call(lambda a: a.dashboard.import_csv(text))
    return {"rows": result.rows, "added": result.added, "sources": list(result.sources)}
