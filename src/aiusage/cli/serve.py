"""``aiusage serve``: the web dashboard and HTTP API (extra ``web``), with the collector."""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
import time
from typing import Annotated, Any

import typer
from rich.markup import escape

from aiusage.app import App, AppContext, parse_interval
from aiusage.cli import options as o
from aiusage.cli.common import err, out, with_app


def register(app: typer.Typer) -> None:
    app.command(name="serve")(serve)


def serve(
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on. Anything but loopback requires the access token "
            "(made and shown once).",
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (0: any free one).")] = 8787,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the dashboard in the browser.")
    ] = False,
    no_collect: Annotated[
        bool,
        typer.Option(
            "--no-collect", help="Only serve what is stored; collect nothing in this process."
        ),
    ] = False,
    logs_interval: Annotated[
        str, typer.Option("--logs-interval", help="How often to read new agent log lines.")
    ] = "1m",
    new_token: Annotated[
        bool,
        typer.Option("--new-token", help="Make a new access token (the old one stops working)."),
    ] = False,
    verbose: o.Verbose = False,
    database: o.Database = None,
) -> None:
    """The dashboard (overview, history, limits, budgets, accounts, settings, export) and
    its JSON API under /api/v1 (OpenAPI at /docs), /metrics for Prometheus and /healthz.
    Collects in the same process like `aiusage daemon`, unless another daemon already
    collects into this store or --no-collect is given. Ctrl-C stops it."""
    try:
        import uvicorn

        from aiusage.web.security import is_loopback
        from aiusage.web.server import create_app
    except ImportError as exc:
        err.print(f"[red]error:[/] the web dashboard is not installed ({escape(str(exc))})")
        err.print("  [dim]hint:[/] pip install 'aiusage[web]'")
        raise typer.Exit(2) from None
    _logging(verbose)
    every = parse_interval(logs_interval, "--logs-interval")
    loopback = is_loopback(host)
    digest: list[str | None] = [None]

    def prepare(application: App) -> None:
        if loopback:
            return
        found = None if new_token else application.dashboard.access_token_hash()
        if found is None:
            token = application.dashboard.new_access_token()
            found = application.dashboard.access_token_hash()
            out.print("[bold]Access token[/] (shown once; keep it somewhere safe):")
            out.print(token, soft_wrap=True, highlight=False, markup=False)
            out.print(
                f"[dim]Sign in once: http://HOST:{port}/login?token=…; API clients send "
                "'Authorization: Bearer TOKEN'. `aiusage serve --new-token` replaces it.[/]"
            )
        else:
            out.print("[dim]Access token: the one made earlier (--new-token replaces it).[/]")
        digest[0] = found

    with_app(database, prepare)
    sock = _bind(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{bound}/"
    api = create_app(
        AppContext(database_url=database),
        token_sha256=digest[0],
        collect=not no_collect,
        collector_settings={"logs_interval_s": float(every)},
    )
    config = uvicorn.Config(
        api,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=3,
        lifespan="on",
    )
    server = _server(config, api.state.broker.end_streams)
    out.print(f"aiusage dashboard on [bold]{url}[/] (API: {url}docs). Ctrl-C stops it.")
    if not loopback:
        out.print(
            f"[yellow]Listening on {escape(host)}: only requests with the token are served.[/]"
        )
    sys.stdout.flush()
    if open_browser:
        threading.Thread(target=_open_when_up, args=(server, url), daemon=True).start()
    server.run(sockets=[sock])


def _bind(host: str, port: int) -> socket.socket:
    """Bind first, so a busy port is a clear error (and --port 0 names the port it got)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        err.print(f"[red]error:[/] cannot listen on {escape(host)}:{port}: {escape(str(exc))}")
        err.print("  [dim]hint:[/] another program uses it? pick one with --port")
        raise typer.Exit(2) from None
    sock.setblocking(False)
    return sock


def _server(config: Any, end_streams: Any) -> Any:
    """uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown, so the process would
    die of the signal; like `aiusage daemon`, stop cleanly and exit 0 instead. Open
    live-update streams are ended at once rather than after the graceful timeout."""
    import asyncio
    import signal
    from types import FrameType

    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if self.should_exit and sig == signal.SIGINT:
                self.force_exit = True  # a second Ctrl-C: stop waiting for open streams
            else:
                self.should_exit = True
            with contextlib.suppress(RuntimeError):  # no loop yet: nothing to end
                asyncio.get_running_loop().call_soon_threadsafe(end_streams)

    return Server(config)


def _open_when_up(server: Any, url: str) -> None:
    import webbrowser

    for _ in range(300):
        if server.started:
            webbrowser.open(url)
            return
        time.sleep(0.1)


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)-7s %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
    )
    logging.getLogger("aiusage.web.access").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("uvicorn.error").setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per provider request
