"""Provider signatures: the documented examples, reproduced exactly, and general cases."""

import hashlib
import hmac

from notifier.domain.signing import (
    Signed,
    acs3_sign,
    canonical_query,
    parse_authorization,
    rfc3986,
    tc3_sign,
)


def test_alibaba_acs3_documented_example() -> None:
    signed = acs3_sign(
        method="POST",
        host="ecs.cn-shanghai.aliyuncs.com",
        path="/",
        query={
            "ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            "RegionId": "cn-shanghai",
        },
        headers={
            "x-acs-action": "RunInstances",
            "x-acs-version": "2014-05-26",
            "x-acs-date": "2023-10-26T10:22:32Z",
            "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
        },
        body=b"",
        access_key_id="YourAccessKeyId",
        access_key_secret="YourAccessKeySecret",
    )
    assert signed.signature == "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    auth = parse_authorization(signed.headers["authorization"])
    assert auth == {
        "algorithm": "ACS3-HMAC-SHA256",
        "Credential": "YourAccessKeyId",
        "SignedHeaders": "host;x-acs-action;x-acs-content-sha256;x-acs-date;"
        "x-acs-signature-nonce;x-acs-version",
        "Signature": signed.signature,
    }


def _cvm_example(signed: dict[str, str] | None = None) -> Signed:
    """Tencent's documented request: DescribeInstances on cvm, its timestamp and keys."""
    body = (
        '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    )
    return tc3_sign(
        host="cvm.tencentcloudapi.com",
        service="cvm",
        body=body.encode(),
        timestamp=1551113065,
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
        secret_key="Gu5t9xGARNpq86cd98joQYCN3*******",
        signed=signed,
    )


def test_tencent_tc3_documented_example() -> None:
    signed = _cvm_example()
    assert signed.signature == "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
    assert signed.headers["authorization"] == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/"
        "tc3_request, SignedHeaders=content-type;host, Signature=" + signed.signature
    )


def test_tencent_tc3_current_documented_example_signing_the_action() -> None:
    """Tencent's example as documented now: x-tc-action signed too, its value lower-cased in
    the canonical request. The document masks the SecretKey, so the last step is checked
    with the derived signing key it publishes (SecretSigning)."""
    signed = _cvm_example({"X-TC-Action": "DescribeInstances"})
    canonical = hashlib.sha256(signed.canonical_request.encode()).hexdigest()
    assert canonical == "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
    assert signed.string_to_sign == (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n" + canonical
    )
    secret_signing = bytes.fromhex(
        "b596b923aad85185e2d1f6659d2a062e0a86731226e021e61bfe06f7ed05f5af"
    )
    published = hmac.new(secret_signing, signed.string_to_sign.encode(), hashlib.sha256)
    assert published.hexdigest() == (
        "10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"
    )
    assert "SignedHeaders=content-type;host;x-tc-action," in signed.headers["authorization"]


def test_rfc3986_encoding_of_query_values() -> None:
    assert rfc3986("a b*c~d") == "a%20b%2Ac~d"
    assert rfc3986("短信") == "%E7%9F%AD%E4%BF%A1"
    assert canonical_query({"b": "2", "a": "x y", "TemplateParam": '{"code":"1"}'}) == (
        "TemplateParam=%7B%22code%22%3A%221%22%7D&a=x%20y&b=2"
    )


def test_acs3_signs_the_body_and_every_acs_header() -> None:
    body = b"PhoneNumbers=13800000000&SignName=%E5%AE%88%E6%9C%9B"
    signed = acs3_sign(
        method="post",
        host="dysmsapi.aliyuncs.com",
        path="/",
        query={"PhoneNumbers": "13800000000", "TemplateParam": '{"case":"A-1 2"}'},
        headers={
            "X-Acs-Action": "SendSms",
            "x-acs-version": "2017-05-25",
            "x-acs-date": "2026-11-24T01:00:00Z",
            "x-acs-signature-nonce": "n-1",
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "shouwang",  # not signed
        },
        body=body,
        access_key_id="id",
        access_key_secret="secret",
    )
    lines = signed.canonical_request.split("\n")
    assert lines[0] == "POST"
    assert lines[2] == "PhoneNumbers=13800000000&TemplateParam=%7B%22case%22%3A%22A-1%202%22%7D"
    assert lines[-1] == hashlib.sha256(body).hexdigest()
    assert "content-type;host;x-acs-action" in lines[-2] and "user-agent" not in lines[-2]
    # The signature is the HMAC of the documented string to sign.
    string_to_sign = (
        "ACS3-HMAC-SHA256\n" + hashlib.sha256(signed.canonical_request.encode()).hexdigest()
    )
    expected = hmac.new(b"secret", string_to_sign.encode(), hashlib.sha256).hexdigest()
    assert signed.signature == expected
    # Any change to what is signed changes the signature.
    other = acs3_sign(
        method="POST",
        host="dysmsapi.aliyuncs.com",
        path="/",
        query={"PhoneNumbers": "13800000001", "TemplateParam": '{"case":"A-1 2"}'},
        headers={k: v for k, v in signed.headers.items() if k.startswith("x-acs-")},
        body=body,
        access_key_id="id",
        access_key_secret="secret",
    )
    assert other.signature != signed.signature


def test_tc3_uses_the_utc_date_of_the_timestamp_and_extra_signed_headers() -> None:
    late = tc3_sign(
        host="sms.tencentcloudapi.com",
        service="sms",
        body=b"{}",
        timestamp=1764028799,  # 2025-11-24T23:59:59Z (already 25th in Beijing)
        secret_id="id",
        secret_key="key",
        signed={"X-TC-Action": "SendSms"},
    )
    assert "/2025-11-24/sms/tc3_request" in late.headers["authorization"]
    assert "SignedHeaders=content-type;host;x-tc-action" in late.headers["authorization"]
    assert "x-tc-action:sendsms\n" in late.canonical_request  # the value lower-cased too
    assert late.headers["x-tc-action"] == "SendSms"  # as sent
