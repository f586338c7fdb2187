"""Hearings, reservations and the public matters through the gateway, as the court's staff would use them."""
import datetime
import itertools
import uuid

from tests.support.pdfgen import make_pdf

_counter = itertools.count(1)
SUPREME_COURT = "00001"  # the Cámara de Amparo y Antejuicio


def future(days=30, hour=15, minute=0):
    """An instant ``days`` from today at hour:minute UTC (always in the future)."""
    day = datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=days)
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=datetime.timezone.utc)


def stamp(instant):
    """UTC ISO-8601 with milliseconds and Z, as the API writes instants."""
    return instant.astimezone(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def room():
    return f"Sala {uuid.uuid4().hex[:8]}"


def hearing_body(starts_at, room_name, duration=60, **overrides):
    body = {"kind": "debate", "starts_at": starts_at if isinstance(starts_at, str) else starts_at.isoformat(),
            "duration_minutes": duration, "room": room_name, "mode": "presencial"}
    body.update(overrides)
    return body


def schedule(api, token, case_number, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return api.post_json(f"/api/v1/cases/{case_number}/hearings", body, token, headers=headers)


def reschedule(api, token, hearing_id, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return api.post_json(f"/api/v1/hearings/{hearing_id}/reschedule", body, token, headers=headers)


def set_status(api, token, hearing_id, status, reason="Motivo de prueba", key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return api.post_json(f"/api/v1/hearings/{hearing_id}/status", {"status": status, "reason": reason}, token,
                         headers=headers)


def amparo_metadata(**overrides):
    n = next(_counter)
    meta = {"court_id": SUPREME_COURT, "matter": "amparo", "subject": "Amparo contra acuerdo municipal",
            "parties": [{"name": f"María López {n}", "role": "postulante"},
                        {"name": "Concejo Municipal de Mixco", "role": "autoridad_impugnada"},
                        {"name": "Constructora Sur, S.A.", "role": "tercero_interesado"}],
            "represents": f"María López {n}", "act_complained": "Acuerdo municipal 12-2026 que revoca la licencia"}
    meta.update(overrides)
    return meta


def antejuicio_metadata(**overrides):
    n = next(_counter)
    meta = {"court_id": SUPREME_COURT, "matter": "antejuicio", "subject": "Antejuicio contra alcalde",
            "parties": [{"name": f"Pedro Ruiz {n}", "role": "denunciante"},
                        {"name": "Juan Gómez", "role": "funcionario", "office": "Alcalde municipal de Mixco"}],
            "represents": f"Pedro Ruiz {n}"}
    meta.update(overrides)
    return meta


def open_with(api, token, metadata):
    """POST /cases with ``metadata`` as given and one PDF."""
    return api.post_multipart("/api/v1/cases", metadata, [("demanda.pdf", make_pdf(seed=next(_counter) + 9000))], token)


def resolve_to(api, token, case_number, stage=None, kind="auto", summary="Resolución de trámite"):
    metadata = {"kind": kind, "summary": summary}
    if stage:
        metadata["stage"] = stage
    return api.post_multipart(f"/api/v1/cases/{case_number}/resolutions", metadata,
                              [("resolucion.pdf", make_pdf(seed=next(_counter) + 7000))], token, document_field="document")
