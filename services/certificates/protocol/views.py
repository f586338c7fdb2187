"""How the protocol archive shows what it stores (contracts.protocol). Plain functions of stored documents."""
from services.certificates.domain import iso
from services.certificates.protocol import domain


def notary_view(notary):
    return {"bar_number": notary["_id"], "name": notary["name"], "registered_at": notary["registered_at"],
            "status": notary["status"], "status_since": notary["status_since"],
            "status_reason": notary.get("status_reason"),
            "history": [{"status": h["status"], "since": h["since"], "reason": h["reason"], "at": iso(h["at"]),
                         "by": h["by"]} for h in notary.get("history", [])]}


def instrument_view(instrument, actor):
    """The index data; a will shows only that it exists to anyone but its notary and AGP staff. Never a
    grantor's id number."""
    full = domain.sees_everything(instrument, actor)
    return {"instrument_id": instrument["_id"], "bar_number": instrument["bar_number"],
            "notary_name": instrument["notary_name"], "year": instrument["year"], "number": instrument["number"],
            "version": instrument["version"], "authorized_at": instrument["authorized_at"],
            "place": instrument["place"], "act_type": instrument["act_type"],
            "grantors": [{"name": g["name"], "role": g["role"]} for g in instrument["grantors"]] if full else [],
            "summary": instrument["summary"] if full else None, "secret": domain.is_secret(instrument),
            "pages": instrument["document"]["pages"], "deposited_at": iso(instrument["deposited_at"])}


def deposit_view(instrument, actor):
    document = instrument["document"]
    return {**instrument_view(instrument, actor), "deadline": instrument["deadline"],
            "extemporaneo": instrument["extemporaneo"], "business_days_late": instrument["business_days_late"],
            "review": instrument["review"], "review_reason": instrument.get("review_reason"),
            "current": instrument["current"], "supersedes": instrument.get("supersedes"),
            "document": {"filename": document["filename"], "size": document["size"], "sha256": document["sha256"],
                         "pages": document["pages"]}}


def copy_view(copy, now):
    return {"copy_id": copy["_id"], "instrument_id": copy["instrument_id"], "kind": copy["kind"],
            "purpose": copy["purpose"], "status": domain.copy_status(copy, now),
            "needs_approval": copy["needs_approval"], "pages": copy["pages"],
            "payment": {"reference": copy["reference"], "amount": copy["amount"], "currency": copy["currency"],
                        "expires_at": iso(copy["expires_at"])},
            "requested_at": iso(copy["requested_at"]), "paid_at": iso(copy.get("paid_at")),
            "approved_at": iso(copy.get("approved_at")), "issued_at": iso(copy.get("issued_at")),
            "serial": copy.get("serial") if copy.get("issued_at") else None,
            "verification_code": copy.get("verification_code") if copy.get("issued_at") else None}


def copy_public_view(copy, instrument):
    """What anyone holding a copy's verification code may see (the certificates' public shape): the
    instrument it certifies, never its grantors."""
    label = "Testimonio" if copy["kind"] == domain.TESTIMONIO else "Copia simple certificada"
    name = (f"{label} del instrumento {instrument['number']}/{instrument['year']} del notario "
            f"{instrument['notary_name']} (colegiado {instrument['bar_number']})")
    return {"status": "revoked" if copy.get("revoked_at") else "valid",
            "verification_code": copy["verification_code"], "name": name, "id_number": None,
            "serial": copy["serial"], "result": copy["kind"], "issued_at": iso(copy["issued_at"]),
            "valid_until": None}


def copy_document_info(copy):
    return {"document_id": copy["_id"], "filename": f"copia-{copy['serial']}.pdf", "size": copy["size"],
            "sha256": copy["sha256"]}
