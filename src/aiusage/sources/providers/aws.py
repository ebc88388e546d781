"""One SigV4-signed AWS JSON call through the shared retry loop.

Why apart from the Bedrock adapter: signing needs the exact bytes httpx will send, and
AWS's JSON services report a bad key, a missing IAM permission and throttling as HTTP 400
with a ``message`` (not 401/403/429), which must become the errors every other provider
raises so health states and hints are right.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiusage.errors import (
    SourceAuthError,
    SourceError,
    SourceForbiddenError,
    SourceRateLimitError,
)
from aiusage.sources.providers.base import CollectRequest
from aiusage.sources.providers.http import Answer, send
from aiusage.sources.providers.sigv4 import Credentials, signed_headers
from aiusage.sources.subscriptions.http import Endpoint, parse_json_body, redact

if TYPE_CHECKING:
    import httpx

KEY_FORMAT = "ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]"
#: words in an AWS 400's message -> (error class, hint); {action} is the IAM action
_AWS_400 = (
    (
        "security token included in the request is expired",
        SourceAuthError,
        "the temporary credentials expired: get new ones (`aws configure "
        "export-credentials`) and store them again as " + KEY_FORMAT,
    ),
    (
        "security token included in the request is invalid",
        SourceAuthError,
        "AWS does not know this access key id: check the key (" + KEY_FORMAT + ")",
    ),
    ("signature", SourceAuthError, "the signature did not match: check the secret access key"),
    ("not authorized to perform", SourceForbiddenError, "allow the IAM identity {action}"),
    ("rate exceeded", SourceRateLimitError, "AWS is throttling; the next collection retries"),
    ("limit exceeded", SourceRateLimitError, "AWS is throttling; the next collection retries"),
)


def credentials(request: CollectRequest, key_hint: str) -> Credentials:
    """The account's key, ``ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]``."""
    parts = (request.key or "").strip().split(":", 2)
    if len(parts) < 2 or not all(parts[:2]):
        raise SourceAuthError(
            f"AWS account {request.account!r}: the key is not {KEY_FORMAT}", hint=key_hint
        )
    return Credentials(parts[0], parts[1], parts[2] if len(parts) > 2 else "")


async def call(
    request: CollectRequest,
    creds: Credentials,
    url: str,
    *,
    service: str,
    region: str,
    target: str,
    json_version: str,
    body: Any,
    label: str,
    action: str,
    key_hint: str,
) -> Answer:
    """POST ``body`` to ``url`` as AWS JSON ``target``, signed for ``service`` in ``region``."""
    import httpx

    payload = httpx.Request("POST", url, json=body).content  # the bytes httpx will send
    headers = signed_headers(
        creds,
        url,
        {"Content-Type": f"application/x-amz-json-{json_version}", "X-Amz-Target": target},
        payload,
        amz_date=time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
        region=region,
        service=service,
    )
    secrets = [s for s in (request.key, creds.secret_access_key, creds.session_token) if s]
    endpoint = Endpoint(
        label=f"AWS {label}",
        url=redact(url, secrets),
        login_hint=key_hint,
        forbidden_hint="AWS refused the request: check the secret access key (a wrong one "
        f"fails the signature) and that the IAM identity is allowed {action}",
        other_hint=f"check the key and region, and that the IAM identity is allowed {action}",
    )

    def parse(where: Endpoint, response: httpx.Response) -> Answer:
        return Answer(parse_json_body(where, response), response.headers, 200)

    try:
        return await send(
            request.client,
            "POST",
            url,
            endpoint,
            parse,
            secrets=secrets,
            headers=headers,
            json_body=body,
        )
    except SourceError as exc:
        raise classify(exc, action) from None


def classify(exc: SourceError, action: str) -> SourceError:
    """An AWS 400 (or a 403 over the signature) as the auth, permission or rate-limit error
    its message says it is."""
    first = str(exc).splitlines()[0]
    is_400 = type(exc) is SourceError and " answered 400" in first
    if not is_400 and type(exc) is not SourceForbiddenError:
        return exc
    for words, kind, hint in _AWS_400:
        if words in first.lower():
            return kind(first, hint=hint.format(action=action))
    return exc
