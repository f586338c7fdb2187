"""What the public sees of the read model's documents (the shapes of ``contracts.queries``)."""
from typing import Any, Iterable, Mapping

from services.queries import domain

VERIFIED = "El documento corresponde a un documento emitido por el Organismo Judicial."
NOT_ISSUED = "El documento no corresponde a ningún documento emitido por el Organismo Judicial."


def document_path(case_number: str, resolution_id: str) -> str:
    return f"/api/v1/public/cases/{case_number}/resolutions/{resolution_id}/document"


def hearing_view(doc: Mapping[str, Any], tz) -> dict:
    return {"hearing_id": doc["_id"], "version": doc["version"], "case_number": doc["case_number"],
            "court_id": doc["court_id"], "court_name": doc["court_name"], "matter": doc["matter"],
            "kind": doc["kind"], "kind_label": domain.KIND_LABELS.get(doc["kind"], doc["kind"]),
            "starts_at": domain.iso(doc["starts_at"]), "starts_at_local": domain.local_iso(doc["starts_at"], tz),
            "ends_at": domain.iso(doc["ends_at"]), "ends_at_local": domain.local_iso(doc["ends_at"], tz),
            "duration_minutes": doc["duration_minutes"], "room": doc["room"], "mode": doc["mode"],
            "status": doc["status"], "reason": doc.get("reason"), "changed_at": domain.iso(doc["changed_at"]),
            "parties": doc.get("parties")}


def _stage(stage):
    return {"stage": stage, "stage_label": domain.STAGE_LABELS.get(stage) if stage else None}


def case_summary(doc: Mapping[str, Any], tz) -> dict:
    return {"case_number": doc["_id"], "court_id": doc["court_id"], "court_name": doc["court_name"],
            "matter": doc["matter"], "year": doc["year"], "admitted_at": domain.iso(doc["opened_at"]),
            "admitted_at_local": domain.local_iso(doc["opened_at"], tz), **_stage(doc["stage"]),
            "parties": [dict(p) for p in doc["parties"]], "act_complained": doc.get("act_complained"),
            "official_office": doc.get("official_office")}


def actuacion_view(doc: Mapping[str, Any], tz, available: bool) -> dict:
    return {"resolution_id": doc["_id"], "issued_at": domain.iso(doc["issued_at"]),
            "issued_at_local": domain.local_iso(doc["issued_at"], tz), "kind": doc["kind"], **_stage(doc["stage"]),
            "summary": doc["summary"], "folio": doc["folio"],
            "document": {"url": document_path(doc["case_number"], doc["_id"]), "sha256": doc["document_sha256"],
                         "filename": doc["document_filename"], "size": doc["document_size"],
                         "available": available}}


def case_view(case: Mapping[str, Any], actuaciones: Iterable[tuple[Mapping[str, Any], bool]],
              hearings: Iterable[Mapping[str, Any]], now, tz) -> dict:
    return {**case_summary(case, tz), "parties_by_role": domain.parties_by_role(case["parties"]),
            "actuaciones": [actuacion_view(doc, tz, available) for doc, available in actuaciones],
            "upcoming_hearings": [hearing_view(h, tz) for h in hearings if domain.is_upcoming(h, now)]}


def verification(sha256: str, docs: Iterable[Mapping[str, Any]], tz) -> dict:
    """The verdict on a document by its SHA-256: the resolutions issued with exactly those bytes (the case
    number left out when the case is reserved)."""
    matches = [{"court_id": d["court_id"], "court_name": d["court_name"], "kind": d["kind"],
                "issued_at": domain.iso(d["issued_at"]), "issued_at_local": domain.local_iso(d["issued_at"], tz),
                "folio": d["folio"], "case_number": None if d["reserved"] else d["case_number"],
                "case_reserved": bool(d["reserved"])} for d in docs]
    return {"authentic": bool(matches), "sha256": sha256, "message": VERIFIED if matches else NOT_ISSUED,
            "documents": matches}
