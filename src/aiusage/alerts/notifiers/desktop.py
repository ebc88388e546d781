"""Desktop notifications: ``desktop-notifier`` when installed, else ``notify-send``.

Why two: desktop-notifier speaks to Linux (D-Bus), macOS and Windows natively but is an
optional install; ``notify-send`` (libnotify) is on most Linux desktops already. With
neither, sending fails with what to install, never silently.
"""

from __future__ import annotations

import asyncio
import importlib
import shutil
from collections.abc import Mapping
from typing import Any

from aiusage.alerts.notifiers.base import Notification, NotifierConfig, NotifyError
from aiusage.errors import ConfigError

BACKENDS = ("auto", "desktop-notifier", "notify-send")
URGENCY = {"info": "low", "warning": "normal", "critical": "critical"}
INSTALL_HINT = (
    "install desktop-notifier (`pip install desktop-notifier` in aiusage's environment) or "
    "libnotify's notify-send (Debian/Ubuntu: `apt install libnotify-bin`)"
)
_STDERR_CHARS = 200


def _library() -> Any | None:
    try:
        return importlib.import_module("desktop_notifier")
    except ImportError:
        return None


class DesktopNotifier:
    kind = "desktop"

    def __init__(self, config: NotifierConfig) -> None:
        self.name = config.name
        self.config = config

    @property
    def backend(self) -> str:
        return str(self.config.options.get("backend", "auto"))

    async def send(self, message: Notification) -> None:
        library = _library() if self.backend in ("auto", "desktop-notifier") else None
        if library is not None:
            await self._library_send(library, message)
            return
        if self.backend == "desktop-notifier":
            raise NotifyError(
                f"notifier {self.name}: desktop-notifier is not installed",
                hint="`pip install desktop-notifier` in aiusage's environment, or set "
                'backend = "auto"',
            )
        program = shutil.which("notify-send")
        if program is None:
            raise NotifyError(
                f"notifier {self.name}: no way to show desktop notifications here "
                "(neither desktop-notifier nor notify-send is installed)",
                hint=INSTALL_HINT,
            )
        await self._notify_send(program, message)

    async def _library_send(self, library: Any, message: Notification) -> None:
        try:
            notifier = library.DesktopNotifier(app_name="aiusage")
            urgency = getattr(library.Urgency, URGENCY[message.severity].capitalize())
            await notifier.send(title=message.title, message=message.body, urgency=urgency)
        except Exception as exc:  # D-Bus or platform errors come in many types
            raise NotifyError(
                f"notifier {self.name}: desktop-notifier failed ({type(exc).__name__}: {exc})",
                hint="desktop notifications need a desktop session (on Linux a D-Bus session "
                "bus with a notification daemon); run aiusage inside it",
            ) from None

    async def _notify_send(self, program: str, message: Notification) -> None:
        argv = [
            program,
            "--app-name=aiusage",
            f"--urgency={URGENCY[message.severity]}",
            "--",
            message.title,
            message.body,
        ]
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, stderr = await process.communicate()
        finally:
            if process.returncode is None:  # cancelled by the attempt's timeout
                process.kill()
                await process.wait()
        if process.returncode != 0:
            said = " ".join(stderr.decode(errors="replace").split())[:_STDERR_CHARS]
            raise NotifyError(
                f"notifier {self.name}: notify-send exited with {process.returncode}"
                + (f" ({said})" if said else ""),
                hint="notify-send needs a desktop session (DBUS_SESSION_BUS_ADDRESS and a "
                "notification daemon); a daemon started outside it cannot show notifications",
            )


class DesktopKind:
    kind = "desktop"
    description = "desktop notification (desktop-notifier, else notify-send)"
    fields: Mapping[str, str] = {
        "backend": "auto (default), desktop-notifier or notify-send",
    }
    secret: str | None = None
    secret_env: str | None = None

    def check(self, options: Mapping[str, Any], where: str) -> None:
        backend = options.get("backend", "auto")
        if backend not in BACKENDS:
            raise ConfigError(
                f"{where}: backend must be one of {', '.join(BACKENDS)}, not {backend!r}"
            )

    def build(self, config: NotifierConfig) -> DesktopNotifier:
        return DesktopNotifier(config)

    def target(self, config: NotifierConfig) -> str:
        backend = str(config.options.get("backend", "auto"))
        if backend == "auto":
            found = "desktop-notifier" if _library() else "notify-send"
            found = found if found != "notify-send" or shutil.which(found) else "nothing installed"
            return f"this desktop ({found})"
        return f"this desktop ({backend})"
