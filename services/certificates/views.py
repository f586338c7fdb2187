"""How the service shows what it stores: the API's shapes (contracts.certificates) of records, requests and
certificates. Plain functions of the stored documents."""
from services.certificates import domain


def record_view(record, cancellation=None):
    return {"record_id": record["_id"], "name": record["name"], "id_number": record["id_number"],
            "case_number": record["case_number"], "court": record["court"], "offences": record["offences"],
            "penalty": record["penalty"], "sentence_date": record["sentence_date"],
            "final_date": record["final_date"], "source": record["source"],
            "recorded_at": domain.iso(record["recorded_at"]),
            "status": "cancelado" if cancellation else "vigente",
            "cancellation": cancellation_view(cancellation) if cancellation else None}


def cancellation_view(cancellation):
    return {"reason": cancellation["reason"], "note": cancellation["note"],
            "cancelled_at": domain.iso(cancellation["cancelled_at"]), "cancelled_by": cancellation["cancelled_by"],
            "document": cancellation["document"]}


def certified_record(record):
    """A record as a certificate states it (frozen in the certificate)."""
    return {"record_id": record["_id"], "case_number": record["case_number"], "court": record["court"],
            "offences": list(record["offences"]), "penalty": record["penalty"],
            "sentence_date": record["sentence_date"], "final_date": record["final_date"]}


def request_view(request, now):
    status = domain.request_status(request, now)
    issued = status == domain.ISSUED
    return {"request_id": request["_id"], "status": status,
            "payment": {"reference": request["reference"], "amount": request["amount"],
                        "currency": request["currency"], "expires_at": domain.iso(request["expires_at"])},
            "email": request.get("email"), "requested_at": domain.iso(request["requested_at"]),
            "paid_at": domain.iso(request.get("paid_at")),
            "certificate_id": request.get("certificate_id") if issued else None,
            "download_code": request.get("download_code") if issued else None}


def certificate_view(certificate):
    return {"certificate_id": certificate["_id"], "request_id": certificate["request_id"],
            "serial": certificate["serial"], "verification_code": certificate["verification_code"],
            "status": "revoked" if certificate.get("revoked_at") else "issued", "result": certificate["result"],
            "records": certificate["records"], "issued_at": domain.iso(certificate["issued_at"]),
            "valid_until": domain.iso(certificate["valid_until"])}


def public_view(certificate, code, now):
    """What anyone holding the code may see: never the whole CUI, never the records."""
    status = domain.certificate_status(certificate, now)
    if certificate is None:
        return {"status": status, "verification_code": code, "name": None, "id_number": None, "serial": None,
                "result": None, "issued_at": None, "valid_until": None}
    return {"status": status, "verification_code": certificate["verification_code"], "name": certificate["name"],
            "id_number": domain.mask_cui(certificate["id_number"]), "serial": certificate["serial"],
            "result": certificate["result"], "issued_at": domain.iso(certificate["issued_at"]),
            "valid_until": domain.iso(certificate["valid_until"])}


def document_info(certificate):
    return {"document_id": certificate["_id"], "filename": f"constancia-{certificate['serial']}.pdf",
            "size": certificate["size"], "sha256": certificate["sha256"]}
