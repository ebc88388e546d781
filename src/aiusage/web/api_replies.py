"""What the API's actions answer (POST/PUT/DELETE), for the OpenAPI document."""

from __future__ import annotations

from pydantic import BaseModel

from aiusage.web.api_models import Settings


class BudgetSaved(BaseModel):
    name: str
    scope: str
    period: str
    limit_usd: float | None
    limit_tokens: int | None
    limit_requests: int | None
    warn_percent: float
    start: str | None
    end: str | None


class AlertBrief(BaseModel):
    key: str
    severity: str
    title: str


class ActiveAlert(AlertBrief):
    rule: str


class AlertCheck(BaseModel):
    fired: list[AlertBrief]
    active: list[ActiveAlert]


class Paused(BaseModel):
    paused_until: str | None


class AccountAdded(BaseModel):
    name: str
    provider: str
    warnings: list[str]


class AccountTest(BaseModel):
    ok: bool
    message: str
    hint: str


class ChannelTest(BaseModel):
    channel: str
    ok: bool
    attempts: int
    message: str
    hint: str


class Done(BaseModel):
    ok: bool = True
    message: str = ""


class CollectResult(BaseModel):
    account: str
    provider: str
    status: str
    message: str
    hint: str
    events: int
    observations: int
    seconds: float


class Collected(BaseModel):
    results: list[CollectResult]


class SettingsSaved(BaseModel):
    warnings: list[str]
    settings: Settings


class Pruned(BaseModel):
    older_than_days: int
    before_ms: int
    before: str
    dry_run: bool
    usage_events: int
    observations: int
    alert_log: int
    total: int
    size_before_bytes: int | None
    size_after_bytes: int | None
    vacuumed: bool


class Imported(BaseModel):
    rows: int
    added: int
    sources: list[str]
