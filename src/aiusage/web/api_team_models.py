"""The team API's shapes (/api/v1/team), for the OpenAPI document and schemathesis:
request bodies validated strictly (unknown fields refused), answers as the core makes
them (team_app.py, team_views.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from aiusage.web.api_inputs import Strict
from aiusage.web.api_models import BudgetRow

USER = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$"
Role = Literal["admin", "member", "viewer"]


# -- requests ------------------------------------------------------------------------
class UserIn(Strict):
    name: str = Field(pattern=USER, description="Letters, digits, '.', '_', '@', '+', '-'.")
    role: Role = "member"
    department: str = Field("", max_length=128, description="Cost centre by default.")
    email: str = Field("", max_length=255, description="Where their quota alerts go.")
    label: str = Field("", max_length=128, description="The first token's label.")


class UserChange(Strict):
    """Admins change any field; members only their own hide_projects and leaderboard."""

    role: Role | None = None
    department: str | None = Field(None, max_length=128)
    email: str | None = Field(None, max_length=255)
    hide_projects: bool | None = Field(None, description="Show my project names to nobody.")
    leaderboard: bool | None = Field(None, description="Show me on the leaderboard.")
    disabled: bool | None = Field(None, description="A disabled member's tokens stop.")


class TokenIn(Strict):
    label: str = Field("", max_length=128, description="e.g. the machine it is for.")


class CostCentreRule(Strict):
    pattern: str = Field(min_length=1, max_length=512, description="Project, shell pattern.")
    cost_centre: str = Field(min_length=1, max_length=128)


class CostCentresIn(Strict):
    rules: list[CostCentreRule] = Field(max_length=500, description="First match wins.")


# -- answers -------------------------------------------------------------------------
class PushResult(BaseModel):
    events: int
    observations: int


class RowError(BaseModel):
    """The 422 of a push: which row to drop."""

    detail: str
    hint: str = ""
    row: dict[str, Any] | None = None


class Figures(BaseModel):
    cost_usd: float
    tokens: int
    requests: int


class TeamUser(BaseModel):
    name: str
    role: str
    department: str
    email: str = Field(description="Empty unless an admin or the member asks.")
    hide_projects: bool
    leaderboard: bool
    created: str | None
    disabled: str | None


class UserCreated(TeamUser):
    token: str = Field(description="Shown this once; the server keeps only its SHA-256.")
    token_id: int


class Users(BaseModel):
    users: list[TeamUser]


class TokenRow(BaseModel):
    id: int
    user: str
    label: str
    created: str | None
    last_used: str | None
    revoked: str | None


class TokenCreated(TokenRow):
    token: str = Field(description="Shown this once; the server keeps only its SHA-256.")


class Tokens(BaseModel):
    tokens: list[TokenRow]


class Me(BaseModel):
    name: str = Field(description="Empty for the server's owner.")
    role: str
    owner: bool


class TeamTotals(BaseModel):
    today_usd: float
    week_usd: float
    month_usd: float
    tokens: int
    requests: int
    members_active: int
    members: int


class DepartmentRow(Figures):
    department: str
    members: int


class ProjectRow(Figures):
    project: str = Field(description="'(hidden)' for a member who hides project names.")


class MemberRow(Figures):
    name: str
    department: str
    role: str
    active: bool


class LeaderRow(Figures):
    rank: int
    name: str
    department: str


class Viewer(BaseModel):
    name: str
    role: str


class TeamOverview(BaseModel):
    viewer: Viewer
    period: str
    first_day: str
    last_day: str
    timezone: str
    totals: TeamTotals
    departments: list[DepartmentRow]
    projects: list[ProjectRow]
    members: list[MemberRow] = Field(description="Admins: all; a member: self; a viewer: none.")
    leaderboard: list[LeaderRow] = Field(description="Members who opted in (not for viewers).")
    budgets: list[BudgetRow] = Field(description="Pools; quotas for admins and their member.")


class Leaderboard(BaseModel):
    period: str
    first_day: str
    last_day: str
    rows: list[LeaderRow]


class MemberTotals(BaseModel):
    today_usd: float
    week_usd: float
    month_usd: float


class DayRow(Figures):
    day: str


class SourceRow(Figures):
    source: str
    model: str


class MachineRow(BaseModel):
    machine: str
    last_seen_ms: int
    events: int


class MemberDetail(BaseModel):
    user: TeamUser
    totals: MemberTotals
    days: list[DayRow]
    sources: list[SourceRow]
    projects: list[ProjectRow]
    machines: list[MachineRow]
    budgets: list[BudgetRow]


class AuditEntry(BaseModel):
    id: int
    ts_ms: int
    actor: str
    action: str
    target: str
    detail: dict[str, Any]


class AuditLog(BaseModel):
    entries: list[AuditEntry]


class CostCentres(BaseModel):
    rules: list[CostCentreRule]
