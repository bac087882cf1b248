"""Local stand-ins for Alibaba Cloud SMS, Tencent Cloud SMS and WeChat Work application messages
that check what the real ones check: the request signature (recomputed with the known secret),
required headers and parameters, timestamp freshness, access tokens — and that can be told to
answer flow control, a permanent error, a 5xx or nothing at all (a timeout) for a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from notifier.domain.signing import acs3_sign, parse_authorization, tc3_sign
from shouwang_stack.paths import free_port


@dataclass
class Script:
    """What the next answers should be: a queue of 'ok', 'limit', 'bad_number', '5xx',
    'timeout' (consumed one per request; 'ok' once it is empty)."""

    queue: list[str] = field(default_factory=list)

    def next(self) -> str:
        return self.queue.pop(0) if self.queue else "ok"


@dataclass
class FakeAliyun:
    """Alibaba Cloud SMS (dysmsapi, V3 signature)."""

    access_key_id: str = "ak-test"
    access_key_secret: str = "ak-secret-test"
    script: Script = field(default_factory=Script)
    sent: list[dict[str, str]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    latency: float = 0.0  # seconds before answering (a real provider takes ~50–200 ms)
    arrivals: list[float] = field(default_factory=list)  # time.time() of each accepted send

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.post("/")
        async def rpc(request: Request) -> JSONResponse:
            headers = {k.lower(): v for k, v in request.headers.items()}
            query = dict(request.query_params)
            auth = parse_authorization(headers.get("authorization", ""))
            needed = ("x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce")
            if auth.get("algorithm") != "ACS3-HMAC-SHA256" or any(h not in headers for h in needed):
                return self._refuse("MissingParameter", "signature headers missing", 400)
            signed_names = auth.get("SignedHeaders", "").split(";")
            expected = acs3_sign(
                method=request.method,
                host=headers.get("host", ""),
                path=request.url.path,
                query=query,
                headers={k: headers[k] for k in signed_names if k in headers and k != "host"},
                body=await request.body(),
                access_key_id=self.access_key_id,
                access_key_secret=self.access_key_secret,
            )
            if auth.get("Credential") != self.access_key_id:
                return self._refuse(
                    "InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404
                )
            if auth.get("Signature") != expected.signature:
                return self._refuse("SignatureDoesNotMatch", "signature does not match", 400)
            stamp = datetime.strptime(headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=UTC
            )
            if abs((datetime.now(UTC) - stamp).total_seconds()) > 900:
                return self._refuse("InvalidTimeStamp.Expired", "timestamp expired", 400)
            action = headers["x-acs-action"]
            if action == "SendSms":
                return await self._send(query)
            if action == "QuerySendDetails":
                status = 3 if any(s.get("BizId") == query.get("BizId") for s in self.sent) else 2
                return JSONResponse(
                    {
                        "Code": "OK",
                        "SmsSendDetailDTOs": {"SmsSendDetailDTO": [{"SendStatus": status}]},
                    }
                )
            return self._refuse("InvalidAction.NotFound", action, 404)

        return api

    def _refuse(self, code: str, message: str, status: int) -> JSONResponse:
        self.rejected.append(code)
        return JSONResponse({"Code": code, "Message": message}, status_code=status)

    async def _send(self, query: dict[str, str]) -> JSONResponse:
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not query.get(name):
                return self._refuse("MissingParameter", f"{name} is mandatory", 400)
        try:
            params = json.loads(query.get("TemplateParam", "{}"))
        except ValueError:
            return self._refuse("isv.INVALID_JSON_PARAM", "TemplateParam is not JSON", 200)
        if not params:
            return self._refuse(
                "isv.TEMPLATE_MISSING_PARAMETERS", "template parameters missing", 200
            )
        phone = query["PhoneNumbers"]
        if not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
            return self._refuse("isv.MOBILE_NUMBER_ILLEGAL", "bad mobile number", 200)
        action = self.script.next()
        if self.latency:
            await asyncio.sleep(self.latency)
        if action == "timeout":
            await asyncio.sleep(30)
        if action == "5xx":
            return JSONResponse({"Code": "ServiceUnavailable", "Message": "busy"}, status_code=503)
        if action == "limit":
            return self._refuse("isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控Permits:10", 200)
        if action == "bad_number":
            return self._refuse("isv.MOBILE_NUMBER_ILLEGAL", "bad mobile number", 200)
        biz_id = f"biz-{len(self.sent) + 1}"
        self.sent.append({**query, "BizId": biz_id})
        self.arrivals.append(time.time())
        return JSONResponse({"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": "r"})


@dataclass
class FakeTencent:
    """Tencent Cloud SMS (TC3 signature, JSON body)."""

    secret_id: str = "AKID-test"
    secret_key: str = "tc-secret-test"
    script: Script = field(default_factory=Script)
    sent: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.post("/")
        async def call(request: Request) -> JSONResponse:
            headers = {k.lower(): v for k, v in request.headers.items()}
            body = await request.body()
            auth = parse_authorization(headers.get("authorization", ""))
            if auth.get("algorithm") != "TC3-HMAC-SHA256" or "x-tc-timestamp" not in headers:
                return self._error("AuthFailure.SignatureFailure", "missing signature")
            timestamp = int(headers["x-tc-timestamp"])
            if abs(time.time() - timestamp) > 300:
                return self._error("AuthFailure.SignatureExpire", "signature expired")
            extra = {
                k: headers[k]
                for k in auth.get("SignedHeaders", "").split(";")
                if k not in ("content-type", "host") and k in headers
            }
            expected = tc3_sign(
                host=headers.get("host", ""),
                service="sms",
                body=body,
                timestamp=timestamp,
                secret_id=self.secret_id,
                secret_key=self.secret_key,
                signed=extra,
            )
            if not auth.get("Credential", "").startswith(self.secret_id + "/"):
                return self._error("AuthFailure.SecretIdNotFound", "secret id not found")
            if auth.get("Signature") != expected.signature:
                return self._error("AuthFailure.SignatureFailure", "signature does not match")
            payload = json.loads(body)
            action = headers.get("x-tc-action")
            if action == "PullSmsSendStatus":
                reports = [
                    {"SerialNo": s["SerialNo"], "ReportStatus": "SUCCESS"} for s in self.sent
                ]
                return JSONResponse(
                    {"Response": {"PullSmsSendStatusSet": reports, "RequestId": "r"}}
                )
            if action != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
                return self._error("InvalidAction", f"{action}")
            for name in ("PhoneNumberSet", "SmsSdkAppId", "SignName", "TemplateId"):
                if not payload.get(name):
                    return self._error("MissingParameter", f"{name} is missing")
            number = payload["PhoneNumberSet"][0]
            step = self.script.next()
            if step == "timeout":
                await asyncio.sleep(30)
            if step == "5xx":
                return JSONResponse({"message": "busy"}, status_code=502)
            code, message = "Ok", "send success"
            if step == "limit":
                code, message = "LimitExceeded.PhoneNumberThirtySecondLimit", "30秒内频率限制"
            elif step == "bad_number" or not (number.startswith("+86") and len(number) == 14):
                code, message = "InvalidParameterValue.IncorrectPhoneNumber", "bad number"
            serial = f"serial-{len(self.sent) + 1}"
            if code == "Ok":
                self.sent.append({**payload, "SerialNo": serial})
            else:
                self.rejected.append(code)
            status = {"SerialNo": serial, "PhoneNumber": number, "Code": code, "Message": message}
            return JSONResponse({"Response": {"SendStatusSet": [status], "RequestId": "r"}})

        return api

    def _error(self, code: str, message: str) -> JSONResponse:
        self.rejected.append(code)
        return JSONResponse({"Response": {"Error": {"Code": code, "Message": message}}})


@dataclass
class FakeWeComApp:
    """WeChat Work: gettoken (tokens expire; can be revoked) and message/send."""

    corp_id: str = "ww-test"
    corp_secret: str = "corp-secret-test"
    agent_id: int = 1000002
    users: set[str] = field(default_factory=lambda: {"yang", "duan", "county"})
    script: Script = field(default_factory=Script)
    sent: list[dict[str, Any]] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)
    token_calls: int = 0

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.get("/cgi-bin/gettoken")
        async def gettoken(corpid: str = "", corpsecret: str = "") -> dict[str, Any]:
            self.token_calls += 1
            if (corpid, corpsecret) != (self.corp_id, self.corp_secret):
                return {"errcode": 40001, "errmsg": "invalid credential"}
            token = f"token-{self.token_calls}"
            self.tokens[token] = time.monotonic() + 7200
            return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}

        @api.post("/cgi-bin/message/send")
        async def send(request: Request, access_token: str = "") -> dict[str, Any]:
            if self.tokens.get(access_token, 0) < time.monotonic():
                return {"errcode": 42001, "errmsg": "access_token expired"}
            body = json.loads(await request.body())
            if body.get("agentid") != self.agent_id or body.get("msgtype") != "text":
                return {"errcode": 40056, "errmsg": "invalid agentid"}
            if body.get("touser") not in self.users:
                return {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
            step = self.script.next()
            if step == "limit":
                return {"errcode": 45009, "errmsg": "api freq out of limit"}
            self.sent.append(body)
            return {"errcode": 0, "errmsg": "ok", "msgid": f"msg-{len(self.sent)}"}

        return api


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Serve a fake on 127.0.0.1; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
