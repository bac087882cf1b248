"""The provider channels against local fakes that check signatures, parameters and tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from notifier.adapters.channels import OutgoingMessage
from notifier.adapters.providers import AliyunSmsChannel, TencentSmsChannel, WeComAppChannel

from tests.fakes.sms_providers import FakeAliyun, FakeTencent, FakeWeComApp, serve

MESSAGE = OutgoingMessage(
    "【守望】新预警案件 A-1，诺邓村 李*户，请于11月24日24:00前受理",
    template="case_opened",
    params={"case": "A-1", "village": "诺邓村", "due": "11月24日24:00"},
)


async def test_aliyun_signed_send_is_accepted_and_errors_are_classified() -> None:
    fake = FakeAliyun()
    async with serve(fake.app()) as url, httpx.AsyncClient(timeout=2) as client:
        channel = AliyunSmsChannel(
            client,
            base_url=url,
            access_key_id=fake.access_key_id,
            access_key_secret=fake.access_key_secret,
            sign_name="守望",
            templates={"case_opened": "SMS_100001"},
        )
        sent = await channel.send("13900000001", MESSAGE)
        assert (sent.status, sent.code) == ("sent", "OK") and sent.provider_id == "biz-1"
        assert fake.sent[0]["TemplateCode"] == "SMS_100001"
        assert '"village": "诺邓村"' in fake.sent[0]["TemplateParam"]
        fake.script.queue = ["limit", "5xx", "bad_number"]
        assert (await channel.send("13900000001", MESSAGE)).status == "retry"
        assert (await channel.send("13900000001", MESSAGE)).status == "retry"
        permanent = await channel.send("13900000001", MESSAGE)
        assert (permanent.status, permanent.code) == ("failed", "isv.MOBILE_NUMBER_ILLEGAL")
        no_template = await channel.send("13900000001", OutgoingMessage("x", template="nope"))
        assert no_template.status == "failed"
        assert (
            await channel.delivery_status("13900000001", "biz-1", sent_on=datetime.now(UTC))
            == "delivered"
        )

        forged = AliyunSmsChannel(
            client,
            base_url=url,
            access_key_id=fake.access_key_id,
            access_key_secret="wrong-secret",
            sign_name="守望",
            templates={"case_opened": "SMS_100001"},
        )
        refused = await forged.send("13900000001", MESSAGE)
        assert (refused.status, refused.code) == ("failed", "SignatureDoesNotMatch")


async def test_tencent_signed_send_and_per_number_status() -> None:
    fake = FakeTencent()
    async with serve(fake.app()) as url, httpx.AsyncClient(timeout=2) as client:
        channel = TencentSmsChannel(
            client,
            base_url=url,
            secret_id=fake.secret_id,
            secret_key=fake.secret_key,
            sdk_app_id="1400000001",
            sign_name="守望",
            templates={"case_opened": "100001"},
        )
        sent = await channel.send("13900000002", MESSAGE)
        assert (sent.status, sent.code) == ("sent", "Ok")
        assert fake.sent[0]["PhoneNumberSet"] == ["+8613900000002"]
        assert fake.sent[0]["TemplateParamSet"] == ["A-1", "诺邓村", "11月24日24:00"]
        fake.script.queue = ["limit", "5xx"]
        assert (await channel.send("13900000002", MESSAGE)).status == "retry"
        assert (await channel.send("13900000002", MESSAGE)).status == "retry"
        bad = await channel.send("139", MESSAGE)
        assert (bad.status, bad.code) == ("failed", "InvalidParameterValue.IncorrectPhoneNumber")
        assert await channel.delivery_reports() == [("serial-1", "delivered")]

        forged = TencentSmsChannel(
            client,
            base_url=url,
            secret_id=fake.secret_id,
            secret_key="wrong",
            sdk_app_id="1400000001",
            sign_name="守望",
            templates={"case_opened": "100001"},
        )
        refused = await forged.send("13900000002", MESSAGE)
        assert (refused.status, refused.code) == ("failed", "AuthFailure.SignatureFailure")


async def test_wecom_token_is_cached_refreshed_on_expiry_and_on_revocation() -> None:
    fake = FakeWeComApp()
    now = [0.0]
    async with serve(fake.app()) as url, httpx.AsyncClient(timeout=2) as client:
        channel = WeComAppChannel(
            client,
            base_url=url,
            corp_id=fake.corp_id,
            corp_secret=fake.corp_secret,
            agent_id=fake.agent_id,
            clock=lambda: now[0],
        )
        for _ in range(3):
            assert (await channel.send("yang", MESSAGE)).status == "sent"
        assert fake.token_calls == 1  # cached
        now[0] = 7200.0  # its life is over: fetched again before sending
        assert (await channel.send("yang", MESSAGE)).status == "sent"
        assert fake.token_calls == 2
        fake.revoke_tokens()  # the server no longer accepts it: refreshed once, then sent
        assert (await channel.send("duan", MESSAGE)).status == "sent"
        assert fake.token_calls == 3
        unknown = await channel.send("nobody", MESSAGE)
        assert (unknown.status, unknown.code) == ("failed", "81013")
        fake.script.queue = ["limit"]
        assert (await channel.send("yang", MESSAGE)).status == "retry"
        assert [m["touser"] for m in fake.sent] == ["yang"] * 4 + ["duan"]
