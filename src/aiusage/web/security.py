"""Who may talk to the server, and which requests may change something.

- Loopback (the default): no token, but the Host header must name a loopback address,
  so a web page elsewhere cannot reach the server through DNS rebinding.
- Any other address: every request needs the access token, sent as ``Authorization:
  Bearer …`` or as the HttpOnly cookie ``/login?token=…`` sets. ``/healthz`` and
  ``/static`` stay open (no data in them), and so does ``GET /team``: the Team page's
  HTML shell, which carries no figure (its script fetches them), so a team member
  without the owner's cookie can open it and sign in there with their own token (kept
  in the tab's sessionStorage, sent as a Bearer header to ``/api/v1/team/`` only).
- State-changing requests (POST, PUT, PATCH, DELETE) from a browser need the CSRF
  double submit (the ``aiusage_csrf`` cookie echoed in ``X-CSRF-Token``) and an Origin
  (or Referer) of this very server. A request authenticated by a Bearer header is not a
  browser's ambient credential, so it needs neither.
- Team routes (``/api/v1/team/``) also take a team member's own token: a request there
  with a Bearer header passes to the team router, which checks it (member token, or the
  access token meaning the owner) and applies the member's role. Without one, the rules
  above apply and the request is the owner's.

No response, log line or error carries the token: the access log prints paths without
their query string.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

Scope = dict[str, Any]
Message = dict[str, Any]

TOKEN_COOKIE = "aiusage_token"
CSRF_COOKIE = "aiusage_csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OPEN_PATHS = ("/healthz", "/login", "/static/", "/favicon.ico")
OPEN_PAGES = frozenset({"/team"})  # HTML shells without data that members sign in on (GET)
TEAM_PATHS = "/api/v1/team/"  # members' tokens are checked by the team router (api_team.py)
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
access_log = logging.getLogger("aiusage.web.access")
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
]


def token_hash(token: str) -> str:
    """What the store keeps of a token (``App.dashboard.new_access_token`` makes the same)."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str | None, digest: str | None) -> bool:
    if not token or not digest:
        return False
    return hmac.compare_digest(token_hash(token), digest)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or a loopback name (without any port)."""
    name = host.strip().lower().strip("[]")
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(host_header: str) -> str:
    """The Host header without its port ('[::1]:8787' -> '::1')."""
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")] if "]" in host_header else host_header
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class Guard:
    """Pure ASGI middleware (streams such as server-sent events pass through untouched)."""

    def __init__(self, app: Any, *, token_hash: str | None) -> None:
        self.app = app
        self.token_hash = token_hash

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        cookies = _cookies(headers.get("cookie", ""))
        path, method = scope["path"], scope["method"]
        status_box = [0]

        async def reply(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_box[0] = message["status"]
                extra = list(HEADERS)
                if not cookies.get(CSRF_COOKIE):
                    value = f"{CSRF_COOKIE}={secrets.token_urlsafe(32)}; Path=/; SameSite=Strict"
                    extra.append((b"set-cookie", value.encode()))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        refusal = self._refusal(scope, headers, cookies, path, method)
        try:
            if refusal is not None:
                await _json(reply, *refusal)
            elif path == "/login" and self.token_hash is not None:
                await self._login(scope, reply)
            else:
                await self.app(scope, receive, reply)
        finally:
            ms = (time.perf_counter() - started) * 1000
            access_log.info("%s %s %s %.1fms", method, path, status_box[0], ms)

    def _refusal(
        self, scope: Scope, headers: dict[str, str], cookies: dict[str, str], path: str, method: str
    ) -> tuple[int, str, str] | None:
        """(status, detail, hint) when the request may not pass, else None."""
        host = headers.get("host", "")
        bearer = bearer_token(headers.get("authorization", ""))
        team = path.startswith(TEAM_PATHS)
        if self.token_hash is None:
            if not is_loopback(host_name(host)):
                return (
                    421,
                    f"this server answers loopback addresses only, not {host_name(host)!r}",
                    "open http://127.0.0.1:PORT/, or serve with --host and a token",
                )
        elif team and bearer:
            pass  # a member's token (or the owner's): the team router checks it
        elif path in OPEN_PAGES and method in ("GET", "HEAD"):
            pass  # the shell only; its data comes from /api/v1/team/ with a token
        elif not path.startswith(OPEN_PATHS) and path != "/login":
            given = bearer or cookies.get(TOKEN_COOKIE)
            if not token_matches(given, self.token_hash):
                return (
                    401,
                    "an access token is required",
                    "open /login?token=TOKEN once in the browser, or send "
                    "'Authorization: Bearer TOKEN' (the token `aiusage serve` printed)",
                )
        # A Bearer header is no browser's ambient credential: no CSRF check for it (on a
        # team route any Bearer, which the router then checks or refuses with a 401).
        if method in UNSAFE and not (bearer and (team or token_matches(bearer, self.token_hash))):
            return _csrf_refusal(scope, headers, cookies)
        return None

    async def _login(self, scope: Scope, send: Any) -> None:
        """``/login?token=…``: set the token cookie and go to the dashboard."""
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        token = (query.get("token") or [""])[0]
        if not token_matches(token, self.token_hash):
            await _json(
                send, 401, "wrong or missing token", "use the token `aiusage serve` printed"
            )
            return
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        cookie = f"{TOKEN_COOKIE}={quote(token)}; Path=/; HttpOnly; SameSite=Strict{secure}"
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [(b"location", b"/"), (b"set-cookie", cookie.encode())],
            }
        )
        await send({"type": "http.response.body", "body": b""})


def _csrf_refusal(
    scope: Scope, headers: dict[str, str], cookies: dict[str, str]
) -> tuple[int, str, str] | None:
    expected = cookies.get(CSRF_COOKIE, "")
    given = headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        return (
            403,
            "missing or wrong CSRF token",
            f"send the {CSRF_COOKIE} cookie's value in the X-CSRF-Token header",
        )
    here = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"
    origin = headers.get("origin")
    if origin is None:
        referer = headers.get("referer", "")
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}" if referer else None
    if origin != here:
        return (
            403,
            "cross-origin request refused",
            f"state-changing requests must come from {here} (Origin or Referer)",
        )
    return None


def bearer_token(value: str) -> str | None:
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _cookies(header: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed Cookie header is no cookie at all
        return {}
    return {k: m.value for k, m in jar.items()}


async def _json(send: Any, status: int, detail: str, hint: str) -> None:
    import json

    body = json.dumps({"detail": detail, "hint": hint}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
