"""Delivery channels behind one interface: the log, and the WeChat Work group robot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

import httpx
from shouwang_kit.logs import get_logger

log = get_logger(__name__)

# WeChat Work answers errcode 45009 when a robot sends more than 20 messages a minute.
_RATE_LIMITED = 45009


@dataclass(frozen=True)
class SendResult:
    """sent; retry later (transient); or failed for good (the provider refused it)."""

    status: Literal["sent", "retry", "failed"]
    detail: str = ""
    code: str = ""  # the provider's own code, e.g. OK, isv.MOBILE_NUMBER_ILLEGAL, 45009
    provider_id: str = ""  # BizId / SerialNo / msgid, to match delivery reports


@dataclass(frozen=True)
class OutgoingMessage:
    """What to send: the full text (WeChat Work, logs) and the approved SMS template with its
    parameters (an SMS never carries free text)."""

    text: str
    template: str = ""
    params: dict[str, str] = field(default_factory=dict)


class Channel(Protocol):
    """Sends one text to one recipient."""

    name: str

    async def send(self, recipient: str, message: OutgoingMessage) -> SendResult:
        """Deliver, and say whether to retry."""
        ...


class LogChannel:
    """Development channel: writes the alert to the service log."""

    name = "log"

    async def send(self, recipient: str, message: OutgoingMessage) -> SendResult:
        log.info("alert.logged", recipient=recipient, text=message.text)
        return SendResult("sent")


class WeComRobotChannel:
    """WeChat Work group robot (企业微信群机器人): POST {url}?key=… with a markdown body."""

    name = "wecom_robot"

    def __init__(self, client: httpx.AsyncClient, url: str, key: str) -> None:
        self._client = client
        self._url = url
        self._key = key

    async def send(self, recipient: str, message: OutgoingMessage) -> SendResult:
        body = {"msgtype": "markdown", "markdown": {"content": message.text}}
        try:
            response = await self._client.post(self._url, params={"key": self._key}, json=body)
        except httpx.HTTPError as exc:
            return SendResult("retry", f"{type(exc).__name__}")
        if response.status_code >= 500:
            return SendResult("retry", f"HTTP {response.status_code}")
        if response.status_code != 200:
            return SendResult("failed", f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            return SendResult("retry", "answer is not JSON")
        code = answer.get("errcode")
        if code == 0:
            return SendResult("sent", code="0")
        detail = f"errcode {code}: {answer.get('errmsg', '')}"
        retry = code == _RATE_LIMITED or code == -1
        return SendResult("retry" if retry else "failed", detail, str(code))
