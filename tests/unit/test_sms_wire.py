"""46elks's wire format on its own: send form, answers, callbacks, secrets, status order."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from server.errors import ConfigurationError, Unauthenticated
from server.notify import sms
from server.notify.sms import DeliveryStatus, SmsCallbackInvalid
from server.settings import load_settings

SECRET = "s" * 40


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_the_send_form_has_the_documented_fields() -> None:
    assert sms.send_form("+46766861004", "+46701234567", "Hej", "https://x/d") == {
        "from": "+46766861004",
        "to": "+46701234567",
        "message": "Hej",
        "whendelivered": "https://x/d",
    }
    assert "whendelivered" not in sms.send_form("Lockwork", "+46701234567", "Hej", "")


def test_the_answer_to_a_send_gives_the_id() -> None:
    answer = {"status": "created", "id": "s70df59406a1b4643b96f3f91e0bfb7b0", "parts": 1}
    assert sms.provider_id_of(answer) == ("s70df59406a1b4643b96f3f91e0bfb7b0", "created")
    assert sms.provider_id_of({"status": "created"}) == (None, "created")
    assert sms.provider_id_of("not json") == (None, "")
    assert sms.provider_id_of({"id": "x" * 101, "status": "weird"}) == (None, "")


def test_callback_urls_carry_the_secret_as_basic_credentials() -> None:
    assert (
        sms.callback_url("https://lockwork.kommun.se/", sms.INBOUND_PATH, SECRET)
        == f"https://46elks:{SECRET}@lockwork.kommun.se/api/sms/46elks/inbound"
    )
    # A public URL with a path prefix keeps it.
    assert sms.callback_url("https://k.se/lw", sms.DELIVERY_PATH, SECRET).endswith(
        "@k.se/lw/api/sms/46elks/delivery"
    )


@pytest.mark.parametrize(
    ("authorization", "query", "ok"),
    [
        (basic("46elks", SECRET), "", True),
        (basic("anyone", SECRET), "", True),  # the user name is no secret
        ("", SECRET, True),
        (basic("46elks", SECRET[:-1]), "", False),
        (basic("46elks", ""), "", False),
        (basic("46elks", SECRET + "x"), "", False),
        ("Basic not-base64!!", "", False),
        ("Bearer " + SECRET, "", False),
        ("", "", False),
        ("", "wrong", False),
    ],
)
def test_only_the_secret_opens_a_callback(authorization: str, query: str, ok: bool) -> None:
    assert sms.callback_authorised(SECRET, authorization, query) is ok
    if not ok:
        with pytest.raises(Unauthenticated):
            sms.require_authorised(SECRET, authorization, query)


def test_no_secret_configured_opens_nothing() -> None:
    assert not sms.callback_authorised("", basic("46elks", ""), "")


def test_delivery_receipts_and_inbound_messages_parse() -> None:
    receipt = sms.parse_delivery(
        {"id": "s1", "status": "delivered", "delivered": "2017-03-14T09:52:10Z"}
    )
    assert receipt == sms.DeliveryReceipt(
        "s1", DeliveryStatus.DELIVERED, datetime(2017, 3, 14, 9, 52, 10, tzinfo=UTC)
    )
    assert sms.parse_delivery({"id": "s1", "status": "failed"}).delivered_at is None
    inbound = sms.parse_inbound(
        {
            "direction": "incoming",
            "id": "sf8425555e5d8db61dda7a7b3f1b91bdb",
            "from": "+46706861004",
            "to": "+46706860000",
            "created": "2018-07-13T13:57:23.741000",
            "message": " K7R HM3 XPR ok\n",
        }
    )
    assert inbound.text == " K7R HM3 XPR ok\n"  # kept exactly
    assert inbound.sent_at == datetime(2018, 7, 13, 13, 57, 23, 741000, tzinfo=UTC)


def test_a_field_sent_twice_is_refused() -> None:
    with pytest.raises(SmsCallbackInvalid) as refused:
        sms.single_values([("id", "s1"), ("status", "sent"), ("id", "s2")])
    assert refused.value.field == "id"


S, D, F = DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED


@pytest.mark.parametrize(
    ("current", "reported", "stored"),
    [
        ("", S, S),
        ("created", S, S),
        ("created", D, D),
        ("sent", D, D),
        ("sent", F, F),
        ("sent", S, None),  # a repeat
        ("delivered", D, None),  # a repeat
        ("delivered", S, None),  # late
        ("delivered", F, None),  # final stays
        ("failed", D, None),
    ],
)
def test_a_status_only_moves_forward(
    current: str, reported: DeliveryStatus, stored: DeliveryStatus | None
) -> None:
    assert sms.next_delivery_status(current, reported) == stored


def test_sms_settings_are_checked_at_start(tmp_path) -> None:
    base = {"data_dir": str(tmp_path), "secret_key": "k" * 40}
    with pytest.raises(ConfigurationError, match="LOCKWORK_SMS_SENDER"):
        load_settings(environ={}, sms_username="u1", **base)
    with pytest.raises(ConfigurationError, match="LOCKWORK_SMS_SENDER"):
        load_settings(environ={}, sms_username="u1", sms_sender="0766861004", **base)
    with pytest.raises(ConfigurationError, match="LOCKWORK_SMS_CALLBACK_SECRET"):
        load_settings(environ={}, sms_callback_secret="short", **base)
    assert load_settings(environ={}, sms_username="u1", sms_sender="Lockwork", **base)
    assert load_settings(environ={}, sms_username="u1", sms_sender="+46766861004", **base)
