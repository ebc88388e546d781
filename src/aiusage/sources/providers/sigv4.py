"""AWS Signature Version 4 for the two JSON calls the Bedrock adapter makes.

Why our own ~60 lines instead of botocore: the adapter needs two POSTs, and botocore is a
large dependency for that. The algorithm is AWS's published one (canonical request →
string to sign → HMAC chain from the secret) and is tested against AWS's SigV4 test-suite
vectors (get-vanilla, post-vanilla, post-x-www-form-urlencoded, query ordering). Paths
are encoded once, as for every service but S3, which this module does not sign for.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"


@dataclass(frozen=True, slots=True)
class Credentials:
    """An access key pair, with the session token of temporary credentials."""

    access_key_id: str
    secret_access_key: str
    session_token: str = ""

    def __repr__(self) -> str:  # never print the secret
        return f"Credentials({self.access_key_id!r}, <secret>)"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_request(
    method: str, url: str, headers: Mapping[str, str], body: bytes
) -> tuple[str, str]:
    """The canonical request and its signed-header list (every header given is signed)."""
    parts = urlsplit(url)
    path = quote(unquote(parts.path or "/"), safe="/-_.~")
    query = sorted((_encode(k), _encode(v)) for k, v in parse_qsl(parts.query, True))
    lowered = {k.strip().lower(): " ".join(v.split()) for k, v in headers.items()}
    names = sorted(lowered)
    signed = ";".join(names)
    return "\n".join(
        [
            method.upper(),
            path,
            "&".join(f"{k}={v}" for k, v in query),
            "".join(f"{n}:{lowered[n]}\n" for n in names),
            signed,
            hashlib.sha256(body).hexdigest(),
        ]
    ), signed


def authorization(
    creds: Credentials,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    amz_date: str,
    region: str,
    service: str,
) -> str:
    """The ``Authorization`` header for a request whose ``headers`` (with Host and
    X-Amz-Date, and X-Amz-Security-Token for temporary credentials) are all signed."""
    request, signed = canonical_request(method, url, headers, body)
    day = amz_date[:8]
    scope = f"{day}/{region}/{service}/aws4_request"
    digest = hashlib.sha256(request.encode()).hexdigest()
    to_sign = f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"
    key = _hmac(("AWS4" + creds.secret_access_key).encode(), day)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"{ALGORITHM} Credential={creds.access_key_id}/{scope}, "
        f"SignedHeaders={signed}, Signature={signature}"
    )


def signed_headers(
    creds: Credentials,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    amz_date: str,
    region: str,
    service: str,
) -> dict[str, str]:
    """``headers`` plus Host, X-Amz-Date, the session token and Authorization, for a POST."""
    host = urlsplit(url).netloc
    if host.endswith(":443") and url.startswith("https:"):
        host = host[: -len(":443")]
    out = {"Host": host, **headers, "X-Amz-Date": amz_date}
    if creds.session_token:
        out["X-Amz-Security-Token"] = creds.session_token
    out["Authorization"] = authorization(
        creds, "POST", url, out, body, amz_date=amz_date, region=region, service=service
    )
    del out["Host"]  # httpx sends the same Host itself
    return out
