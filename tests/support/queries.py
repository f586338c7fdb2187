"""Helpers of the queries tests: filings' events built and published as its relay does (for cases filings does
not know: year 2099, so they never meet a real case number), and waiting on the read model."""
import datetime
import hashlib
import itertools
import random
import uuid

from services.queries.store import collection_name
from tests.support.mailbox import envelope, iso, publish, wait_for

UTC = datetime.timezone.utc
SUPREME = "00001"
SUPREME_NAME = "Corte Suprema de Justicia, Cámara de Amparo y Antejuicio"
_numbers = itertools.count(random.randrange(10_000, 90_000))

__all__ = ["envelope", "iso", "publish", "wait_for", "fake_case_number", "case_opened", "case_reserved",
           "resolution", "hearing", "QueriesDb"]


def fake_case_number(court_id=SUPREME):
    return f"{court_id}-2099-{next(_numbers):05d}"


def case_opened(case_number, matter="amparo", court_id=SUPREME, court_name=SUPREME_NAME, version=1, reserved=False,
                parties=None, stage=None, opened_at=None, act_complained="Acuerdo 12-2026 que revoca la licencia"):
    public = matter in ("amparo", "antejuicio")
    parties = parties if parties is not None else [
        {"name": "María José Peña Gómez", "role": "postulante", "office": None},
        {"name": "Concejo Municipal de Mixco", "role": "autoridad_impugnada", "office": None},
        {"name": "Constructora Sur, S.A.", "role": "tercero_interesado", "office": None}]
    return {"case_number": case_number, "court_id": court_id, "matter": matter, "subject": "Asunto",
            "opened_at": opened_at or iso(datetime.datetime.now(UTC)), "opened_by": {"sub": "lic", "name": "Lic."},
            "court_name": court_name, "case_version": version, "reserved": reserved,
            "parties": parties if public else None, "act_complained": act_complained if public else None,
            "stage": (stage or "ingresado") if public else None}


def case_reserved(case_number, version, matter="amparo", court_id=SUPREME):
    return {"case_number": case_number, "court_id": court_id, "matter": matter, "reason": "Protección de menores",
            "reserved_at": iso(datetime.datetime.now(UTC)), "reserved_by": {"sub": "juez", "name": "Juez"},
            "case_version": version}


def resolution(case_number, version, stage=None, matter="amparo", court_id=SUPREME, court_name=SUPREME_NAME,
               reserved=False, content=None, folio=None, kind="auto", summary="Se admite para su trámite",
               issued_at=None):
    content = content or f"%PDF-1.4 resolución {uuid.uuid4().hex}".encode()
    return {"resolution_id": uuid.uuid4().hex, "case_number": case_number, "court_id": court_id,
            "court_name": court_name, "kind": kind, "summary": summary, "term_days": None,
            "folio": folio or version, "document_id": uuid.uuid4().hex,
            "document_sha256": hashlib.sha256(content).hexdigest(), "document_size": len(content),
            "document_filename": "resolucion.pdf",
            "issued_at": iso(issued_at or datetime.datetime.now(UTC) + datetime.timedelta(seconds=version)),
            "issued_by": {"sub": "juez", "name": "Juez"}, "recipients": [], "matter": matter, "stage": stage,
            "case_version": version, "case_reserved": reserved}


def hearing(case_number, version, hearing_id=None, starts_at=None, status="programada", matter="amparo",
            court_id=SUPREME, court_name=SUPREME_NAME, room="Sala 1", reason=None, reserved=False, duration=60,
            kind="vista", mode="presencial", parties=None):
    starts_at = starts_at or datetime.datetime.now(UTC).replace(microsecond=0) + datetime.timedelta(days=3)
    public = matter in ("amparo", "antejuicio")
    return {"hearing_id": hearing_id or uuid.uuid4().hex, "version": version, "case_number": case_number,
            "court_id": court_id, "court_name": court_name, "matter": matter, "kind": kind,
            "starts_at": iso(starts_at), "duration_minutes": duration, "room": room, "mode": mode, "status": status,
            "reason": reason, "changed_at": iso(datetime.datetime.now(UTC)), "case_reserved": reserved,
            "public_parties": (parties or [{"name": "María José Peña Gómez", "role": "postulante", "office": None}])
            if public else None}


def event(event_type, data, event_id=None):
    return envelope(data, event_id=event_id, event_type=event_type)


class QueriesDb:
    """The read model's database, as a test looks at it."""

    def __init__(self, stack):
        self.db = stack.db("queries")

    @property
    def current(self):
        return self.db.meta.find_one({"_id": "generation"})["current"]

    def col(self, kind, generation=None):
        return self.db[collection_name(generation or self.current, kind)]

    def hearing(self, hearing_id):
        return self.col("hearings").find_one({"_id": hearing_id})

    def case(self, case_number):
        return self.col("cases").find_one({"_id": case_number})

    def applied(self, event_id, consumer):
        return self.db.inbox.find_one({"_id": f"{consumer}:{event_id}"}) is not None
