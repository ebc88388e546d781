"""SigV4: the adapter's signer and the fake's verifier against AWS's published test suite.

The vectors are from AWS's "Signature Version 4 test suite" (aws-sig-v4-test-suite: the
get-vanilla, post-vanilla, get-vanilla-query-order-key-case and post-x-www-form-urlencoded
cases), as several independent SDKs' test fixtures carry them: credentials AKIDEXAMPLE /
wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 2015-08-30 12:36:00 UTC, us-east-1, service
"service". The two implementations share no code, so they cannot agree on one bug.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aiusage.fake.server import Recorded
from aiusage.fake.sigv4_check import Key, verify
from aiusage.sources.providers.sigv4 import Credentials, authorization, signed_headers

CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
AMZ_DATE = "20150830T123600Z"
AT = datetime(2015, 8, 30, 12, 36, tzinfo=UTC).timestamp()
HOST = "example.amazonaws.com"
SCOPE = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
FORM = "application/x-www-form-urlencoded"
VECTORS = [
    (
        "get-vanilla",
        "GET",
        "/",
        {},
        b"",
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ),
    (
        "post-vanilla",
        "POST",
        "/",
        {},
        b"",
        "SignedHeaders=host;x-amz-date, "
        "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    ),
    (
        "get-vanilla-query-order-key-case",
        "GET",
        "/?Param2=value2&Param1=value1",
        {},
        b"",
        "SignedHeaders=host;x-amz-date, "
        "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    ),
    (
        "post-x-www-form-urlencoded",
        "POST",
        "/",
        {"Content-Type": FORM},
        b"Param1=value1",
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
    ),
]


@pytest.mark.parametrize(("name", "method", "target", "extra", "body", "want"), VECTORS)
def test_signer_matches_the_aws_test_suite(
    name: str, method: str, target: str, extra: dict[str, str], body: bytes, want: str
) -> None:
    headers = {"Host": HOST, "X-Amz-Date": AMZ_DATE, **extra}
    got = authorization(
        CREDS,
        method,
        f"https://{HOST}{target}",
        headers,
        body,
        amz_date=AMZ_DATE,
        region="us-east-1",
        service="service",
    )
    assert got == SCOPE + want, name


def _recorded(method: str, target: str, extra: dict[str, str], body: bytes, auth: str) -> Recorded:
    headers = {"host": HOST, "x-amz-date": AMZ_DATE, "authorization": auth}
    headers.update({k.lower(): v for k, v in extra.items()})
    return Recorded(method=method, path=target, headers=headers, body=body)


@pytest.mark.parametrize(("name", "method", "target", "extra", "body", "want"), VECTORS)
def test_fake_verifier_accepts_the_aws_test_suite(
    name: str, method: str, target: str, extra: dict[str, str], body: bytes, want: str
) -> None:
    keys = {"AKIDEXAMPLE": Key(CREDS.secret_access_key)}
    request = _recorded(method, target, extra, body, SCOPE + want)
    assert verify(request, "service", keys, clock=lambda: AT) is None, name


def test_fake_verifier_refuses_tampering() -> None:
    keys = {"AKIDEXAMPLE": Key(CREDS.secret_access_key)}
    _, method, target, extra, body, want = VECTORS[3]
    good = _recorded(method, target, extra, body, SCOPE + want)
    assert verify(good, "service", keys, clock=lambda: AT) is None
    for bad in (
        _recorded(method, target, extra, b"Param1=value2", SCOPE + want),  # the body
        _recorded(method, "/x", extra, body, SCOPE + want),  # the path
        _recorded(method, target, {"Content-Type": "text/plain"}, body, SCOPE + want),
        _recorded(method, target, extra, body, SCOPE + want[:-1] + "0"),  # the signature
    ):
        refused = verify(bad, "service", keys, clock=lambda: AT)
        assert refused is not None and refused[:2] == (403, "InvalidSignatureException")
    late = verify(good, "service", keys, clock=lambda: AT + 16 * 60)
    assert late is not None and "Signature expired" in late[2]
    assert verify(good, "monitoring", keys, clock=lambda: AT) is not None  # wrong service
    unknown = verify(good, "service", {}, clock=lambda: AT)
    assert unknown is not None and unknown[:2] == (400, "UnrecognizedClientException")


def test_signed_headers_for_a_post_carry_the_session_token_signed() -> None:
    temp = Credentials("ASIAEXAMPLE", "s3cr3t", "TOKEN==")
    out = signed_headers(
        temp,
        "https://monitoring.eu-west-1.amazonaws.com/",
        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "T.Op"},
        b"{}",
        amz_date=AMZ_DATE,
        region="eu-west-1",
        service="monitoring",
    )
    assert "Host" not in out and out["X-Amz-Security-Token"] == "TOKEN=="
    assert "/20150830/eu-west-1/monitoring/aws4_request" in out["Authorization"]
    assert (
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target"
        in (out["Authorization"])
    )
    request = Recorded(
        "POST",
        "/",
        {"host": "monitoring.eu-west-1.amazonaws.com", **{k.lower(): v for k, v in out.items()}},
        b"{}",
    )
    keys = {"ASIAEXAMPLE": Key("s3cr3t", "TOKEN==")}
    assert verify(request, "monitoring", keys, clock=lambda: AT) is None
    assert "s3cr3t" not in repr(temp) and "TOKEN" not in repr(temp)
