"""Rules of criminal-record certificates, as plain Python (no I/O; the clock is passed in).

The CUI rule (form, check digit, department, municipality, with its sources) is ``contracts.cui``: the
courts (filings) check the CUIs of the convictions they declare final with the same one.
"""
import datetime
import hashlib
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Optional

# the CUI: one rule, shared with filings (contracts.cui)
from contracts.cui import (CUI_FORM, CUI_WEIGHTS, DEPARTMENTS, MUNICIPALITIES, CuiProblem,  # noqa: F401
                           cui_check_digit, cui_problem, mask_cui)
from services.runtime import names

# --- the payment reference ------------------------------------------------------------------------------------
REFERENCE_DIGITS = 12  # 11 random digits and a Luhn check digit


def luhn_digit(digits: str) -> int:
    """The Luhn check digit of ``digits``: catches every single mistyped digit and every swap of two
    neighbours but 09/90."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def new_reference(randbelow=secrets.randbelow) -> str:
    body = "".join(str(randbelow(10)) for _ in range(REFERENCE_DIGITS - 1))
    if body[0] == "0":
        body = "1" + body[1:]  # never a leading zero (some bank systems read references as numbers)
    return body + str(luhn_digit(body))


def reference_valid(reference) -> bool:
    return (isinstance(reference, str) and len(reference) == REFERENCE_DIGITS and reference.isdigit()
            and luhn_digit(reference[:-1]) == int(reference[-1]))


# --- money --------------------------------------------------------------------------------------------------
def money(value) -> Optional[Decimal]:
    """An amount "30.00" as a Decimal, or None when it is not one."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def money_text(amount: Decimal) -> str:
    return f"{amount:.2f}"


# --- requests -----------------------------------------------------------------------------------------------
AWAITING_PAYMENT, PAID, ISSUED, EXPIRED = "awaiting_payment", "paid", "issued", "expired"


def request_status(request: dict, now: datetime.datetime) -> str:
    """A request awaiting payment past its expiry is expired (nothing needs to write that down)."""
    if request["status"] == AWAITING_PAYMENT and request["expires_at"] <= now:
        return EXPIRED
    return request["status"]


def request_open(request: dict, now: datetime.datetime) -> bool:
    """A request the citizen asking again gets back: unpaid and not expired, or paid and being issued."""
    return request_status(request, now) in (AWAITING_PAYMENT, PAID)


@dataclass(frozen=True)
class PaymentCheck:
    """Why a bank's notification cannot pay a request (None when it can)."""
    code: str
    status: int
    message: str


def payment_problem(request: dict, amount, currency: str, expected_amount: Decimal, expected_currency: str,
                    now: datetime.datetime) -> Optional[PaymentCheck]:
    paid = money(amount)
    if currency != expected_currency or paid is None or paid != expected_amount:
        return PaymentCheck("payment_amount_mismatch", 422,
                            f"El pago debe ser de {money_text(expected_amount)} {expected_currency}.")
    status = request_status(request, now)
    if status == EXPIRED:
        return PaymentCheck("request_expired", 409, "La solicitud venció sin pago; el banco debe rechazar el pago.")
    if status != AWAITING_PAYMENT:
        return PaymentCheck("already_paid", 409, "La solicitud ya fue pagada con otra transacción.")
    return None


# --- certificates ---------------------------------------------------------------------------------------------
SIN_ANTECEDENTES, CON_ANTECEDENTES = "sin_antecedentes", "con_antecedentes"
VALID, EXPIRED_CERTIFICATE, REVOKED, UNKNOWN = "valid", "expired", "revoked", "unknown"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
VERIFICATION_CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
DOWNLOAD_CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{20}$")
VALIDITY_MONTHS = 6


def active_records(records, cancellations):
    """The records that stand: those without a cancellation entry."""
    cancelled = {c["record_id"] for c in cancellations}
    return [r for r in records if r["_id"] not in cancelled]


def result_of(active) -> str:
    return CON_ANTECEDENTES if active else SIN_ANTECEDENTES


def random_code(length, token_bytes=secrets.token_bytes):
    raw = int.from_bytes(token_bytes(length), "big")
    return "".join(CODE_ALPHABET[(raw >> (5 * i)) & 31] for i in range(length))


def new_verification_code(token_bytes=secrets.token_bytes) -> str:
    code = random_code(12, token_bytes)
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def new_download_code(token_bytes=secrets.token_bytes) -> str:
    return random_code(20, token_bytes)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def add_months(moment: datetime.datetime, months: int, tz: datetime.tzinfo) -> datetime.datetime:
    """The same local time ``months`` later (the last day of the month when that day does not exist)."""
    local = moment.astimezone(tz)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = local.day
    while True:
        try:
            return local.replace(year=year, month=month, day=day).astimezone(datetime.timezone.utc)
        except ValueError:  # 31 April, 29-31 February: the month's last day
            day -= 1


def valid_until(issued_at: datetime.datetime, tz: datetime.tzinfo) -> datetime.datetime:
    return add_months(issued_at, VALIDITY_MONTHS, tz)


def certificate_status(certificate: Optional[dict], now: datetime.datetime) -> str:
    if certificate is None:
        return UNKNOWN
    if certificate.get("revoked_at") is not None:
        return REVOKED
    if certificate["valid_until"] <= now:
        return EXPIRED_CERTIFICATE
    return VALID


def serial_text(year: int, number: int) -> str:
    return f"UNAP-{year}-{number:07d}"


# --- registry records ---------------------------------------------------------------------------------------
CANCEL_REASONS = ("rehabilitacion", "pena_cumplida", "sentencia_revocada", "amnistia", "error")
RECORD_SOURCES = ("manual", "import", "court")
CSV_COLUMNS = ("name", "id_number", "case_number", "court", "offences", "penalty", "sentence_date", "final_date")
MAX_IMPORT_ROWS = 2000
OFFENCE_SEPARATOR = ";"


def dates_problem(sentence_date: datetime.date, final_date: datetime.date, today: datetime.date) -> Optional[dict]:
    """The record's dates in order: sentenced, then final (firme), neither in the future."""
    if sentence_date > today:
        return {"sentence_date": "La fecha de la sentencia no puede ser futura."}
    if final_date > today:
        return {"final_date": "La fecha en que quedó firme no puede ser futura."}
    if final_date < sentence_date:
        return {"final_date": "No puede ser anterior a la fecha de la sentencia."}
    return None


def record_key(record: dict) -> str:
    """What makes two records the same conviction: the person and the case (one record per person per case)."""
    return f"{record['id_number']}:{record['case_number'].strip().upper()}"


def name_search(name: str) -> dict:
    """What a search of the registry by name reads (the shared rule of every search by name,
    ``services.runtime.names``): the name's words and their beginnings (``name_prefixes``: each word of a query
    must begin one of them, in any order), its keys (``name_keys``: a search reads only the records holding the key
    of its most telling words) and the folded name the results are ordered by (``name_search``)."""
    return {"name_search": " ".join(names.fold(name).split()),
            "name_prefixes": names.beginnings(names.words(name)),
            "name_keys": names.search_keys([{"name": name}], whole_words=False)}


def iso(instant):
    """UTC ISO-8601 with milliseconds and a Z (None stays None)."""
    if instant is None:
        return None
    return instant.astimezone(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def local_date(iso_instant: str, tz: datetime.tzinfo) -> str:
    """The local date (AAAA-MM-DD) of a UTC ISO-8601 instant: the day a sentence became final where it did."""
    instant = datetime.datetime.fromisoformat(iso_instant.replace("Z", "+00:00"))
    return instant.astimezone(tz).date().isoformat()
