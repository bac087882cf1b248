"""SMS (Alibaba Cloud, Tencent Cloud) and WeChat Work application messages, behind the Channel
interface, each at a configurable base URL (private clouds, tests).

Every answer is classified: sent; retry (timeouts, 5xx, flow control); failed for good (bad
number, template or parameters, credentials) — with the provider's own code kept.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from notifier.adapters.channels import OutgoingMessage, SendResult
from notifier.domain.signing import acs3_sign, canonical_query, tc3_sign

ALIYUN_RETRY = {
    "isv.BUSINESS_LIMIT_CONTROL",  # flow control per number / minute / hour
    "Throttling",
    "Throttling.User",
    "Throttling.Api",
    "ServiceUnavailable",
    "InternalError",
    "isp.SYSTEM_ERROR",
    "isp.RAM_PERMISSION_DENY",
}
TENCENT_RETRY_PREFIXES = ("LimitExceeded", "RequestLimitExceeded", "InternalError")
WECOM_RETRY = {-1, 45009, 45033, 45047}
WECOM_BAD_TOKEN = {40001, 40014, 42001}


def _now_iso(clock: Callable[[], datetime]) -> str:
    return clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _transport_error(exc: Exception) -> SendResult:
    return SendResult("retry", type(exc).__name__, code="transport")


class AliyunSmsChannel:
    """Alibaba Cloud SMS `SendSms` (2017-05-25), V3 signature; success is Code == "OK"."""

    name = "sms_aliyun"

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: dict[str, str],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        nonce: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._host = urlsplit(self._base).netloc
        self._id = access_key_id
        self._secret = access_key_secret
        self._sign_name = sign_name
        self._templates = templates
        self._clock = clock
        self._nonce = nonce

    async def _call(self, action: str, query: dict[str, str]) -> httpx.Response:
        signed = acs3_sign(
            method="POST",
            host=self._host,
            path="/",
            query=query,
            headers={
                "x-acs-action": action,
                "x-acs-version": "2017-05-25",
                "x-acs-date": _now_iso(self._clock),
                "x-acs-signature-nonce": self._nonce(),
            },
            body=b"",
            access_key_id=self._id,
            access_key_secret=self._secret,
        )
        headers = {k: v for k, v in signed.headers.items() if k != "host"}
        return await self._client.post(f"{self._base}/?{canonical_query(query)}", headers=headers)

    async def send(self, recipient: str, message: OutgoingMessage) -> SendResult:
        """Send one templated SMS to one phone number."""
        template = self._templates.get(message.template)
        if not template:
            return SendResult("failed", f"no approved template for {message.template}", "template")
        query = {
            "PhoneNumbers": recipient,
            "SignName": self._sign_name,
            "TemplateCode": template,
            "TemplateParam": json.dumps(message.params, ensure_ascii=False, sort_keys=True),
        }
        try:
            response = await self._call("SendSms", query)
        except httpx.HTTPError as exc:
            return _transport_error(exc)
        return self._classify(response)

    @staticmethod
    def _classify(response: httpx.Response) -> SendResult:
        try:
            answer: dict[str, Any] = response.json()
        except ValueError:
            return SendResult("retry", f"HTTP {response.status_code}", code="not_json")
        code = str(answer.get("Code", f"HTTP{response.status_code}"))
        detail = str(answer.get("Message", ""))
        if code == "OK":
            return SendResult("sent", detail, code, provider_id=str(answer.get("BizId", "")))
        if response.status_code >= 500 or code in ALIYUN_RETRY:
            return SendResult("retry", detail, code)
        return SendResult("failed", detail, code)

    async def delivery_status(self, phone: str, biz_id: str, sent_on: datetime) -> str | None:
        """QuerySendDetails: 'delivered', 'failed', or None while unknown."""
        query = {
            "PhoneNumber": phone,
            "BizId": biz_id,
            "SendDate": sent_on.strftime("%Y%m%d"),
            "PageSize": "10",
            "CurrentPage": "1",
        }
        try:
            answer = (await self._call("QuerySendDetails", query)).json()
        except (httpx.HTTPError, ValueError):
            return None
        details = answer.get("SmsSendDetailDTOs", {}).get("SmsSendDetailDTO", [])
        status = details[0].get("SendStatus") if details else None
        return {3: "delivered", 2: "failed"}.get(int(status)) if status is not None else None


class TencentSmsChannel:
    """Tencent Cloud SMS `SendSms` (2021-01-11), TC3 signature; success per number is
    SendStatusSet[i].Code == "Ok"."""

    name = "sms_tencent"

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        secret_id: str,
        secret_key: str,
        sdk_app_id: str,
        sign_name: str,
        templates: dict[str, str],
        region: str = "ap-guangzhou",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._host = urlsplit(self._base).netloc
        self._secret_id = secret_id
        self._secret_key = secret_key
        self._app = sdk_app_id
        self._sign_name = sign_name
        self._templates = templates
        self._region = region
        self._clock = clock

    async def _call(self, action: str, payload: dict[str, Any]) -> httpx.Response:
        body = json.dumps(payload, ensure_ascii=False).encode()
        signed = tc3_sign(
            host=self._host,
            service="sms",
            body=body,
            timestamp=int(self._clock()),
            secret_id=self._secret_id,
            secret_key=self._secret_key,
            signed={"x-tc-action": action},  # as Tencent's current example signs it
        )
        headers = {k: v for k, v in signed.headers.items() if k != "host"}
        headers |= {
            "x-tc-version": "2021-01-11",
            "x-tc-region": self._region,
        }
        return await self._client.post(f"{self._base}/", content=body, headers=headers)

    async def send(self, recipient: str, message: OutgoingMessage) -> SendResult:
        """Send one templated SMS to one phone number (+86 added)."""
        template = self._templates.get(message.template)
        if not template:
            return SendResult("failed", f"no approved template for {message.template}", "template")
        payload = {
            "PhoneNumberSet": [recipient if recipient.startswith("+") else f"+86{recipient}"],
            "SmsSdkAppId": self._app,
            "SignName": self._sign_name,
            "TemplateId": template,
            "TemplateParamSet": list(message.params.values()),
        }
        try:
            response = await self._call("SendSms", payload)
        except httpx.HTTPError as exc:
            return _transport_error(exc)
        try:
            answer = response.json().get("Response", {})
        except ValueError:
            return SendResult("retry", f"HTTP {response.status_code}", code="not_json")
        if response.status_code >= 500:
            return SendResult("retry", f"HTTP {response.status_code}", code="http")
        error = answer.get("Error")
        if error:
            code = str(error.get("Code", ""))
            retry = code.startswith(TENCENT_RETRY_PREFIXES)
            return SendResult("retry" if retry else "failed", str(error.get("Message", "")), code)
        statuses = answer.get("SendStatusSet") or [{}]
        code = str(statuses[0].get("Code", ""))
        detail = str(statuses[0].get("Message", ""))
        if code == "Ok":
            return SendResult(
                "sent", detail, code, provider_id=str(statuses[0].get("SerialNo", ""))
            )
        retry = code.startswith(TENCENT_RETRY_PREFIXES)
        return SendResult("retry" if retry else "failed", detail, code)

    async def delivery_reports(self, limit: int = 100) -> list[tuple[str, str]]:
        """PullSmsSendStatus: (serial no, 'delivered' | 'failed') for reports not yet pulled."""
        try:
            response = await self._call(
                "PullSmsSendStatus", {"Limit": limit, "SmsSdkAppId": self._app}
            )
            items = response.json().get("Response", {}).get("PullSmsSendStatusSet", [])
        except (httpx.HTTPError, ValueError):
            return []
        return [
            (
                str(i.get("SerialNo", "")),
                "delivered" if i.get("ReportStatus") == "SUCCESS" else "failed",
            )
            for i in items
        ]


class WeComAppChannel:
    """WeChat Work application message to a person: `gettoken` cached for its life (7,200 s),
    refreshed on expiry or when the API calls it invalid; `message/send` with touser, agentid."""

    name = "wecom_app"

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        corp_id: str,
        corp_secret: str,
        agent_id: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._corp_id = corp_id
        self._secret = corp_secret
        self._agent = agent_id
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self.token_fetches = 0

    async def _access_token(self, *, refresh: bool = False) -> str | None:
        if not refresh and self._token and self._clock() < self._expires:
            return self._token
        response = await self._client.get(
            f"{self._base}/cgi-bin/gettoken",
            params={"corpid": self._corp_id, "corpsecret": self._secret},
        )
        self.token_fetches += 1
        answer = response.json()
        if answer.get("errcode", 0) != 0:
            self._token = None
            return None
        self._token = str(answer["access_token"])
        # Refresh a minute early rather than send with a token about to expire.
        self._expires = self._clock() + int(answer.get("expires_in", 7200)) - 60
        return self._token

    async def send(self, recipient: str, message: OutgoingMessage) -> SendResult:
        """Send the text to one WeChat Work user id."""
        body = {
            "touser": recipient,
            "msgtype": "text",
            "agentid": self._agent,
            "text": {"content": message.text},
        }
        try:
            for attempt in range(2):
                token = await self._access_token(refresh=attempt > 0)
                if token is None:
                    return SendResult("failed", "gettoken refused", "gettoken")
                response = await self._client.post(
                    f"{self._base}/cgi-bin/message/send",
                    params={"access_token": token},
                    json=body,
                )
                if response.status_code >= 500:
                    return SendResult("retry", f"HTTP {response.status_code}", "http")
                answer = response.json()
                code = int(answer.get("errcode", -1))
                if code in WECOM_BAD_TOKEN and attempt == 0:
                    continue  # the token was revoked or expired early: fetch a new one once
                detail = f"errcode {code}: {answer.get('errmsg', '')}"
                if code == 0:
                    return SendResult("sent", detail, "0", provider_id=str(answer.get("msgid", "")))
                return SendResult("retry" if code in WECOM_RETRY else "failed", detail, str(code))
        except httpx.HTTPError as exc:
            return _transport_error(exc)
        except ValueError:
            return SendResult("retry", "answer is not JSON", "not_json")
        return SendResult("failed", "token refused twice", "token")
