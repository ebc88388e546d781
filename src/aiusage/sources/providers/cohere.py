"""Cohere: ``POST /v1/check-api-key`` is a free call made for exactly this, answering
``{"valid": bool, "organization_id", "owner_id"}``; Cohere exposes no usage or billing API."""

from __future__ import annotations

from typing import Any

from aiusage.errors import SourceAuthError, SourceFormatError
from aiusage.sources.providers.base import BALANCE, COST, RATE_LIMITS, STATUS, USAGE, ProviderInfo
from aiusage.sources.providers.generic import GenericProvider, KeyCheck

KEY_HINT = "https://dashboard.cohere.com/api-keys"

INFO = ProviderInfo(
    name="cohere",
    label="Cohere",
    default_base_url="https://api.cohere.com",  # cohere SDK; paths carry /v1
    reports=frozenset({STATUS}),
    unavailable={
        USAGE: "Cohere has no public usage API (none found); see dashboard.cohere.com/billing",
        COST: "Cohere has no public billing API (none found)",
        BALANCE: "Cohere has no balance endpoint (none found)",
        RATE_LIMITS: "Cohere documents no rate-limit headers on free calls",
    },
    key_hint=KEY_HINT,
)


def check_valid(body: Any) -> dict[str, Any]:
    """Raise unless Cohere says the key is valid; keep the organization it belongs to."""
    if not isinstance(body, dict) or not isinstance(body.get("valid"), bool):
        raise SourceFormatError("Cohere key check answered without a boolean 'valid' field")
    if not body["valid"]:
        raise SourceAuthError(
            "Cohere says the API key is not valid or not active",
            hint=f"create a key at {KEY_HINT} and give it to this account",
        )
    org = body.get("organization_id")
    return {"organization_id": org} if isinstance(org, str) and org else {}


class CohereProvider(GenericProvider):
    """Cohere's dedicated key check."""

    def __init__(self) -> None:
        super().__init__(INFO, KeyCheck("v1/check-api-key", method="POST", describe=check_valid))
