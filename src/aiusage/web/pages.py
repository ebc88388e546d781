"""The dashboard's HTML pages and static files.

Why the pages carry no data: each page is a small server-rendered shell (layout, nav,
forms, empty states) and its script fills it from the same ``/api/v1`` JSON any other tool
uses, then keeps it current from ``/api/v1/events``. So the API is the only place numbers
are computed, a page renders before any query runs, and the live updates reuse the code
that drew the page. htmx, ECharts, our CSS and JS are vendored: no CDN, works offline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from aiusage.app import package_version

HERE = Path(__file__).parent
STATIC_URL = "/static"


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    template: str
    title: str
    charts: bool = False  # whether it loads ECharts (the heaviest asset)
    scripts: tuple[str, ...] = ()  # more page scripts, after pages/<template>.js


PAGES = (
    Page("/", "overview", "Overview"),
    Page("/history", "history", "History", charts=True),
    Page("/limits", "limits", "Limits", charts=True),
    Page("/budgets", "budgets", "Budgets"),
    Page("/team", "team", "Team", charts=True, scripts=("team_admin",)),
    Page("/accounts", "accounts", "Accounts"),
    Page("/settings", "settings", "Settings"),
    Page("/export", "export", "Export"),
)
NAV = tuple((p.path, p.title) for p in PAGES)


def mount_pages(app: FastAPI) -> None:
    """Add the HTML pages and ``/static`` to the API's app."""
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    stamp = package_version()

    def asset(name: str) -> str:
        # The version in the URL: a new release is never served from a stale cache.
        return f"{STATIC_URL}/{name}?v={stamp}"

    templates.env.globals.update(asset=asset, nav=NAV, version=stamp)
    app.mount(STATIC_URL, StaticFiles(directory=str(HERE / "static")), name="static")
    for page in PAGES:
        app.add_api_route(
            page.path,
            _renderer(templates, page),
            methods=["GET"],
            response_class=HTMLResponse,
            include_in_schema=False,
            name=f"page_{page.template}",
        )


def _renderer(
    templates: Jinja2Templates, page: Page
) -> Callable[[Request], Awaitable[HTMLResponse]]:
    """One route handler per page (FastAPI wants a distinct callable for each)."""

    async def render(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request,
            f"{page.template}.html",
            {
                "page": page.template,
                "title": page.title,
                "path": page.path,
                "charts": page.charts,
                "scripts": page.scripts,
            },
            headers={"Cache-Control": "no-cache"},
        )

    return render
