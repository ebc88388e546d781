"""One JSON request for provider adapters: retries, ``Retry-After``, errors that say what to do.

Why here and not in each adapter: every provider fails the same ways (401, 403 for a key
without admin rights, 429 with ``Retry-After`` in seconds or as an HTTP-date, 5xx, HTML
error pages from a proxy, timeouts) and every failure must name the request and the fix
without ever carrying the key. Retries are few and short (a collector runs again soon);
a ``Retry-After`` longer than ``MAX_WAIT_S`` is not waited for but reported, so one slow
account never holds up the others.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from aiusage.errors import (
    SourceError,
    SourceFormatError,
    SourceRateLimitError,
    SourceUnavailableError,
)
from aiusage.sources.subscriptions.http import (
    Endpoint,
    current_ms,
    parse_json_body,
    raise_for_status,
    redact,
)

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")
ATTEMPTS = 3
BACKOFF_S = 0.5  # then 1 s, 2 s … plus jitter
MAX_WAIT_S = 20.0  # a longer Retry-After is reported, not waited for


@dataclass(frozen=True, slots=True)
class Answer:
    """A parsed JSON body with the response headers (rate-limit headers live there)."""

    body: Any
    headers: Mapping[str, str]
    status: int


@dataclass(frozen=True, slots=True)
class Trouble:
    """How a request's connection failures are worded. With ``not_running_hint`` a refused
    connection is final (a local server that is not running), not retried."""

    timeout_hint: str = "the service may be slow or unreachable; the next collection retries"
    transport_hint: str = "check the network connection, proxy and base URL"
    not_running_hint: str | None = None
    server: str = ""  # the local server's root URL, named when it is not running


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    endpoint: Endpoint,
    parse: Callable[[Endpoint, httpx.Response], T],
    *,
    secrets: Sequence[str],
    headers: Mapping[str, str] | None = None,
    params: Any = None,
    json_body: Any = None,
    refusals: Mapping[int, str] | None = None,
    trouble: Trouble = Trouble(),
    attempts: int = ATTEMPTS,
    sleep: Any = asyncio.sleep,
) -> T:
    """The one retry loop: send, retry 429/5xx/timeouts/cut-off bodies briefly (honouring
    ``Retry-After`` up to ``MAX_WAIT_S``), and ``parse`` the answer — or raise the last
    ``SourceError``. ``refusals`` maps a status to a final error's hint."""
    import httpx

    last: SourceError | None = None
    for attempt in range(attempts):
        wait: float | None = None
        try:
            response = await client.request(
                method, url, headers=dict(headers or {}), params=params, json=json_body
            )
        except httpx.TimeoutException:
            last = SourceUnavailableError(
                f"{endpoint.where}: no answer within {_timeout(client)}", hint=trouble.timeout_hint
            )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            raise SourceError(
                f"{endpoint.where}: not a valid http(s) URL",
                hint="fix the account's base URL (`aiusage accounts list` shows it)",
            ) from None
        except httpx.ConnectError as exc:
            if trouble.not_running_hint is not None:
                raise SourceUnavailableError(
                    f"{endpoint.label}: the server is not running at {trouble.server} "
                    f"(nothing answered on {method} {endpoint.url})",
                    hint=trouble.not_running_hint,
                ) from None
            last = SourceUnavailableError(
                f"{endpoint.where}: could not connect "
                f"({redact(str(exc), secrets) or type(exc).__name__})",
                hint=trouble.transport_hint,
            )
        except httpx.TransportError as exc:
            last = SourceUnavailableError(
                f"{endpoint.where}: the connection failed ({type(exc).__name__})",
                hint=trouble.transport_hint,
            )
        else:
            hint = (refusals or {}).get(response.status_code)
            if hint is not None:
                raise SourceError(f"{endpoint.where} answered {response.status_code}", hint=hint)
            try:
                raise_for_status(endpoint, response, secrets, current_ms())
                return parse(endpoint, response)
            except SourceRateLimitError as exc:
                last = exc
                wait = exc.retry_after_s
            except (SourceUnavailableError, SourceFormatError) as exc:  # 5xx, a cut-off body
                last = exc
        if attempt + 1 >= attempts or (wait is not None and wait > MAX_WAIT_S):
            break
        backoff = BACKOFF_S * 2**attempt * (1 + random.random() / 2)
        await sleep(wait if wait is not None else backoff)
    assert last is not None
    raise last


async def request_json(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    label: str,
    secrets: Sequence[str],
    headers: Mapping[str, str] | None = None,
    params: Any = None,
    json_body: Any = None,
    login_hint: str = "check the key given for this account (`aiusage accounts test NAME`)",
    forbidden_hint: str = "",
    attempts: int = ATTEMPTS,
    sleep: Any = asyncio.sleep,
) -> Answer:
    """Send one request (retrying 429/5xx/timeouts briefly) and return its JSON, or raise
    a ``SourceError`` subclass whose message names ``label`` and the URL, never a secret."""
    url = str(client.base_url).rstrip("/") + "/" + path.lstrip("/")
    endpoint = Endpoint(
        label=label,
        url=redact(url, secrets),
        login_hint=login_hint,
        forbidden_hint=forbidden_hint,
        other_hint="the request was refused as invalid: check the account's options, "
        "or report it if they are right",
    )

    def parse(where: Endpoint, response: httpx.Response) -> Answer:
        return Answer(parse_json_body(where, response), response.headers, 200)

    return await send(
        client,
        method,
        url,
        endpoint,
        parse,
        secrets=secrets,
        headers=headers,
        params=params,
        json_body=json_body,
        attempts=attempts,
        sleep=sleep,
    )


def _timeout(client: httpx.AsyncClient) -> str:
    seconds = client.timeout.read
    return f"{seconds:g} s" if seconds else "the time limit"


def header_number(headers: Mapping[str, str], name: str) -> float | None:
    """A numeric header, or None when absent or not a number."""
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


def parse_duration_s(text: str) -> float | None:
    """Go-style durations as OpenAI sends them in reset headers: '1s', '6m0s', '1h2m3.5s',
    '250ms'. None when it is not one."""
    total, number, units = 0.0, "", {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    i, found = 0, False
    text = text.strip()
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch == ".":
            number += ch
            i += 1
            continue
        unit = "ms" if text.startswith("ms", i) else ch
        if unit not in units or not number:
            return None
        try:
            total += float(number) * units[unit]
        except ValueError:
            return None
        number, found = "", True
        i += len(unit)
    return total if found and not number else None
