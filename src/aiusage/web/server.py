"""The web app: JSON API under /api/v1, /metrics, /healthz, and the pages.

``create_app`` builds it around an ``AppContext``; nothing touches the database until
the first request (or the start-up warm-up), so building it is cheap and tests can drive
it in-process over ASGI. With ``collect`` the lifespan runs the collector (the daemon's
loop) on a thread of its own; with a token every request must carry it (security.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from aiusage.app import AiusageError, AppContext, package_version
from aiusage.web.api_models import Error, Healthz
from aiusage.web.backend import Backend
from aiusage.web.events import Broker
from aiusage.web.security import Guard, token_hash

log = logging.getLogger("aiusage.web")
NOT_FOUND_HINT = "the OpenAPI document at /docs lists every endpoint"


class FastJSON(JSONResponse):
    """JSON by msgspec: several times quicker than json.dumps on a year of history."""

    def render(self, content: Any) -> bytes:
        return msgspec.json.encode(content)


def error(status: int, detail: str, hint: str = "", **headers: str) -> JSONResponse:
    return FastJSON({"detail": detail, "hint": hint}, status_code=status, headers=headers or None)


def create_app(
    app_ctx: AppContext | None = None,
    *,
    token: str | None = None,
    token_sha256: str | None = None,
    collect: bool = True,
    collector_settings: dict[str, Any] | None = None,
    poll_s: float = 1.0,
) -> FastAPI:
    """The ASGI app. ``token`` (or its stored ``token_sha256``) makes every request need
    it; without one only loopback Host headers are served. ``collect`` runs the
    collector in-process; ``poll_s`` is how often server-sent events look for changes."""
    backend = Backend(app_ctx or AppContext())
    broker = Broker(backend, poll_s)
    collector_box: list[Any] = []

    @contextlib.asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        if collect:
            settings = dict(collector_settings or {})
            collector = await backend.call(lambda a: a.dashboard.collector(**settings))
            collector.start()
            collector_box.append(collector)
        warm = asyncio.create_task(_warm_up(backend))
        try:
            yield
        finally:
            warm.cancel()
            await broker.close()
            for c in collector_box:
                await asyncio.get_running_loop().run_in_executor(None, c.stop)
            backend.close()

    from fastapi_offline import FastAPIOffline

    # The API docs' Swagger UI and ReDoc from files in the package, not a CDN: /docs
    # works offline and sends nothing to a third party.
    api = FastAPIOffline(
        static_url="/static/docs",
        favicon_url="/static/favicon.svg",
        title="aiusage",
        version=package_version(),
        summary="How much you use and spend on AI, how close you are to your limits.",
        lifespan=lifespan,
        default_response_class=FastJSON,
        responses={400: {"model": Error}, 422: {"model": Error}},
    )
    api.state.backend = backend
    api.state.broker = broker
    api.state.collector = collector_box
    _handlers(api)

    @api.get("/healthz", response_model=Healthz, tags=["meta"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers (no data, no token needed)."""
        return {"status": "ok", "version": package_version()}

    from aiusage.web import api_actions, api_read, api_team, events, metrics
    from aiusage.web.pages import mount_pages

    api.include_router(api_read.router)
    api.include_router(api_actions.router)
    api.include_router(api_team.router)
    api.include_router(events.router)
    api.include_router(metrics.router)
    mount_pages(api)
    digest = token_sha256 or (token_hash(token) if token else None)
    api.state.token_hash = digest  # the team router takes it as the owner's (admin)
    api.add_middleware(Guard, token_hash=digest)
    return api


async def _warm_up(backend: Backend) -> None:
    """Fill the dashboard's day sums before the first page asks (a year takes ~1 s), then
    move everything alive to the collector's permanent generation: a full collection
    otherwise walks the day sums and the framework's objects every few dozen requests
    (a 50 ms pause, measured by bench/web_api.py)."""
    try:
        await backend.call(lambda a: a.dashboard.overview())
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the first request will say what is wrong
        log.warning("warm-up: %s", exc)
    gc.collect()
    gc.freeze()


def _allowed(request: Request) -> str:
    """Every method some route serves at this path (Starlette names only the first
    route's, and GET /x and POST /x are two routes)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path):
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def _handlers(api: FastAPI) -> None:
    @api.exception_handler(AiusageError)
    async def aiusage_error(_: Request, exc: AiusageError) -> JSONResponse:
        name = type(exc).__name__
        message = str(exc.args[0]) if exc.args else name
        status = getattr(exc, "status", None)  # a TeamError says its own
        if isinstance(status, int):
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
            row = getattr(exc, "row", None)
            body = {"detail": message, "hint": exc.hint, **({"row": row} if row else {})}
            return FastJSON(body, status_code=status, headers=headers or None)
        if name == "StoreBusyError":
            return error(503, message, exc.hint, **{"Retry-After": "2"})
        if name.startswith("Store"):
            log.warning("database: %s", message)
            return error(503, message, exc.hint)
        return error(400, message, exc.hint)

    @api.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query"))
            problems.append(f"{where or 'request'}: {e.get('msg', 'invalid')}")
        return error(422, "; ".join(problems), "fix the named field(s); /docs shows each one")

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        hint = NOT_FOUND_HINT if exc.status_code == 404 and exc.detail == "Not Found" else ""
        headers = dict(exc.headers or {})  # a 405's Allow, a 401's WWW-Authenticate
        if exc.status_code == 405:
            headers["Allow"] = _allowed(request)
        if isinstance(exc.detail, dict):
            detail, hint = str(exc.detail.get("detail")), str(exc.detail.get("hint", ""))
        else:
            detail = str(exc.detail)
        return error(exc.status_code, detail, hint, **headers)

    @api.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:
        log.error("internal error: %s", type(exc).__name__, exc_info=exc)
        return error(500, "internal error", "the server log has the details")
