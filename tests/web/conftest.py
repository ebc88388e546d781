"""The in-process API fixture (helpers live in webtools.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from webtools import ACCOUNT_CONFIG, ORIGIN, seed_store, write_config

from csrf_client import CsrfClient as ApiClient


@pytest.fixture
def api(database_url: str, isolated_home: Path) -> Iterator[ApiClient]:
    """The app in-process (lifespan run, no collector) on a seeded store, with a client
    that has its CSRF cookie."""
    from aiusage.app import AppContext
    from aiusage.web.server import create_app

    write_config(isolated_home, ACCOUNT_CONFIG)
    seed_store(database_url)
    app = create_app(AppContext(database_url=database_url), collect=False, poll_s=0.2)
    with ApiClient(app, base_url=ORIGIN) as client:
        client.get("/healthz")
        assert client.cookies.get("aiusage_csrf")
        yield client
