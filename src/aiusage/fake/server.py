"""A small scriptable HTTP server on loopback: the base of every fake provider.

Why stdlib ``http.server`` in a thread: tests and demos then go through real sockets,
headers and timeouts with no extra dependency, and a test can script exactly what the next
requests get (an expired token, a 429, a garbage body, a slow answer) while anything not
scripted gets the provider's normal answer.
"""

from __future__ import annotations

import json
import random
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True, slots=True)
class Reply:
    """One scripted answer. A dict or list body is sent as JSON, str/bytes as they are."""

    status: int = 200
    body: Any = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # wait this long before answering (timeout tests)

    def encode(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, dict | list):
            data = json.dumps(self.body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(self.body, str):
            data = self.body.encode()
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        else:
            data = bytes(self.body)
        return data, headers


@dataclass(frozen=True, slots=True)
class Recorded:
    """A request the server received (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def bearer(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return auth[7:] if auth.lower().startswith("bearer ") else None


class FakeServer:
    """Serves ``answer()`` on 127.0.0.1 with a free port, in a background thread.

    ``with server as base_url:`` starts and stops it. ``script(...)`` queues replies for
    the next accepted requests; ``requests`` lists everything received.
    """

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._chaos = 0.0
        self._rng = random.Random(0)

    def chaos(self, rate: float, seed: int = 0) -> None:
        """Chaos mode: each request fails with probability ``rate`` (seeded), with one of
        the ways real providers fail: 429 + Retry-After 0, 500, a proxy's 502 HTML page,
        truncated JSON, or a reset connection."""
        with self._lock:
            self._chaos = rate
            self._rng = random.Random(seed)

    # -- what subclasses provide -------------------------------------------------------

    def answer(self, request: Recorded) -> Reply:
        """The provider's answer to a request (subclasses route and check headers)."""
        return Reply(404, {"error": "not found"})

    # -- scripting ---------------------------------------------------------------------

    def script(self, *replies: Reply) -> None:
        """Queue replies, used in order by the next requests that pass the header checks."""
        with self._lock:
            self._script.extend(replies)

    def next_scripted(self) -> Reply | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the fake server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- lifecycle ---------------------------------------------------------------------

    def start(self, port: int = 0) -> str:
        """Listen on ``port`` (0: any free one) and serve in a background thread."""
        handler = _make_handler(self)
        httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self._httpd = httpd
        self._stopping.clear()
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        self._stopping.set()  # wakes any slow reply still waiting
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        request = Recorded(
            method=handler.command,
            path=handler.path,
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
        )
        with self._lock:
            self.requests.append(request)
            failing = self._chaos > 0 and self._rng.random() < self._chaos
            pick = self._rng.randrange(len(CHAOS)) if failing else -1
        if pick >= 0 and CHAOS[pick] is None:
            handler.close_connection = True  # drop the connection without an answer
            return
        reply = CHAOS[pick] if pick >= 0 and CHAOS[pick] is not None else self.answer(request)
        assert reply is not None
        if reply.delay_s > 0 and self._stopping.wait(reply.delay_s):
            return
        data, headers = reply.encode()
        try:
            handler.send_response(reply.status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to do


def _make_handler(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            server._serve(self)

        def do_POST(self) -> None:
            server._serve(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


# -- replies every fake can script ----------------------------------------------------


def rate_limited(body: Any, retry_after: str | None = None) -> Reply:
    """429, with ``Retry-After`` (seconds or an HTTP-date) when given."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Reply(429, body, headers)


def garbage() -> Reply:
    """200 with an HTML page, as a captive portal or a bot check answers."""
    return Reply(200, "<html><body>Just a moment...</body></html>", {"Content-Type": "text/html"})


def html_error(status: int = 502) -> Reply:
    """An error page from a proxy or load balancer in front of the API."""
    page = f"<html><head><title>{status} Bad Gateway</title></head><body>nginx</body></html>"
    return Reply(status, page, {"Content-Type": "text/html"})


def truncated_json() -> Reply:
    """200 whose JSON body was cut off mid-way."""
    return Reply(
        200, b'{"object": "page", "data": [{"start_time": 17', {"Content-Type": "application/json"}
    )


#: What chaos mode answers instead (None: the connection is dropped with no answer).
CHAOS: tuple[Reply | None, ...] = (
    Reply(
        429,
        {"error": {"message": "Rate limit reached", "type": "rate_limit"}},
        {"Retry-After": "0"},
    ),
    Reply(500, {"error": {"message": "internal error", "type": "server_error"}}),
    html_error(502),
    truncated_json(),
    None,
)


def slow(delay_s: float, reply: Reply | None = None) -> Reply:
    """A reply held back for ``delay_s`` seconds (longer than the client's timeout)."""
    base = reply or Reply(200, {})
    return Reply(base.status, base.body, base.headers, delay_s)
