"""The API docs work without the internet: Swagger UI and ReDoc come from the package."""

from __future__ import annotations

import re
from typing import Any


def test_docs_pages_load_every_asset_from_the_server(api: Any) -> None:
    for page in ("/docs", "/redoc"):
        html = api.get(page)
        assert html.status_code == 200 and "text/html" in html.headers["content-type"]
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html.text)
        assert assets, page
        for url in assets:
            assert url.startswith("/"), f"{page} loads {url} from elsewhere"
            asset = api.get(url)
            assert asset.status_code == 200, url
        assert "/openapi.json" in html.text
    assert api.get("/openapi.json").json()["info"]["title"] == "aiusage"
