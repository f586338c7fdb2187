"""Rules of the electronic case file, as plain Python: no I/O.

Numbering, the filing state machine, what an Idempotency-Key covers and who may do what; the facts of the
public matters (amparo, antejuicio) and their stages; reserved cases; hearings (their statuses and the rule
that two never share a room at once).
"""
import datetime
import re
from zoneinfo import ZoneInfo

from contracts.filings import (ALWAYS_RESERVED_MATTERS, CASE_NUMBER_RE, HEARING_ACTIVE_STATUSES, HEARING_FINAL_STATUSES,
                               HEARING_RESCHEDULED, INITIAL_STAGE, MATTER_ROLES, OFFICIAL_ROLE, PUBLIC_MATTERS, STAGES)
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


def case_not_found(case_number):
    """What a case that does not exist answers; a reserved case answers it too to whoever it says nothing to."""
    return NotFound("case_not_found", "No existe un expediente con ese número.", {"case_number": case_number})


def check_case_number(case_number):
    if not isinstance(case_number, str) or not CASE_NUMBER_RE.match(case_number):
        raise case_not_found(str(case_number)[:40])
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
# scheduling a hearing in a case (subject: the case number); changing one (subject: the hearing id); reserving
# a case (subject: the case number)
SCHEDULE_HEARING, CHANGE_HEARING, RESERVE_CASE = "schedule_hearing", "change_hearing", "reserve_case"


def canonical(body):
    """A validated body as JSON-able data (instants as UTC ISO-8601): what an Idempotency-Key fingerprints."""
    return {key: iso(value) if isinstance(value, datetime.datetime) else value for key, value in body.items()}


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


def hides_case_from_filing(actor, case, metadata):
    """Whether a filing in ``case`` must be answered as if the case did not exist: a reserved case says nothing to
    a lawyer not on it, so it admits from them only an appearance naming one of its parties exactly (someone who
    knows the case, like the legitimate appearance in a family case); anything else (a wrong or missing party name,
    another kind of writ) would tell that it exists, and which names are not its parties."""
    if actor["role"] != "lawyer" or not is_reserved(case) or is_attorney(actor, case):
        return False
    named = metadata.get("represents")
    return not (metadata.get("kind") == "apersonamiento" and named in {p["name"] for p in case["parties"]})


def require_can_file(actor, case, metadata):
    """A lawyer on the case files anything but a new appearance; any other lawyer
    may only appear (apersonarse) for a party of the case. A reserved case the lawyer is not on answers any
    other attempt as a case that does not exist (``hides_case_from_filing``)."""
    require_lawyer(actor)
    if hides_case_from_filing(actor, case, metadata):
        raise case_not_found(case["_id"])
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


# --- appearing in a case (apersonamiento) ---------------------------------------------------------------
def require_can_ask_to_appear(actor):
    """Only a lawyer asks what they need to appear in a case."""
    if actor["role"] != "lawyer":
        raise Forbidden("forbidden", "Solo un abogado puede apersonarse en un expediente.", {"role": actor["role"]})


def appearance_pending(case_number):
    """A lawyer's appearance in the case still waits for review: no other until it is reviewed."""
    return Conflict("appearance_pending", "Ya tiene un apersonamiento pendiente de calificación en este expediente.",
                    {"case_number": case_number})


def reveals_parties_to(actor, case):
    """Whether a lawyer may see the parties of ``case`` to appear in it: a lawyer already on it may read it all
    anyway; any other lawyer only while the case is not reserved (a reserved case says nothing, not even that it
    exists)."""
    return is_attorney(actor, case) or not is_reserved(case)


def appearance_facts(actor, case, court_name, pending):
    """What a lawyer sees to appear in ``case`` (AppearanceFactsSchema): the court, the matter, and each party's
    name and role, which a writ of appearance must name; ``pending``: the caller's appearance still waiting in it
    (or None)."""
    own = sorted({a["represents"] for a in case.get("attorneys", []) if a["sub"] == actor["sub"]})
    return {"case_number": case["_id"], "court_id": case["court_id"], "court_name": court_name,
            "matter": case["matter"], "parties": [{"name": p["name"], "role": p["role"]} for p in case["parties"]],
            "on_case": is_attorney(actor, case), "represents": own,
            "pending_appearance": None if pending is None else {
                "filing_id": pending["_id"], "represents": pending["represents"],
                "received_at": iso(pending["received_at"])}}


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


def require_can_schedule(actor, court_id, subject):
    """Hearings are scheduled and changed by the judge or the clerk of the case's court."""
    if not is_court_staff(actor, court_id):
        raise Forbidden("forbidden", "Solo el juez o el secretario del tribunal pueden programar o modificar "
                        "audiencias de este expediente.", subject)


def require_can_reserve(actor, case):
    """Only a judge of the case's court reserves a case."""
    if not (actor["role"] == "judge" and actor.get("court_id") == case["court_id"]):
        raise Forbidden("forbidden", "Solo el juez del tribunal puede reservar este expediente.",
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


# --- the public matters: amparo and antejuicio ------------------------------------------
def is_public_matter(matter):
    return matter in PUBLIC_MATTERS


def _invalid(field, message, summary="Los datos del expediente no corresponden a su materia."):
    return ValidationFailed("validation_error", summary, {"fields": {field: message}})


def require_public_case_facts(metadata):
    """What opening a case of each public matter takes, beyond what the schema checks field by field:
    an amparo states the act complained of (acto reclamado) and has at least one postulante and one
    autoridad_impugnada (terceros interesados optional); an antejuicio has at least one denunciante and exactly
    one funcionario, with the office held. Only an amparo states an act complained of."""
    matter = metadata["matter"]
    if matter != "amparo" and "act_complained" in metadata:
        raise _invalid("act_complained", "Solo un amparo indica el acto reclamado.")
    if not is_public_matter(matter):
        return
    roles = [party["role"] for party in metadata["parties"]]
    allowed = MATTER_ROLES[matter]
    for index, role in enumerate(roles):
        if role not in allowed:
            raise _invalid(f"parties.{index}.role", f"En {matter} las partes son: " + ", ".join(allowed) + ".")
    if matter == "amparo":
        if not (metadata.get("act_complained") or "").strip():
            raise _invalid("act_complained", "Un amparo debe indicar el acto reclamado.")
        for role, name in (("postulante", "el postulante (amparista)"), ("autoridad_impugnada", "la autoridad impugnada")):
            if role not in roles:
                raise _invalid("parties", f"Un amparo debe indicar {name}.")
    else:
        if "denunciante" not in roles:
            raise _invalid("parties", "Un antejuicio debe indicar al menos un denunciante.")
        if roles.count(OFFICIAL_ROLE) != 1:
            raise _invalid("parties", "Un antejuicio se promueve contra un solo funcionario, con su cargo.")


def public_parties(case):
    """The parties of an amparo or antejuicio case as the public sees them (names, roles, the official's office;
    never an id number); None for any other matter."""
    if not is_public_matter(case["matter"]):
        return None
    return [{"name": p["name"], "role": p["role"], "office": p.get("office")} for p in case["parties"]]


def initial_stage(matter):
    return INITIAL_STAGE if is_public_matter(matter) else None


# The stages each public matter's resolutions move a case through, from "ingresado" (its opening). A resolution
# states the stage it leads to, which must be one of those that follow the current one; a resolution that does not
# move the stage states none.
#
# Amparo (Ley de Amparo, Exhibición Personal y de Constitucionalidad, Decreto 1-86): the court admits the
# petition or rejects it (archivado); it may grant or deny provisional amparo at admission or at any later point,
# and revoke it (arts. 27-30); it asks the challenged authority for its report (informe circunstanciado, art. 33);
# it hears the parties (vista, arts. 35-38); it rules (sentencia: otorga o deniega, art. 42); the ruling is
# appealed before the Corte de Constitucionalidad (apelado, art. 60) or becomes final (ejecutoriado); then the
# file is closed (archivado).
AMPARO_TRANSITIONS = {
    "ingresado": ("admitido", "archivado"),
    "admitido": ("amparo_provisional_otorgado", "amparo_provisional_denegado", "informe_circunstanciado", "vista",
                 "archivado"),
    "amparo_provisional_otorgado": ("amparo_provisional_denegado", "informe_circunstanciado", "vista", "archivado"),
    "amparo_provisional_denegado": ("amparo_provisional_otorgado", "informe_circunstanciado", "vista", "archivado"),
    "informe_circunstanciado": ("amparo_provisional_otorgado", "amparo_provisional_denegado", "vista", "archivado"),
    "vista": ("amparo_provisional_otorgado", "amparo_provisional_denegado", "sentencia_otorga", "sentencia_deniega",
              "archivado"),
    "sentencia_otorga": ("apelado", "ejecutoriado"),
    "sentencia_deniega": ("apelado", "ejecutoriado"),
    "apelado": ("ejecutoriado", "archivado"),
    "ejecutoriado": ("archivado",),
    "archivado": (),
}
# Antejuicio (Ley en Materia de Antejuicio, Decreto 85-2002): the court rejects a denunciation that is plainly
# spurious, political or unfounded (rechazado in límine) or appoints an investigating judge (juez pesquisidor);
# the judge reports (informe del pesquisidor); the court declares that there is or is not cause to prosecute
# (ha lugar / no ha lugar a formación de causa); then the file is closed (archivado).
ANTEJUICIO_TRANSITIONS = {
    "ingresado": ("rechazado_in_limine", "juez_pesquisidor_designado"),
    "rechazado_in_limine": ("archivado",),
    "juez_pesquisidor_designado": ("informe_pesquisidor",),
    "informe_pesquisidor": ("ha_lugar_formacion_causa", "no_ha_lugar"),
    "ha_lugar_formacion_causa": ("archivado",),
    "no_ha_lugar": ("archivado",),
    "archivado": (),
}
STAGE_TRANSITIONS = {"amparo": AMPARO_TRANSITIONS, "antejuicio": ANTEJUICIO_TRANSITIONS}


def next_stage(matter, current, requested):
    """The stage a resolution leaves the case in: ``current`` when it states none; ``requested`` when that follows
    from ``current`` (409 ``invalid_stage_transition`` otherwise). A stage on a case of another matter, or of the
    other public matter's list, is 422."""
    if requested is None:
        return current
    if not is_public_matter(matter):
        raise _invalid("stage", "Solo las resoluciones de amparo y antejuicio indican etapa.",
                       "La resolución indica una etapa en un expediente que no es de amparo ni de antejuicio.")
    if requested != INITIAL_STAGE and requested not in STAGES[matter]:
        raise _invalid("stage", f"Etapas de {matter}: " + ", ".join(STAGES[matter]) + ".",
                       f"La etapa indicada no es una etapa de {matter}.")
    current = current or INITIAL_STAGE
    allowed = STAGE_TRANSITIONS[matter].get(current, ())
    if requested not in allowed:
        following = ", ".join(allowed) if allowed else "ninguna (etapa final)"
        raise Conflict("invalid_stage_transition",
                       f"El expediente está en la etapa «{current}»; de ella no se pasa a «{requested}». "
                       f"Etapas siguientes posibles: {following}.",
                       {"current": current, "requested": requested, "allowed": list(allowed)})
    return requested


# --- reserved cases -------------------------------------------------------------------
def reserved_from_opening(matter):
    """familia cases are reserved from their opening, always."""
    return matter in ALWAYS_RESERVED_MATTERS


def is_reserved(case):
    return bool(case.get("reserved", reserved_from_opening(case["matter"])))


def require_not_reserved(case):
    """A case is reserved once; it is never un-reserved."""
    if is_reserved(case):
        raise Conflict("already_reserved", "El expediente ya es reservado; la reserva no se levanta ni se repite.",
                       {"case_number": case["_id"]})


def case_version(case):
    """The number of the case's public facts: 1 at opening, one more per resolution and for the reservation."""
    return case.get("case_version", 1)


# --- hearings ---------------------------------------------------------------------------
def room_key(room):
    """Rooms compare without regard to case or runs of blanks: "Sala 1" and " sala  1 " are one room."""
    return re.sub(r"\s+", " ", room).strip().casefold()


def hearing_end(starts_at, duration_minutes):
    return starts_at + datetime.timedelta(minutes=duration_minutes)


def overlaps(start_a, end_a, start_b, end_b):
    """Half-open intervals [start, end): one that ends when the other starts does not overlap it."""
    return start_a < end_b and start_b < end_a


def blocks(other, court_id, key, starts_at, ends_at, hearing_id=None):
    """Whether hearing ``other`` (a stored one) keeps the slot [starts_at, ends_at) of room ``key`` at court
    ``court_id`` from a hearing (``hearing_id``, when it is being changed): only active hearings (programada,
    reprogramada) of the same court and room that overlap it, and never the hearing itself."""
    return (other["_id"] != hearing_id and other["court_id"] == court_id and other["room_key"] == key
            and other["status"] in HEARING_ACTIVE_STATUSES
            and overlaps(starts_at, ends_at, other["starts_at"], other["ends_at"]))


def hearing_conflict(other):
    return Conflict("hearing_conflict",
                    f"La sala «{other['room']}» ya tiene una audiencia en ese horario (expediente {other['case_number']}, "
                    f"de {iso(other['starts_at'])} a {iso(other['ends_at'])}).",
                    {"hearing_id": other["_id"], "case_number": other["case_number"], "room": other["room"],
                     "starts_at": iso(other["starts_at"]), "ends_at": iso(other["ends_at"])})


def slot_answer(other):
    """GET .../hearings/conflicts: whether the slot is free, or the hearing that holds it with the same message
    and details as the 409 ``hearing_conflict`` a schedule or a move into it would get."""
    if other is None:
        return {"available": True, "conflict": None}
    refusal = hearing_conflict(other)
    return {"available": False, "conflict": {**refusal.details, "message": refusal.message}}


def require_future(starts_at, now):
    """A hearing is scheduled (or moved) to a time still to come."""
    if starts_at <= now:
        raise ValidationFailed("validation_error", "La audiencia debe programarse para una fecha y hora futuras.",
                               {"fields": {"starts_at": "Debe ser posterior al momento actual."}})


# What each status may become by POST /hearings/{id}/status: a held (realizada) or cancelled (cancelada) hearing
# is final; a suspended one may still be cancelled (or rescheduled, which makes it reprogramada again).
STATUS_TRANSITIONS = {
    "programada": HEARING_FINAL_STATUSES,
    "reprogramada": HEARING_FINAL_STATUSES,
    "suspendida": ("cancelada",),
    "realizada": (),
    "cancelada": (),
}
RESCHEDULABLE = ("programada", "reprogramada", "suspendida")


def _hearing_final(hearing, requested):
    return Conflict("hearing_final" if not STATUS_TRANSITIONS.get(hearing["status"]) else "invalid_hearing_transition",
                    f"La audiencia está «{hearing['status']}»; no puede pasar a «{requested}».",
                    {"hearing_id": hearing["_id"], "status": hearing["status"], "requested": requested})


def status_transition(hearing, requested):
    """The status POST /status leaves the hearing in; 409 when its current status does not allow it."""
    if requested not in STATUS_TRANSITIONS.get(hearing["status"], ()):
        raise _hearing_final(hearing, requested)
    return requested


def require_reschedulable(hearing):
    if hearing["status"] not in RESCHEDULABLE:
        raise _hearing_final(hearing, HEARING_RESCHEDULED)


# --- what the public read model is told (events and the snapshot it is rebuilt from share these) --------------
def case_opened_data(case, court_name):
    """The data of case_opened (CaseOpenedSchema) for ``case`` as it stands: its current version, stage and
    reservation; parties, act complained of and stage only for the public matters."""
    public = is_public_matter(case["matter"])
    return {"case_number": case["_id"], "court_id": case["court_id"], "matter": case["matter"],
            "subject": case["subject"], "opened_at": iso(case["opened_at"]), "opened_by": case["opened_by"],
            "court_name": court_name, "case_version": case_version(case), "reserved": is_reserved(case),
            "parties": public_parties(case), "act_complained": case.get("act_complained") if public else None,
            "stage": case.get("stage") if public else None}


def case_reserved_data(case):
    """The data of case_reserved (CaseReservedSchema) for a case just reserved."""
    reservation = case["reservation"]
    return {"case_number": case["_id"], "court_id": case["court_id"], "matter": case["matter"],
            "reason": reservation["reason"], "reserved_at": iso(reservation["reserved_at"]),
            "reserved_by": reservation["reserved_by"], "case_version": case_version(case)}


def resolution_issued_data(resolution, case, court_name, recipients):
    """The data of resolution_issued (ResolutionIssuedSchema): the resolution, the stage it moved its case to
    (None when it did not), the case's version after it and whether the case is reserved (as ``case`` says)."""
    document = resolution["document"]
    return {"resolution_id": resolution["_id"], "case_number": resolution["case_number"],
            "court_id": resolution["court_id"], "court_name": court_name, "kind": resolution["kind"],
            "summary": resolution["summary"], "term_days": resolution.get("term_days"), "folio": resolution["folio"],
            "document_id": document["document_id"], "document_sha256": document["sha256"],
            "document_size": document["size"], "document_filename": document["filename"],
            "issued_at": iso(resolution["issued_at"]), "issued_by": resolution["issued_by"], "recipients": recipients,
            "matter": resolution.get("matter", case["matter"]), "stage": resolution.get("stage"),
            "case_version": resolution.get("case_version"), "case_reserved": is_reserved(case)}


def hearing_state(hearing, case, court_name):
    """The data of hearing_scheduled and hearing_changed (HearingStateSchema): the hearing's whole state and
    version; the parties only on amparo and antejuicio cases; whether the case is reserved (as ``case`` says)."""
    return {"hearing_id": hearing["_id"], "version": hearing["version"], "case_number": hearing["case_number"],
            "court_id": hearing["court_id"], "court_name": court_name, "matter": case["matter"],
            "kind": hearing["kind"], "starts_at": iso(hearing["starts_at"]),
            "duration_minutes": hearing["duration_minutes"], "room": hearing["room"], "mode": hearing["mode"],
            "status": hearing["status"], "reason": hearing.get("reason"), "changed_at": iso(hearing["changed_at"]),
            "case_reserved": is_reserved(case), "public_parties": public_parties(case)}


# --- a sentence declared final (firme): what the criminal-record registry receives ----------------------
FINAL_SENTENCE_KIND, FINAL_SENTENCE_MATTER = "sentencia", "penal"


def require_can_declare_final(actor, resolution):
    """Only a judge of the court that issued the sentence declares it final."""
    if not (actor["role"] == "judge" and actor.get("court_id") == resolution["court_id"]):
        raise Forbidden("forbidden", "Solo un juez del tribunal que dictó la sentencia puede declararla firme.",
                        {"resolution_id": resolution["_id"]})


def require_penal_sentence(resolution, case):
    """Only a sentencia of a penal case becomes final with convictions (409 on any other resolution)."""
    if resolution["kind"] != FINAL_SENTENCE_KIND:
        raise Conflict("not_a_sentence", "Solo una sentencia puede declararse firme; esta resolución es un "
                       f"{resolution['kind']}.", {"resolution_id": resolution["_id"], "kind": resolution["kind"]})
    if case["matter"] != FINAL_SENTENCE_MATTER:
        raise Conflict("not_a_penal_case", "Solo la sentencia de un proceso penal se declara firme con condenas; "
                       f"este expediente es de materia {case['matter']}.",
                       {"resolution_id": resolution["_id"], "matter": case["matter"]})


def already_final(declaration):
    return Conflict("already_final", "Esta sentencia ya fue declarada firme; no se declara de nuevo.",
                    {"resolution_id": declaration["_id"], "declared_at": iso(declaration["declared_at"])})


def local_date(instant, timezone):
    """The court's local date of ``instant`` (AAAA-MM-DD)."""
    return instant.astimezone(ZoneInfo(timezone)).date().isoformat()


def final_sentence_view(declaration):
    """A sentence declared final (FinalSentenceDeclaredSchema)."""
    return {"resolution_id": declaration["_id"], "case_number": declaration["case_number"],
            "court_id": declaration["court_id"], "sentence_date": declaration["sentence_date"],
            "declared_at": iso(declaration["declared_at"]), "declared_by": declaration["declared_by"],
            "convictions": declaration["convictions"]}


def conviction_final_data(declaration, court_name):
    """The data of conviction_final (ConvictionFinalSchema)."""
    return {**final_sentence_view(declaration), "court_name": court_name}
