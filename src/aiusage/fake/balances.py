"""One fake server for the balance-only providers: DeepSeek, Moonshot (Kimi) and z.ai.

Why one server: each provider is a single GET with a Bearer key, so one loopback server
routes by path (provider-apis.md §5) and checks that each path gets its own provider's key:

- ``/user/balance``                 DeepSeek: ``balance_infos[]`` with amounts as strings;
- ``/v1/users/me/balance``          Moonshot: floats under ``data``, ``cash`` may be < 0;
- ``/api/monitor/usage/quota/limit`` z.ai GLM Coding Plan (undocumented; shape unverified).

Refusals use each provider's error shape: DeepSeek and Moonshot answer 401 with
OpenAI-style ``{"error": {...}}`` (DeepSeek's message echoes the key's last 4 characters);
z.ai answers ``{"code", "msg", "success": false}`` (codes unverified). Data is seeded.
"""

from __future__ import annotations

import copy
import random
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiusage.fake.server import FakeServer, Recorded, Reply

DEEPSEEK_PATH = "/user/balance"
MOONSHOT_PATH = "/v1/users/me/balance"
ZAI_PATH = "/api/monitor/usage/quota/limit"
DEEPSEEK_KEY = "sk-5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5"
DEEPSEEK_EMPTY_KEY = "sk-0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e"  # an account with nothing left
MOONSHOT_KEY = "sk-mS7fakeKimiKey0123456789abcdefghijklmnopqrstuv"
MOONSHOT_DEFICIT_KEY = "sk-mS7fakeDeficit0123456789abcdefghijklmnopqrstu"
ZAI_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0.FakeZaiSecretAbc"
ZAI_ORG, ZAI_PROJECT = "org-fake-0001", "proj-fake-0001"
NOW_MS = 1_785_849_600_000  # 2026-08-04T13:20:00Z
HOUR_MS = 3_600_000


def _money(value: float) -> str:
    return f"{value:.2f}"


def deepseek_balance(seed: int = 0) -> dict[str, Any]:
    """Two currencies, amounts as strings; total = granted + topped up."""
    rng = random.Random(seed)
    infos = []
    for currency in ("CNY", "USD"):
        granted = round(rng.uniform(0, 20), 2)
        topped = round(rng.uniform(5, 200), 2)
        infos.append(
            {
                "currency": currency,
                "total_balance": _money(granted + topped),
                "granted_balance": _money(granted),
                "topped_up_balance": _money(topped),
            }
        )
    return {"is_available": True, "balance_infos": infos}


def moonshot_balance(seed: int = 0, *, deficit: bool = False) -> dict[str, Any]:
    """available = voucher + cash, or just voucher when cash has gone negative."""
    rng = random.Random(seed + 10)
    voucher = round(rng.uniform(1, 60), 5)
    cash = round(-rng.uniform(0.5, 5), 5) if deficit else round(rng.uniform(0, 50), 5)
    available = voucher if cash < 0 else round(voucher + cash, 5)
    return {
        "code": 0,
        "data": {"available_balance": available, "voucher_balance": voucher, "cash_balance": cash},
        "scode": "0x0",
        "status": True,
    }


def zai_quota(seed: int = 0, now_ms: int = NOW_MS) -> dict[str, Any]:
    """A Pro plan: a 5-hour and a weekly token window, and the monthly MCP quota."""
    rng = random.Random(seed + 20)
    current = rng.randint(0, 1000)
    search = rng.randint(0, current)
    return {
        "code": 200,
        "msg": "success",
        "success": True,
        "data": {
            "planName": "Pro",
            "limits": [
                {
                    "type": "TOKENS_LIMIT",
                    "unit": 3,
                    "number": 5,
                    "percentage": rng.randint(0, 100),
                    "nextResetTime": now_ms + rng.randint(1, 5 * HOUR_MS),
                },
                {
                    "type": "TOKENS_LIMIT",
                    "unit": 6,
                    "number": 1,
                    "percentage": rng.randint(0, 100),
                    "nextResetTime": now_ms + rng.randint(1, 168 * HOUR_MS),
                },
                {
                    "type": "TIME_LIMIT",
                    "unit": 5,
                    "number": 1,
                    "usage": 1000,
                    "currentValue": current,
                    "remaining": 1000 - current,
                    "percentage": current // 10,
                    "usageDetails": [
                        {"modelCode": "search-prime", "usage": search},
                        {"modelCode": "web-reader", "usage": current - search},
                    ],
                },
            ],
        },
    }


def openai_style_error(status: int, message: str, kind: str) -> Reply:
    body = {"message": message, "type": kind, "param": None, "code": "invalid_request_error"}
    return Reply(status, {"error": body})


def zai_error(status: int, code: int, msg: str) -> Reply:
    return Reply(status, {"code": code, "msg": msg, "success": False})


class FakeBalances(FakeServer):
    """DeepSeek, Moonshot and z.ai on one loopback port; bodies are in attributes."""

    def __init__(self, *, seed: int = 0, now_ms: int = NOW_MS) -> None:
        super().__init__()
        self.deepseek = {DEEPSEEK_KEY: deepseek_balance(seed)}
        self.deepseek[DEEPSEEK_EMPTY_KEY] = {
            "is_available": False,
            "balance_infos": [
                {
                    "currency": "CNY",
                    "total_balance": "0.00",
                    "granted_balance": "0.00",
                    "topped_up_balance": "0.00",
                }
            ],
        }
        self.moonshot = {
            MOONSHOT_KEY: moonshot_balance(seed),
            MOONSHOT_DEFICIT_KEY: moonshot_balance(seed, deficit=True),
        }
        self.zai = {ZAI_KEY: zai_quota(seed, now_ms)}

    def answer(self, request: Recorded) -> Reply:
        url = urlsplit(request.path)
        if request.method != "GET":
            return Reply(405, {"error": {"message": "Method Not Allowed"}})
        bearer = request.bearer()
        if url.path == DEEPSEEK_PATH:
            if bearer is None or bearer not in self.deepseek:
                tail = (bearer or "")[-4:]
                return openai_style_error(
                    401,
                    f"Authentication Fails, Your api key: ****{tail} is invalid",
                    "authentication_error",
                )
            return self.next_scripted() or Reply(200, copy.deepcopy(self.deepseek[bearer]))
        if url.path == MOONSHOT_PATH:
            if bearer is None or bearer not in self.moonshot:
                return openai_style_error(
                    401, "Invalid Authentication", "invalid_authentication_error"
                )
            return self.next_scripted() or Reply(200, copy.deepcopy(self.moonshot[bearer]))
        if url.path == ZAI_PATH:
            if bearer is None:
                return zai_error(401, 1001, "Authentication parameter not received in Header")
            if bearer not in self.zai:
                return zai_error(401, 401, "token expired or incorrect")
            if parse_qs(url.query).get("type") == ["2"] and (
                request.headers.get("bigmodel-organization") != ZAI_ORG
                or request.headers.get("bigmodel-project") != ZAI_PROJECT
            ):
                return zai_error(403, 1220, "You do not have permission to access this team")
            return self.next_scripted() or Reply(200, copy.deepcopy(self.zai[bearer]))
        return Reply(404, {"error": {"message": "Not Found", "type": "not_found"}})
