"""Every provider test talks to a fake on loopback: no proxy may intercept it, and retries
need not wait (the retry logic is tested with its waits recorded, not slept)."""

from __future__ import annotations

import pytest

from aiusage.sources.providers import http as provider_http

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


@pytest.fixture(autouse=True)
def _direct_and_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.lower(), raising=False)
    monkeypatch.setattr(provider_http, "BACKOFF_S", 0.0)
