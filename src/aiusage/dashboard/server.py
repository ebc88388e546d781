"""What `aiusage serve` needs from the core: its access token, and a collector thread.

The token: a server bound beyond loopback answers only requests that carry it. It is made
once, shown once, and only its SHA-256 is kept (in the store's meta table), so neither a
copy of the database nor the config file gives it away.

The collector: the daemon's loop (accounts on their intervals, agent logs, alerts) on a
thread of its own with its own connection, so a slow log scan never stalls a page, and
under the same lock as `aiusage daemon`: when another daemon already collects into this
store, the server only shows what that one writes.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiusage.app import App
    from aiusage.daemon import Daemon

TOKEN_META = "web_token_sha256"
log = logging.getLogger("aiusage.web")


def token_hash(token: str) -> str:
    """SHA-256 hex of the token (the web server's guard compares the same)."""
    return hashlib.sha256(token.encode()).hexdigest()


def stored_token_hash(app: App) -> str | None:
    return app.store.meta(TOKEN_META) or None


def new_token(app: App) -> str:
    """Make an access token, keep its hash, and return it (the only time it is seen)."""
    token = secrets.token_urlsafe(32)
    app.store.set_meta(TOKEN_META, token_hash(token))
    return token


class Collector:
    """The daemon on a background thread; ``state`` says what it is doing."""

    def __init__(self, app: App, **settings: Any) -> None:
        self._url = app.store.url
        self._config_path = app.config.path
        self._sources = app._sources
        self._settings = settings
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._daemon: Daemon | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.state = "stopped"  # running | elsewhere | failed | stopped
        self.message = ""
        self.logs_interval_s: float | None = settings.get("logs_interval_s", 60.0)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="aiusage-collector", daemon=True)
        self.state = "starting"
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        with self._lock:
            if self._loop is not None and self._daemon is not None:
                self._loop.call_soon_threadsafe(self._daemon.stop.set)
        if self._thread is not None:
            self._thread.join(timeout)

    def _main(self) -> None:
        from aiusage.app import AppContext, open_app
        from aiusage.daemon import AlreadyRunning, DaemonLock
        from aiusage.errors import AiusageError

        try:
            app = open_app(AppContext(self._url, self._config_path, self._sources))
        except AiusageError as exc:
            self.state, self.message = "failed", str(exc)
            log.warning("collector: %s", exc)
            return
        try:
            with DaemonLock(app.store.url):
                loop = asyncio.new_event_loop()
                daemon = app.daemon(**self._settings)
                with self._lock:
                    if self._stopping.is_set():
                        return
                    self._loop, self._daemon = loop, daemon
                self.state = "running"
                try:
                    loop.run_until_complete(daemon.run())
                finally:
                    loop.close()
            self.state = "stopped"
        except AlreadyRunning as exc:
            self.state, self.message = "elsewhere", str(exc.args[0])
            log.info("%s: showing what it collects", exc.args[0])
        except Exception as exc:  # the server keeps serving what is stored
            self.state, self.message = "failed", str(exc)
            log.warning("collector stopped: %s", exc)
        finally:
            app.close()
