"""Certificates (``certificates``), their serial counter (``counters``) and the e-mails that carry them
(``emails`` work queue).

Issuing is two steps, so a retried issuance produces the same certificate: ``reserve`` writes on the request
the identity of its certificate (id, serial, verification code, download code) once; ``issue`` writes the
certificate and moves the request from ``paid`` to ``issued`` in one transaction, conditional on the request
still being ``paid`` (a second issuance of the same request changes nothing), with its ``certificate_issued``
event and, when the citizen gave an e-mail, the e-mail job. A certificate is never edited but for its
revocation (``revoked_at``, ``revoked_by``, ``revocation_reason``, set once); the registry's later changes do
not touch it: it holds the records as they stood when it was issued.
"""
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from services.certificates import domain
from services.certificates.store.common import SOURCE, new_id
from services.runtime.mongo import utcnow
from services.runtime.workqueue import WorkQueue

EMAILS = "emails"


class Certificates:
    indexes = {
        "certificates": [IndexModel([("request_id", ASCENDING)], unique=True),
                         IndexModel([("verification_code", ASCENDING)], unique=True),
                         IndexModel([("download_code_hash", ASCENDING)], unique=True,
                                    partialFilterExpression={"download_code_hash": {"$type": "string"}}),
                         IndexModel([("sha256", ASCENDING)]),
                         IndexModel([("sub", ASCENDING), ("issued_at", DESCENDING)])],
        EMAILS: [*WorkQueue.indexes()],
    }

    def email_queue(self, policy=None, owner=None):
        return WorkQueue(self.db[EMAILS], policy, owner, done_status="sent", done_at="sent_at")

    def reserve(self, request, now):
        """The certificate's identity, written on the request once (a retry reuses it)."""
        if request.get("certificate_id") and request.get("serial"):
            return request
        counter = self.db.counters.find_one_and_update({"_id": f"serial-{now.year}"}, {"$inc": {"value": 1}},
                                                       upsert=True, return_document=ReturnDocument.AFTER)
        identity = {"certificate_id": new_id(), "serial": domain.serial_text(now.year, counter["value"]),
                    "verification_code": domain.new_verification_code(),
                    "download_code": None if request.get("email") else domain.new_download_code()}
        self.db.requests.update_one({"_id": request["_id"], "certificate_id": None}, {"$set": identity})
        return self.db.requests.find_one({"_id": request["_id"]})

    def issue(self, request, certificate):
        """Store the certificate and mark the request issued, once. Returns the certificate stored (the
        earlier one when the request was issued already)."""
        def work(tx):
            moved = self.db.requests.update_one(
                {"_id": request["_id"], "status": domain.PAID},
                {"$set": {"status": domain.ISSUED, "issued_at": certificate["issued_at"]},
                 "$unset": {"open_key": ""}}, session=tx.session)
            if not moved.modified_count:
                return self.db.certificates.find_one({"request_id": request["_id"]}, session=tx.session), False
            self.db.certificates.insert_one(certificate, session=tx.session)
            tx.emit(SOURCE, "certificate_issued", {
                "certificate_id": certificate["_id"], "request_id": request["_id"], "serial": certificate["serial"],
                "result": certificate["result"], "record_count": len(certificate["records"]),
                "issued_at": domain.iso(certificate["issued_at"]),
                "valid_until": domain.iso(certificate["valid_until"])})
            if request.get("email"):
                self.db[EMAILS].insert_one(self.email_queue().new_job(
                    {"certificate_id": certificate["_id"], "email": request["email"]},
                    certificate["issued_at"], job_id=certificate["_id"]), session=tx.session)
            return certificate, True
        return self.transaction(work)

    def certificate(self, certificate_id):
        return self.db.certificates.find_one({"_id": certificate_id})

    def certificate_by_code(self, verification_code):
        return self.db.certificates.find_one({"verification_code": verification_code}, {"document": 0})

    def certificate_by_download_code(self, code):
        return self.db.certificates.find_one({"download_code_hash": domain.code_hash(code)})

    def certificates_by_digest(self, sha256):
        return list(self.db.certificates.find({"sha256": sha256}, {"document": 0}).limit(2))

    def certificates_of(self, sub, limit=100):
        return list(self.db.certificates.find({"sub": sub}, {"document": 0}).sort("issued_at", -1).limit(limit))

    def revoke(self, certificate_id, reason, actor_person):
        """Set the revocation once; returns (certificate, revoked_now)."""
        now = utcnow()
        done = self.db.certificates.find_one_and_update(
            {"_id": certificate_id, "revoked_at": None},
            {"$set": {"revoked_at": now, "revoked_by": actor_person, "revocation_reason": reason}},
            projection={"document": 0}, return_document=ReturnDocument.AFTER)
        if done is not None:
            return done, True
        return self.db.certificates.find_one({"_id": certificate_id}, {"document": 0}), False
