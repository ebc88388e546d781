"""SigV4 verification for the fake AWS server: recompute the signature as AWS does.

Why a second implementation: the fakes import nothing of aiusage outside ``aiusage.fake``,
so a bug in the adapter's signer cannot hide behind the same bug here. Both are tested
against AWS's published test-suite vectors.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from aiusage.fake.server import Recorded

MAX_SKEW_S = 15 * 60
AUTH = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<day>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"?Signature=(?P<signature>[0-9a-f]{64})"
)
BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service "
    "documentation for details."
)


@dataclass(frozen=True, slots=True)
class Key:
    """What the fake knows of an access key id."""

    secret: str
    session_token: str = ""
    expired: bool = False
    may_read_costs: bool = True


def signature(secret: str, day: str, region: str, service: str, string_to_sign: str) -> str:
    key = ("AWS4" + secret).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def canonical(
    method: str, target: str, headers: Mapping[str, str], signed: list[str], body: bytes
) -> str:
    """AWS's canonical request for a raw request target ('/path?query')."""
    url = urlsplit(target)
    pairs = sorted(
        (quote(k, safe="-_.~"), quote(v, safe="-_.~"))
        for k, v in parse_qsl(url.query, keep_blank_values=True)
    )
    lines = [
        method,
        quote(unquote(url.path or "/"), safe="/-_.~"),
        "&".join(f"{k}={v}" for k, v in pairs),
        "".join(f"{h}:{' '.join(headers.get(h, '').split())}\n" for h in signed),
        ";".join(signed),
        hashlib.sha256(body).hexdigest(),
    ]
    return "\n".join(lines)


def verify(
    request: Recorded,
    service: str,
    keys: Mapping[str, Key],
    clock: Callable[[], float] | None = None,
) -> tuple[int, str, str] | None:
    """None when the request is signed right; else (status, AWS error type, message)."""
    found = AUTH.fullmatch(request.headers.get("authorization", ""))
    if found is None:
        return 403, "IncompleteSignatureException", "Authorization header requires a signature"
    key = keys.get(found["key"])
    if key is None:
        return (
            400,
            "UnrecognizedClientException",
            ("The security token included in the request is invalid."),
        )
    if key.expired:
        return 400, "ExpiredTokenException", "The security token included in the request is expired"
    if key.session_token and request.headers.get("x-amz-security-token") != key.session_token:
        return (
            400,
            "UnrecognizedClientException",
            ("The security token included in the request is invalid."),
        )
    signed = found["signed"].split(";")
    needed = {"host", "x-amz-date"} | ({"x-amz-security-token"} if key.session_token else set())
    if not needed <= set(signed) or signed != sorted(signed):
        return 403, "InvalidSignatureException", BAD_SIGNATURE
    amz_date = request.headers.get("x-amz-date", "")
    try:
        when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return 403, "IncompleteSignatureException", "X-Amz-Date is not an ISO 8601 basic date"
    now = (clock or time.time)()
    if abs(now - when) > MAX_SKEW_S or not amz_date.startswith(found["day"]):
        return 403, "InvalidSignatureException", f"Signature expired: {amz_date} is out of range"
    if found["service"] != service:
        return (
            403,
            "InvalidSignatureException",
            (f"Credential should be scoped to correct service: '{service}'."),
        )
    request_text = canonical(request.method, request.path, request.headers, signed, request.body)
    scope = f"{found['day']}/{found['region']}/{service}/aws4_request"
    digest = hashlib.sha256(request_text.encode()).hexdigest()
    to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{digest}"
    want = signature(key.secret, found["day"], found["region"], service, to_sign)
    if not hmac.compare_digest(want, found["signature"]):
        return 403, "InvalidSignatureException", BAD_SIGNATURE
    return None
