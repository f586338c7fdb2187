"""Rules of the electronic case file, as plain Python: no I/O.

Numbering, the filing state machine, what an Idempotency-Key covers and who may do what.
"""
import datetime
from zoneinfo import ZoneInfo

from contracts.filings import CASE_NUMBER_RE
from services.runtime.errors import Conflict, Forbidden, NotFound, ValidationFailed

STAFF_ROLES = ("clerk", "judge")


# --- numbering -------------------------------------------------------------
def case_year(instant_utc, timezone="America/Guatemala"):
    """The year a case opened at ``instant_utc`` belongs to: the court's local year."""
    return instant_utc.astimezone(ZoneInfo(timezone)).year


def format_case_number(court_id, year, sequence):
    if not (1 <= sequence <= 99999):
        raise ValueError("sequence out of range")
    return f"{court_id}-{year:04d}-{sequence:05d}"


def counter_key(court_id, year):
    return f"{court_id}-{year:04d}"


def check_case_number(case_number):
    if not isinstance(case_number, str) or not CASE_NUMBER_RE.match(case_number):
        raise NotFound("case_not_found", "No existe un expediente con ese número.", {"case_number": str(case_number)[:40]})
    return case_number


# --- filing state machine --------------------------------------------------
RECEIVED, ACCEPTED, REJECTED = "received", "accepted", "rejected"
TRANSITIONS = {RECEIVED: {"accept": ACCEPTED, "reject": REJECTED}}


def review_transition(current_status, decision):
    """The status a review leads to; a filing is reviewed once."""
    allowed = TRANSITIONS.get(current_status)
    if not allowed:
        raise Conflict("already_reviewed", "Este escrito ya fue calificado; no puede calificarse de nuevo.",
                       {"status": current_status})
    if decision not in allowed:
        raise ValidationFailed("validation_error", "Decisión inválida.", {"fields": {"decision": "Use accept o reject."}})
    return allowed[decision]


def is_repeated_review(filing, actor, decision, reason):
    """The same clerk asking for the review already made (a double click, a retry after a lost answer,
    or the broker delivering the request again): it is answered with the filing as reviewed, unchanged."""
    review = filing.get("review") or {}
    return (filing["status"] != RECEIVED and review.get("decision") == decision
            and (review.get("reviewed_by") or {}).get("sub") == actor["sub"] and review.get("reason") == reason)


# --- what an Idempotency-Key covers (services.runtime.idempotency.scope) -------
# opening a case; filing a writ in a case, and issuing a resolution in one: the case number is the subject
OPEN_CASE, FILING, RESOLUTION = "open_case", "filing", "resolution"


# --- who may do what ---------------------------------------------------------
def require_can_upload(actor):
    """Who may send documents (staged until the submission that uses them)."""
    if actor["role"] not in ("lawyer", *STAFF_ROLES):
        raise Forbidden("forbidden", "Su rol no permite presentar documentos.")


def is_attorney(actor, case):
    return actor["role"] == "lawyer" and any(a["sub"] == actor["sub"] for a in case.get("attorneys", []))


def is_court_staff(actor, court_id):
    return actor["role"] in STAFF_ROLES and actor.get("court_id") == court_id


def can_read_case(actor, case):
    return is_attorney(actor, case) or is_court_staff(actor, case["court_id"])


def require_read_case(actor, case):
    if not can_read_case(actor, case):
        raise Forbidden("forbidden", "No tiene acceso a este expediente.", {"case_number": case["_id"]})


def require_lawyer(actor):
    if actor["role"] != "lawyer":
        raise Forbidden("forbidden", "Solo un abogado puede presentar escritos.", {"role": actor["role"]})


def require_can_file(actor, case, metadata):
    """A lawyer on the case files anything but a new appearance; any other lawyer
    may only appear (apersonarse) for a party of the case."""
    require_lawyer(actor)
    party_names = [p["name"] for p in case["parties"]]
    if metadata.get("represents") and metadata["represents"] not in party_names:
        raise ValidationFailed("validation_error", "La parte indicada no existe en el expediente.",
                               {"fields": {"represents": "Debe ser el nombre de una de las partes del caso."}})
    if is_attorney(actor, case):
        if metadata["kind"] == "apersonamiento":
            raise Conflict("already_on_case", "Usted ya actúa en este expediente.", {"case_number": case["_id"]})
        own = {a["represents"] for a in case["attorneys"] if a["sub"] == actor["sub"]}
        if metadata.get("represents") and metadata["represents"] not in own:
            raise ValidationFailed("validation_error", "Solo puede actuar por la parte que representa en el expediente.",
                                   {"fields": {"represents": "Usted representa a: " + "; ".join(sorted(own))}})
        return
    if metadata["kind"] != "apersonamiento":
        raise Forbidden("forbidden", "Solo los abogados del expediente pueden presentar escritos; "
                        "para actuar en él presente primero un apersonamiento.", {"case_number": case["_id"]})


def require_court_handles(court, matter):
    """A case is opened at a court that hears its matter."""
    if matter not in court.get("matters", []):
        raise ValidationFailed("matter_not_handled", "El tribunal indicado no conoce de esa materia.",
                               {"fields": {"matter": "Materias de este tribunal: " + ", ".join(court.get("matters", [])) + "."}})


def require_can_review(actor, filing):
    if not (actor["role"] == "clerk" and actor.get("court_id") == filing["court_id"]):
        raise Forbidden("forbidden", "Solo el secretario del tribunal puede calificar este escrito.",
                        {"filing_id": filing["_id"]})


def require_can_issue_resolution(actor, case):
    if not is_court_staff(actor, case["court_id"]):
        raise Forbidden("forbidden", "Solo el juez o el secretario del tribunal pueden emitir resoluciones en este expediente.",
                        {"case_number": case["_id"]})


def can_read_filing(actor, case, filing):
    return can_read_case(actor, case) or (actor["role"] == "lawyer" and filing["filed_by"]["sub"] == actor["sub"])


def only_document(documents):
    """A resolution carries exactly one document."""
    if len(documents) != 1:
        raise ValidationFailed("validation_error", "Una resolución lleva exactamente un documento PDF.",
                               {"fields": {"document": "Adjunte un solo documento."}})
    return documents[0]


def recipients_of(case):
    """Every lawyer on the case is served with a resolution."""
    seen, result = set(), []
    for attorney in case.get("attorneys", []):
        if attorney["sub"] not in seen:
            seen.add(attorney["sub"])
            result.append({"sub": attorney["sub"], "name": attorney.get("name"), "bar_number": attorney.get("bar_number")})
    return result


def person(actor):
    return {"sub": actor["sub"], "name": actor.get("name"), "bar_number": actor.get("bar_number")}


def iso(instant):
    """UTC ISO-8601 with milliseconds and a Z."""
    if instant is None:
        return None
    return instant.astimezone(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
