"""A test client for the web app that behaves as the dashboard's pages do."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

ORIGIN = "http://127.0.0.1"


class CsrfClient(TestClient):
    """Sends the CSRF cookie's value and this origin on state-changing requests, as the
    dashboard's pages do (a request with its own headers keeps them)."""

    def request(self, method: str, url: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if method.upper() in ("POST", "PUT", "PATCH", "DELETE"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRF-Token", self.cookies.get("aiusage_csrf") or "")
            headers.setdefault("Origin", ORIGIN)
            kwargs["headers"] = headers
        return super().request(method, url, **kwargs)
