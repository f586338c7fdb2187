"""Rules of the notarial protocol archive, as plain Python (no I/O; the clock and the calendar passed in).

- **The deposit deadline** (Código de Notariado, art. 37): the testimonio especial of an instrument reaches the
  Archivo General de Protocolos within the 25 business days that follow the day it was authorised
  (``DEPOSIT_BUSINESS_DAYS``). Business days are the courts' (``services.runtime.court_calendar``: weekends,
  national holidays, Holy Week). A later deposit is accepted and flagged ``extemporaneo`` with the business
  days late: those after the deadline up to the day of the deposit (Guatemala's local day).
- **Numbering**: an instrument's number is unique in a notary's year; numbers skipped between 1 and the
  highest deposited are missing.
- **The annual index**: what the notary lists and what was deposited, compared both ways.
- **Wills** (``testamento``) are secret while the testator lives: anyone but its notary and AGP staff sees only
  that an instrument of that number exists; a copy goes only to its notary, or to someone whose death
  certificate of the testator an AGP officer reviewed.
"""
import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Optional

from services.runtime import names

DEPOSIT_BUSINESS_DAYS = 25
CALENDAR_COURT = "AGP"  # the archive's own calendar: national holidays only, no closures of a court
ACT_TYPES = ("compraventa", "donacion", "mandato", "poder", "constitucion_sociedad", "mutuo", "arrendamiento",
             "testamento", "acta_protocolizacion", "otro")
WILL = "testamento"
NOTARY_STATUSES = ("activo", "inhabilitado", "fallecido")
ACTIVE = "activo"
REVIEW_PENDING, REVIEW_ACCEPTED, REVIEW_OBSERVED = "pendiente", "aceptado", "observado"
COPY_KINDS = ("copia_simple", "testimonio")
SIMPLE, TESTIMONIO = "copia_simple", "testimonio"
# a copy: awaiting_payment -> (awaiting_approval) -> paid (being issued) -> issued (-> revoked); or expired
COPY_AWAITING_PAYMENT, COPY_AWAITING_APPROVAL, COPY_PAID, COPY_ISSUED, COPY_REVOKED, COPY_EXPIRED = (
    "awaiting_payment", "awaiting_approval", "paid", "issued", "revoked", "expired")
COPY_STATUSES = (COPY_AWAITING_PAYMENT, COPY_AWAITING_APPROVAL, COPY_PAID, COPY_ISSUED, COPY_REVOKED, COPY_EXPIRED)
STAFF = "archive_officer"
NOTARY = "notary"
SEARCHERS = ("lawyer", "notary", "citizen", "archive_officer", "clerk", "judge", "admin")
REQUESTERS = ("lawyer", "notary", "citizen")


# --- the deadline -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Timeliness:
    deadline: datetime.date
    extemporaneo: bool
    business_days_late: int


def timeliness(authorized_at: datetime.date, deposited_on: datetime.date, calendar) -> Timeliness:
    """The deadline of an instrument authorised on ``authorized_at`` and whether a deposit on ``deposited_on``
    (the local day) is late, by how many business days."""
    deadline = calendar.add_business_days(authorized_at, DEPOSIT_BUSINESS_DAYS, CALENDAR_COURT)
    if deposited_on <= deadline:
        return Timeliness(deadline, False, 0)
    return Timeliness(deadline, True, calendar.business_days_between(deadline, deposited_on, CALENDAR_COURT))


def authorized_at_problem(authorized_at: datetime.date, year: int, today: datetime.date) -> Optional[str]:
    if authorized_at > today:
        return "La fecha de autorización no puede ser futura."
    if authorized_at.year != year:
        return f"La fecha de autorización debe estar dentro del año {year} del protocolo."
    return None


def year_problem(year: int, today: datetime.date) -> Optional[str]:
    return f"El año no puede ser posterior a {today.year}." if year > today.year else None


def pages_problem(declared: int, actual: int) -> Optional[str]:
    """The pages the notary declares are the testimonio's: a PDF with other pages is another document (and a
    copy's fee is charged per page)."""
    if declared != actual:
        return (f"El testimonio adjunto tiene {actual} página{'s' if actual != 1 else ''}; "
                f"se declararon {declared}.")
    return None


# --- numbering and the annual index ----------------------------------------------------------------------------
def missing_numbers(numbers: Iterable[int]) -> list[int]:
    """Numbers skipped between 1 and the highest one deposited."""
    present = set(numbers)
    return [n for n in range(1, max(present, default=0) + 1) if n not in present]


@dataclass(frozen=True)
class Reconciliation:
    in_index_not_deposited: list
    deposited_not_in_index: list
    act_type_mismatch: list


def reconcile(index_entries: Iterable[dict], deposited: Iterable[dict]) -> Reconciliation:
    """The notary's index (``{number, act_type}``) against the current deposits (``{number, act_type}``)."""
    listed = {e["number"]: e.get("act_type") for e in index_entries}
    held = {d["number"]: d.get("act_type") for d in deposited}
    return Reconciliation(
        in_index_not_deposited=sorted(set(listed) - set(held)),
        deposited_not_in_index=sorted(set(held) - set(listed)),
        act_type_mismatch=sorted(n for n in set(listed) & set(held) if listed[n] and listed[n] != held[n]))


# --- will secrecy -------------------------------------------------------------------------------------------
def is_secret(instrument: dict) -> bool:
    return instrument["act_type"] == WILL


def sees_everything(instrument: dict, actor: dict) -> bool:
    """Its notary and AGP staff see a will's grantors and summary; nobody else while it is secret."""
    return (not is_secret(instrument) or actor["role"] == STAFF
            or (actor["role"] == NOTARY and actor.get("bar_number") == instrument["bar_number"]))


def copy_needs_approval(kind: str, instrument: dict, actor: dict) -> bool:
    """A testimonio always waits for an AGP officer; a will's copy for anyone but its notary too (the officer
    reviews the testator's death certificate)."""
    return kind == TESTIMONIO or not sees_everything(instrument, actor)


def will_copy_needs_death_certificate(instrument: dict, requester: dict) -> bool:
    return is_secret(instrument) and not (requester["role"] == NOTARY
                                          and requester.get("bar_number") == instrument["bar_number"])


# --- search ---------------------------------------------------------------------------------------------------
def grantor_search(grantors: Iterable[dict]) -> dict:
    """What a search by grantor name reads (the shared rule, ``services.runtime.names``): each grantor's words and
    their beginnings (``grantor_index``: every word of the query must begin a word of one grantor's name) and the
    keys of the grantors' words and word pairs (``grantor_keys``: a search reads only the deposits holding the key
    of its two most telling words)."""
    grantors = list(grantors)
    return {"grantor_index": names.name_index(grantors), "grantor_keys": names.search_keys(grantors, whole_words=False)}


def notary_tokens(name: str) -> list[str]:
    return names.beginnings(names.words(name))


# --- copies and fees ----------------------------------------------------------------------------------------------
def copy_fee(kind: str, pages: int, table: dict) -> Decimal:
    """The fee of a copy: the table's price per page of that kind, times the testimonio's pages."""
    return (table[kind] * pages).quantize(Decimal("0.01"))


def copy_status(copy: dict, now: datetime.datetime) -> str:
    if copy.get("revoked_at"):
        return COPY_REVOKED
    if copy.get("issued_at"):
        return COPY_ISSUED
    if not copy.get("paid_at"):
        return COPY_EXPIRED if copy["expires_at"] <= now else COPY_AWAITING_PAYMENT
    if copy["needs_approval"] and not copy.get("approved_at"):
        return COPY_AWAITING_APPROVAL
    return COPY_PAID


def ready_to_issue(copy: dict) -> bool:
    return bool(copy.get("paid_at")) and (not copy["needs_approval"] or bool(copy.get("approved_at")))


def copy_serial(year: int, number: int) -> str:
    return f"AGP-{year}-{number:07d}"
