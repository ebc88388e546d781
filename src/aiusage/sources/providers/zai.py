"""z.ai / Zhipu GLM Coding Plan: quota windows from ``GET /api/monitor/usage/quota/limit``.

UNVERIFIED: the endpoint is undocumented; its shape comes from CodexBar's client and test
fixtures (provider-apis.md §5). Why read it anyway: it is the only place the plan's token
windows (≈5 hours and ≈weekly) and the MCP/tool quota are exposed, and it is free.
What is uncertain, and how we cope:

- ``unit`` codes: 3 = hours and 6 = weeks agree everywhere; 1 = days; 5 is minutes in
  CodexBar's current code but was read as "month" elsewhere — so a TIME_LIMIT (the MCP
  quota, monthly) is always named ``mcp``, never from its unit.
- ``percentage`` is sometimes off; when the entry carries ``usage`` (the limit) and
  ``remaining``/``currentValue``, the percentage is computed from those instead.
- there is no balance here: pay-as-you-go balance has no documented endpoint.

Team scope (BigModel): the ``organization`` and ``project`` options add ``type=2`` and the
``Bigmodel-Organization`` / ``Bigmodel-Project`` headers.
"""

from __future__ import annotations

from typing import Any

from aiusage.errors import SourceError, SourceFormatError
from aiusage.records import WINDOW_USED_PERCENT, Observation
from aiusage.sources.providers.balance import BalanceAdapter, mapping, no_usage
from aiusage.sources.providers.base import (
    BALANCE,
    COST,
    RATE_LIMITS,
    STATUS,
    CollectRequest,
    ProviderInfo,
)

QUOTA_PATH = "api/monitor/usage/quota/limit"
_UNIT_HOURS = {1: 24.0, 3: 1.0, 5: 1 / 60, 6: 24.0 * 7}  # unit code -> hours (unverified)
_PLAN_KEYS = ("planName", "plan", "plan_type", "packageName", "level")


def window_name(kind: str, unit: Any, number: Any) -> str:
    """'5h', '7d', '1d', '30m' like the other sources; 'mcp' for the tool quota."""
    if kind == "TIME_LIMIT":
        return "mcp"
    prefix = "credits-" if kind == "CREDIT_LIMIT" else ""
    hours = _UNIT_HOURS.get(unit) if isinstance(unit, int) else None
    if hours is None or not isinstance(number, int) or number <= 0:
        return f"{prefix}unit{unit}x{number}"
    total = hours * number
    if total < 1:
        return f"{prefix}{round(total * 60)}m"
    if total % 24 == 0:
        return f"{prefix}{int(total // 24)}d"
    return f"{prefix}{total:g}h"


def used_percent(entry: dict[str, Any]) -> float | None:
    """Percent used: from limit and remaining/current when given, else the reported one."""
    limit, remaining = _num(entry.get("usage")), _num(entry.get("remaining"))
    current = _num(entry.get("currentValue"))
    if limit is not None and limit > 0 and (remaining is not None or current is not None):
        used = max(limit - remaining if remaining is not None else 0.0, current or 0.0)
        return min(100.0, max(0.0, used / limit * 100))
    reported = _num(entry.get("percentage"))
    return min(100.0, max(0.0, reported)) if reported is not None else None


def _num(value: Any) -> float | None:
    """A JSON number as float; None for null, bools, strings and anything else."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


class ZaiProvider(BalanceAdapter):
    """GLM Coding Plan windows (percent used, reset time); key validity. Unverified."""

    info = ProviderInfo(
        name="zai",
        label="z.ai GLM Coding Plan (unverified)",
        default_base_url="https://api.z.ai",
        reports=frozenset({RATE_LIMITS, STATUS}),
        unavailable=no_usage(
            {
                COST: "no billing API for the coding plan",
                BALANCE: "the quota endpoint reports plan windows; no documented balance API",
            }
        ),
        key_hint="use the GLM Coding Plan API key from https://z.ai/manage-apikey/apikey-list "
        "(China: open.bigmodel.cn, with base URL https://open.bigmodel.cn)",
        options={
            "organization": "BigModel organization id (team plans; needs 'project' too)",
            "project": "BigModel project id (team plans)",
        },
    )
    label = "z.ai quota (undocumented)"

    def path(self, request: CollectRequest) -> str:
        return QUOTA_PATH

    def _team(self, request: CollectRequest) -> tuple[str, str] | None:
        org = request.options.get("organization", "").strip()
        project = request.options.get("project", "").strip()
        return (org, project) if org and project else None

    def params(self, request: CollectRequest) -> dict[str, str] | None:
        return {"type": "2"} if self._team(request) else None

    def extra_headers(self, request: CollectRequest) -> dict[str, str]:
        team = self._team(request)
        if team is None:
            return {}
        return {"Bigmodel-Organization": team[0], "Bigmodel-Project": team[1]}

    def read(self, body: Any, request: CollectRequest) -> list[Observation]:
        where = self.label
        doc = mapping(body, "the answer", where)
        if doc.get("success") is False or doc.get("code") not in (200, None):
            said = str(doc.get("msg") or doc.get("code"))[:120]
            raise SourceError(
                f"{where}: z.ai answered with an error (code {doc.get('code')}: {said})",
                hint=f"check the key and that it belongs to a coding plan; {self.info.key_hint}",
            )
        data = mapping(doc.get("data"), "'data'", where)
        limits = data.get("limits", [])
        if not isinstance(limits, list):
            raise SourceFormatError(f"{where}: 'limits' is not a list")
        plan = next((str(data[k]) for k in _PLAN_KEYS if data.get(k)), "")
        found: list[Observation] = []
        seen: set[str] = set()
        for raw in limits:
            entry = mapping(raw, "a limits entry", where)
            kind = str(entry.get("type", ""))
            value = used_percent(entry)
            if value is None:
                continue  # an entry without any figure: nothing to report
            name = window_name(kind, entry.get("unit"), entry.get("number"))
            while name in seen:
                name += "+"
            seen.add(name)
            reset = _num(entry.get("nextResetTime"))
            meta: dict[str, Any] = {
                k: entry[k]
                for k in ("type", "unit", "number", "usage", "currentValue", "remaining")
                if k in entry
            }
            meta.update(plan=plan, unverified=True)
            found.append(
                Observation.window_used(
                    ts_ms=request.now_ms,
                    account=request.account,
                    window=name,
                    value=value,
                    resets_at_ms=int(reset) if reset is not None and reset > 0 else None,
                    source=self.info.name,
                    meta=meta,
                )
            )
        return found

    def summary(self, observations: list[Observation]) -> str:
        windows = [o for o in observations if o.metric == WINDOW_USED_PERCENT]
        plan = next((str(o.meta.get("plan")) for o in windows if o.meta.get("plan")), "")
        head = f"z.ai plan {plan}" if plan else "z.ai key works"
        if not windows:
            return head + "; no quota windows listed"
        return head + ": " + ", ".join(f"{o.window} {o.value:.0f}% used" for o in windows)
