"""The API's response shapes, for the OpenAPI document (and schemathesis, which checks
every answer against it). Rows that mirror a CLI ``--json`` view allow extra fields, so
a field the CLI gains later is passed on rather than refused."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Status = Literal["ok", "warning", "critical"]


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Error(BaseModel):
    detail: str
    hint: str = ""


class Healthz(BaseModel):
    status: Literal["ok"]
    version: str


class LimitBar(BaseModel):
    window: str
    label: str
    used_percent: float | None
    resets_at: str | None
    kind: str


class CardBudget(BaseModel):
    name: str
    percent: float | None
    state: str
    spent_usd: float
    limit_usd: float | None


class ScopedBudget(CardBudget):
    scope: str


class Balance(BaseModel):
    value: float
    unit: str


class Card(BaseModel):
    name: str
    kind: Literal["agent", "account"]
    provider: str
    status: Status
    message: str
    hint: str
    today_usd: float
    month_usd: float
    tokens_today: int
    tokens_month: int
    requests_month: int
    unpriced: int
    limits: list[LimitBar]
    budgets: list[CardBudget]
    balance: Balance | None
    sparkline: list[float]
    last_success: str | None


class OverviewTotals(BaseModel):
    today_usd: float
    week_usd: float
    month_usd: float
    tokens_month: int
    requests_month: int
    unpriced_month: int


class Overview(BaseModel):
    status: Status
    generated_at: str
    timezone: str
    totals: OverviewTotals
    budgets: list[ScopedBudget]
    cards: list[Card]


class Series(BaseModel):
    name: str
    values: list[float]


class ModelUsd(BaseModel):
    model: str
    usd: float


class ProviderUsd(BaseModel):
    provider: str
    usd: float
    models: list[ModelUsd]


class CalendarDay(BaseModel):
    day: str
    usd: float


class Efficiency(BaseModel):
    output_per_input: float | None
    cost_per_request: float | None


class Compare(BaseModel):
    previous_usd: float
    current_usd: float
    change_percent: float | None


class HistoryTotals(BaseModel):
    usd: float
    tokens: int
    requests: int
    unpriced: int


class History(BaseModel):
    range: str
    metric: str
    group: str
    bucket: Literal["hour", "day"]
    buckets: list[str]
    series: list[Series]
    by_provider: list[ProviderUsd]
    calendar: list[CalendarDay]
    efficiency: Efficiency
    compare: Compare
    totals: HistoryTotals


class LimitWindow(Open):
    source: str
    window: str
    used_percent: float | None
    resets_at: str | None
    kind: str
    burn_rate: float | None
    exhausts_at: str | None
    origin: str
    observed_at: str | None
    note: str


class Block(Open):
    agent: str
    start: str | None
    end: str | None
    is_active: bool
    is_gap: bool
    cost_usd: float
    total_tokens: int


class Limits(BaseModel):
    windows: list[LimitWindow]
    blocks: list[Block]
    timezone: str


class Measure(BaseModel):
    used: float
    limit: float
    percent: float | None


class BudgetRow(Open):
    name: str
    scope: str
    period: str
    limit_usd: float | None
    limit_tokens: int | None
    limit_requests: int | None
    warn_percent: float
    start: str | None
    end: str | None
    first_day: str
    last_day: str
    spent_usd: float
    spent_tokens: int
    spent_requests: int
    unpriced_requests: int
    left_usd: float | None
    percent: float | None
    measures: dict[str, Measure]
    pace_percent: float
    ahead_of_pace: bool
    projected_usd: float | None
    projected_low: float | None
    projected_high: float | None
    projection_method: str
    exhausts_on: str | None
    state: str


class Budgets(BaseModel):
    budgets: list[BudgetRow]


class AlertRow(Open):
    id: int
    key: str
    rule: str
    severity: str
    title: str
    body: str
    value: float | None
    threshold: float | None
    status: str
    delivery: dict[str, Any]
    fired_at: str | None


class Alerts(BaseModel):
    alerts: list[AlertRow]
    paused_until: str | None


class Forecast(Open):
    period: str
    start: str
    end: str
    today: str
    timezone: str
    forecasts: list[dict[str, Any]]
    windows: list[dict[str, Any]]


class Anomaly(BaseModel):
    source: str
    when: str
    value_usd: float
    baseline_usd: float
    score: float


class Anomalies(BaseModel):
    granularity: Literal["day", "hour"]
    days: int
    sensitivity: float
    min_usd: float
    timezone: str
    sources: list[str]
    anomalies: list[Anomaly]
    notes: list[str]


class ProviderInfo(BaseModel):
    name: str
    label: str
    base_url: str
    reports: list[str]
    unavailable: dict[str, str]
    needs: list[str]
    options: dict[str, str]
    key_required: bool
    key_hint: str
    default_interval_s: int
    min_interval_s: int


class Providers(BaseModel):
    providers: list[ProviderInfo]


class Reading(BaseModel):
    metric: str
    window: str
    value: float
    limit: float | None
    unit: str
    resets_at: str | None
    observed_at: str | None


class AccountRow(BaseModel):
    name: str
    provider: str
    enabled: bool
    status: str
    message: str
    hint: str
    last_success: str | None
    last_attempt: str | None
    observations: list[Reading]
    interval: int | None
    base_url: str | None
    key: str  # where the key comes from ('keyring', 'env:VAR'), never the key
    options: dict[str, str]


class Accounts(BaseModel):
    accounts: list[AccountRow]


class Notifier(BaseModel):
    name: str
    kind: str
    enabled: bool
    target: str
    min_severity: str
    secret: str  # where the secret comes from, never the secret


class DatabaseInfo(BaseModel):
    url: str
    size_bytes: int | None


class RetentionState(BaseModel):
    setting: str | None  # as the config file says it ("400d"), None: keep everything
    days: int | None
    oldest_event: str | None
    pruned_before: str | None  # raw records before this were pruned (totals kept)
    last_prune: str | None


class CollectorState(BaseModel):
    state: str  # running | elsewhere (another daemon collects) | failed | off | starting
    message: str
    logs_interval_s: float | None = None


class Settings(BaseModel):
    timezone: str
    timezone_setting: str | None
    start_of_week: str
    cost_mode: str
    alerts: dict[str, Any]
    notifiers: list[Notifier]
    database: DatabaseInfo
    retention: RetentionState
    config_file: str | None
    env_overrides: list[str]
    collector: CollectorState
