"""The rules of a lawyer's WhatsApp number linked to their account (services.chat.domain): the code, what is kept of
it, its expiry and tries, the hourly limits, the line that sends it, the template request and the number's form."""
import datetime
import random

import pytest

from contracts.chat import LinkConfirmSchema, LinkRequestSchema
from services.chat import domain
from services.chat.settings import ChatSettings
from services.runtime.config import ConfigurationError

KEY = b"k" * 32
NOW = datetime.datetime(2026, 12, 6, 18, 0, tzinfo=datetime.timezone.utc)


def pending(code="123456", created_at=NOW, link_id="a" * 32, key=KEY):
    return {"link_id": link_id, "digest": domain.link_code_digest(key, link_id, code),
            "expires_at": domain.link_expires_at(created_at)}


# --- the code ---------------------------------------------------------------------------------------------------------
def test_a_code_is_six_digits_kept_with_its_leading_zeros():
    assert domain.new_link_code(lambda n: 42) == "000042"
    assert domain.new_link_code(lambda n: n - 1) == "999999"
    draws = {domain.new_link_code(random.Random(7).randrange) for _ in range(3)}
    assert all(len(code) == 6 and code.isdigit() for code in draws)


def test_the_range_drawn_from_is_every_six_digit_code():
    asked = []
    domain.new_link_code(lambda n: asked.append(n) or 0)
    assert asked == [10 ** 6]


def test_what_is_kept_is_a_keyed_digest_never_the_code():
    digest = domain.link_code_digest(KEY, "b" * 32, "123456")
    assert "123456" not in digest and len(digest) == 64
    assert domain.link_code_digest(KEY, "b" * 32, "123456") == digest
    # another request (its id salts the digest) or another key: another digest for the same code
    assert domain.link_code_digest(KEY, "c" * 32, "123456") != digest
    assert domain.link_code_digest(b"x" * 32, "b" * 32, "123456") != digest
    assert domain.link_code_matches(KEY, "b" * 32, digest, "123456")
    assert not domain.link_code_matches(KEY, "b" * 32, digest, "123457")
    assert not domain.link_code_matches(b"x" * 32, "b" * 32, digest, "123456")


# --- expiry and tries -------------------------------------------------------------------------------------------------
def test_the_right_code_in_time_links():
    check = domain.check_link_code(pending(), 0, "123456", KEY, NOW + datetime.timedelta(minutes=9, seconds=59))
    assert check == domain.CodeCheck(domain.LINK_LINKED, domain.LINK_MAX_ATTEMPTS - 1)


def test_a_code_lasts_ten_minutes_and_after_them_even_the_right_one_is_refused():
    assert domain.link_expires_at(NOW) == NOW + datetime.timedelta(minutes=10)
    for now in (NOW + datetime.timedelta(minutes=10), NOW + datetime.timedelta(days=1)):
        assert domain.check_link_code(pending(), 0, "123456", KEY, now).outcome == domain.LINK_EXPIRED
        assert domain.check_link_code(pending(), 0, "000000", KEY, now).outcome == domain.LINK_EXPIRED


def test_each_wrong_code_costs_a_try_and_the_last_wrong_one_leaves_none():
    lefts = [domain.check_link_code(pending(), before, "654321", KEY, NOW) for before in range(domain.LINK_MAX_ATTEMPTS)]
    assert [c.outcome for c in lefts] == [domain.LINK_WRONG] * domain.LINK_MAX_ATTEMPTS
    assert [c.attempts_left for c in lefts] == [4, 3, 2, 1, 0]


def test_after_the_tries_are_spent_even_the_right_code_is_refused():
    for before in (domain.LINK_MAX_ATTEMPTS, domain.LINK_MAX_ATTEMPTS + 3):
        assert domain.check_link_code(pending(), before, "123456", KEY, NOW).outcome == domain.LINK_LOCKED


def test_the_right_code_on_the_last_try_still_links():
    check = domain.check_link_code(pending(), domain.LINK_MAX_ATTEMPTS - 1, "123456", KEY, NOW)
    assert check == domain.CodeCheck(domain.LINK_LINKED, 0)


def test_expiry_is_judged_before_the_tries():
    late = NOW + datetime.timedelta(minutes=11)
    assert domain.check_link_code(pending(), 99, "123456", KEY, late).outcome == domain.LINK_EXPIRED


# --- hourly limits ----------------------------------------------------------------------------------------------------
def test_codes_within_the_limit_go():
    recent = [NOW - datetime.timedelta(minutes=m) for m in (1, 2, 3, 4)]
    assert domain.link_rate_retry_after(recent, 5, NOW) is None
    assert domain.link_rate_retry_after([], 1, NOW) is None


def test_one_over_the_limit_waits_until_the_oldest_leaves_the_hour():
    recent = [NOW - datetime.timedelta(minutes=m) for m in (50, 40, 30, 20, 10)]
    assert domain.link_rate_retry_after(recent, 5, NOW) == 10 * 60
    assert domain.link_rate_retry_after(recent, 3, NOW) == 30 * 60  # the third newest decides


def test_requests_older_than_an_hour_do_not_count():
    recent = [NOW - datetime.timedelta(minutes=m) for m in (61, 70, 90, 120, 5)]
    assert domain.link_rate_retry_after(recent, 2, NOW) is None
    assert domain.link_rate_retry_after([NOW - datetime.timedelta(minutes=60)] * 9, 1, NOW) is None


def test_a_wait_is_at_least_one_whole_second():
    recent = [NOW - domain.LINK_RATE_WINDOW + datetime.timedelta(milliseconds=10)]
    assert domain.link_rate_retry_after(recent, 1, NOW) == 1


# --- the Graph API request --------------------------------------------------------------------------------------------
def test_the_authentication_template_carries_the_code_in_its_body_and_its_copy_code_button():
    body = domain.authentication_template_body("5216861234567", {"name": "codigo_vinculacion", "language": "es_MX"},
                                               "004217")
    assert body["to"] == "5216861234567" and body["type"] == "template"
    template = body["template"]
    assert template["name"] == "codigo_vinculacion" and template["language"] == {"code": "es_MX"}
    body_part, button = template["components"]
    assert body_part == {"type": "body", "parameters": [{"type": "text", "text": "004217"}]}
    assert button == {"type": "button", "sub_type": "url", "index": "0",
                      "parameters": [{"type": "text", "text": "004217"}]}


# --- the number -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed, kept", [
    ("526861234567", "5216861234567"),    # a Mexican mobile as E.164: WhatsApp's wa_id carries the 1
    ("5216861234567", "5216861234567"),   # already as WhatsApp names it
    ("50255551234", "50255551234"),       # Guatemala: as typed
    ("14155550123", "14155550123"),
    ("5212345678", "5212345678"),         # a shorter 52… number is not a Mexican mobile: as typed
])
def test_a_number_is_kept_as_whatsapp_names_the_user(typed, kept):
    assert domain.normalize_wa_id(typed) == kept


@pytest.mark.parametrize("wa_id", ["", "0526861234567", "+5216861234567", "521 686 123 4567", "1234567",
                                   "1234567890123456", "5216861234567\n", "52168612345a7", "٥٢١٦٨٦١٢٣٤٥٦٧", 5216861234567,
                                   None])
def test_the_contract_refuses_what_is_not_a_number_in_e164_without_plus(wa_id):
    assert "wa_id" in LinkRequestSchema().validate({"wa_id": wa_id})


def test_the_contract_takes_a_number_and_nothing_else():
    assert LinkRequestSchema().validate({"wa_id": "5216861234567"}) == {}
    assert "bar_number" in LinkRequestSchema().validate({"wa_id": "5216861234567", "bar_number": "1"})
    assert "sub" in LinkRequestSchema().validate({"wa_id": "5216861234567", "sub": "otro"})


@pytest.mark.parametrize("code", ["12345", "1234567", "12345a", "123456\n", " 123456", "", 123456, None, "١٢٣٤٥٦"])
def test_the_contract_refuses_a_code_that_is_not_six_digits(code):
    assert "code" in LinkConfirmSchema().validate({"code": code})


# --- configuration ----------------------------------------------------------------------------------------------------
def test_the_link_settings_default_to_the_first_line_and_a_key_not_in_the_database():
    settings = ChatSettings({})
    assert settings.link_line == next(iter(settings.lines))
    assert settings.link_code_template() == {"name": "codigo_vinculacion", "language": "es_MX"}
    assert len(settings.link_key) == 32 and settings.app_secret.encode() not in settings.link_key
    other = ChatSettings({"WHATSAPP_APP_SECRET": "otro-secreto"})
    assert other.link_key != settings.link_key


def test_a_link_line_that_is_not_configured_refuses_to_start():
    with pytest.raises(ConfigurationError) as refused:
        ChatSettings({"CHAT_LINK_LINE": "999"})
    assert "CHAT_LINK_LINE" in str(refused.value)
    assert ChatSettings({"CHAT_LINK_LINE": "100000000000002"}).link_line == "100000000000002"


@pytest.mark.parametrize("key, value", [("CHAT_LINK_TEMPLATE", "Código"), ("CHAT_LINK_TEMPLATE_LANGUAGE", "español"),
                                        ("CHAT_LINK_REQUESTS_PER_HOUR", "0")])
def test_bad_link_settings_refuse_to_start(key, value):
    with pytest.raises(ConfigurationError):
        ChatSettings({key: value})
