"""Google Gemini API: key validity from ``GET /v1beta/models`` with ``x-goog-api-key``.

Gemini sends no rate-limit headers and has no usage or billing endpoint for API keys
(billing is in Google Cloud Billing, §6). A wrong key is answered 400 ``API_KEY_INVALID``
rather than 401, so that is turned into an auth error here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiusage.errors import SourceAuthError, SourceError
from aiusage.sources.providers.base import (
    BALANCE,
    COST,
    RATE_LIMITS,
    STATUS,
    USAGE,
    CollectRequest,
    ProviderInfo,
)
from aiusage.sources.providers.generic import GOOG, GenericProvider, KeyCheck, count_models
from aiusage.sources.providers.http import Answer

INFO = ProviderInfo(
    name="gemini",
    label="Google Gemini API",
    default_base_url="https://generativelanguage.googleapis.com",  # google-genai SDK
    reports=frozenset({STATUS}),
    unavailable={
        USAGE: "the Gemini API has no usage endpoint for API keys; usage and quotas are in "
        "Google Cloud console (APIs & Services > Quotas) / AI Studio",
        COST: "Gemini API billing is in Google Cloud Billing, not the Gemini API",
        BALANCE: "the Gemini API has no balance endpoint",
        RATE_LIMITS: "the Gemini API sends no rate-limit headers; a 429 only carries a "
        "RetryInfo delay in its body",
    },
    key_hint="https://aistudio.google.com/apikey",
)

_INVALID_KEY = ("API_KEY_INVALID", "API key not valid", "API key expired")


def count_gemini_models(body: Any) -> dict[str, Any]:
    found = count_models(body)
    if isinstance(body, dict) and body.get("nextPageToken"):
        found["more_pages"] = True  # the count is of the first page only
    return found


class GeminiProvider(GenericProvider):
    """The free model listing; the key travels in a header, never in the URL."""

    def __init__(self) -> None:
        super().__init__(
            INFO,
            KeyCheck(
                "v1beta/models",
                params={"pageSize": "1000"},
                auth=GOOG,
                describe=count_gemini_models,
            ),
        )

    async def call(
        self,
        request: CollectRequest,
        path: str,
        *,
        method: str = "GET",
        params: Mapping[str, str] | None = None,
        label: str = "",
        client: Any = None,
        hint: str = "",
    ) -> Answer:
        try:
            return await super().call(
                request, path, method=method, params=params, label=label, client=client, hint=hint
            )
        except SourceError as exc:
            if type(exc) is SourceError and any(s in str(exc) for s in _INVALID_KEY):
                raise SourceAuthError(str(exc).split("\n")[0], hint=self.key_hint()) from None
            raise
