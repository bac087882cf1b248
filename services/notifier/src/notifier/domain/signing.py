"""Request signatures of the SMS providers (pure: time and nonce are passed in).

- Alibaba Cloud V3, ACS3-HMAC-SHA256: canonical request (method, path, sorted RFC 3986 query,
  `host`, `content-type` and every `x-acs-*` header, lower-cased and sorted, the signed header
  list, hex SHA-256 of the body) → "ACS3-HMAC-SHA256\\n" + hex SHA-256 → HMAC-SHA256 with the
  AccessKey secret.
- Tencent Cloud API 3.0, TC3-HMAC-SHA256: canonical request over the signed headers (names and
  values lower-cased) → string to
  sign with the timestamp and the credential scope `<UTC date>/<service>/tc3_request` → HMAC
  with the key derived from "TC3" + SecretKey, the date, the service and "tc3_request".

Both sides use the same functions: the clients to sign, the test fakes to check.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

ACS3 = "ACS3-HMAC-SHA256"
TC3 = "TC3-HMAC-SHA256"


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def rfc3986(text: str) -> str:
    """Percent-encoding as both providers want it: only A-Z a-z 0-9 - _ . ~ stay as they are."""
    return urllib.parse.quote(text, safe="-_.~")


def canonical_query(query: Mapping[str, str]) -> str:
    """Parameters sorted by name, names and values percent-encoded, joined with '&'."""
    return "&".join(f"{rfc3986(k)}={rfc3986(v)}" for k, v in sorted(query.items()))


@dataclass(frozen=True)
class Signed:
    """What a signer adds to a request: headers (Authorization among them)."""

    headers: dict[str, str]
    signature: str
    canonical_request: str
    string_to_sign: str


def acs3_sign(
    *,
    method: str,
    host: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
    access_key_id: str,
    access_key_secret: str,
) -> Signed:
    """Sign an Alibaba Cloud request (V3). `headers` must hold x-acs-action, x-acs-version,
    x-acs-date and x-acs-signature-nonce; host and x-acs-content-sha256 are added."""
    payload_hash = _sha256_hex(body)
    lowered = {k.lower(): v.strip() for k, v in headers.items()}
    lowered["host"] = host
    lowered["x-acs-content-sha256"] = payload_hash
    names = sorted(k for k in lowered if k.startswith("x-acs-") or k in ("host", "content-type"))
    signed_headers = ";".join(names)
    canonical = "\n".join(
        [
            method.upper(),
            path or "/",
            canonical_query(query),
            "".join(f"{k}:{lowered[k]}\n" for k in names),
            signed_headers,
            payload_hash,
        ]
    )
    string_to_sign = f"{ACS3}\n{_sha256_hex(canonical.encode())}"
    signature = hmac.new(
        access_key_secret.encode(), string_to_sign.encode(), hashlib.sha256
    ).hexdigest()
    out = dict(lowered)
    out["authorization"] = (
        f"{ACS3} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"
    )
    return Signed(out, signature, canonical, string_to_sign)


def tc3_sign(
    *,
    host: str,
    service: str,
    body: bytes,
    timestamp: int,
    secret_id: str,
    secret_key: str,
    signed: Mapping[str, str] | None = None,
    method: str = "POST",
    query: str = "",
) -> Signed:
    """Sign a Tencent Cloud API 3.0 request. By default the signed headers are content-type
    (application/json; charset=utf-8) and host, as in Tencent's documented example."""
    to_sign = {"content-type": "application/json; charset=utf-8", "host": host}
    if signed:
        to_sign.update({k.lower(): v.strip() for k, v in signed.items()})
    names = sorted(to_sign)
    signed_headers = ";".join(names)
    # Names and values lower-cased in the canonical headers (头部 key 和 value 统一转成小写):
    # `x-tc-action:sendsms`, while the header sent stays `X-TC-Action: SendSms`.
    canonical = "\n".join(
        [
            method.upper(),
            "/",
            query,
            "".join(f"{k}:{to_sign[k].lower()}\n" for k in names),
            signed_headers,
            _sha256_hex(body),
        ]
    )
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{day}/{service}/tc3_request"
    string_to_sign = "\n".join([TC3, str(timestamp), scope, _sha256_hex(canonical.encode())])
    key = _hmac(f"TC3{secret_key}".encode(), day)
    key = _hmac(key, service)
    key = _hmac(key, "tc3_request")
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    headers = dict(to_sign)
    headers["authorization"] = (
        f"{TC3} Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, "
        f"Signature={signature}"
    )
    headers["x-tc-timestamp"] = str(timestamp)
    return Signed(headers, signature, canonical, string_to_sign)


def parse_authorization(value: str) -> dict[str, str]:
    """The fields of an ACS3 / TC3 Authorization header (algorithm, Credential, SignedHeaders,
    Signature)."""
    algorithm, _, rest = value.strip().partition(" ")
    fields = {"algorithm": algorithm}
    for part in rest.split(","):
        name, _, text = part.strip().partition("=")
        if name:
            fields[name] = text
    return fields
