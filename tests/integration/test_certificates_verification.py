"""Forged certificates against both verification endpoints: a byte changed after signing, a valid-looking PDF
signed by another key, and a genuine PDF of a revoked certificate."""
import datetime
from zoneinfo import ZoneInfo

import pytest

from services.certificates import domain
from services.certificates.document import CertificateContent, render
from services.certificates.signing import Signer, generate_development_pair
from tests.support.bank import BankSimulator
from tests.support.certificates import citizen, officer, pdfsig, wait_issued

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def genuine(api, stack):
    token, cui = citizen(stack, name="Laura Verificable")
    request = api.post_json("/api/v1/certificates/requests", {}, token).json()
    assert BankSimulator(stack.url).pay(request["payment"]["reference"]).status_code == 200
    issued = wait_issued(api, token, request["request_id"])
    certificate = next(c for c in api.get("/api/v1/certificates", token).json()["items"]
                       if c["certificate_id"] == issued["certificate_id"])
    pdf = api.get(f"/api/v1/certificates/{issued['certificate_id']}/document", token).content
    return {"token": token, "cui": cui, "certificate": certificate, "pdf": pdf}


def verify_pdf(api, data):
    response = api.post_multipart("/api/v1/public/certificates/verify", {}, [("constancia.pdf", data)],
                                  document_field="document")
    assert response.status_code == 200, response.text
    return response.json()


def by_code(api, code):
    response = api.get(f"/api/v1/public/certificates/{code}")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_genuine_pdf_verifies(api, genuine):
    verdict = verify_pdf(api, genuine["pdf"])
    assert (verdict["signature"], verdict["registry"], verdict["status"]) == ("valid", "issued", "valid")
    assert verdict["certificate"]["id_number"] == "*********" + genuine["cui"][-4:]


def test_a_byte_changed_after_signing(api, genuine):
    changed = bytearray(genuine["pdf"])
    changed[genuine["pdf"].index(b"/Helvetica-Bold") + 3] ^= 0x01
    changed = bytes(changed)
    assert "Signature is Valid." not in pdfsig(changed)
    verdict = verify_pdf(api, changed)
    assert verdict["signature"] == "invalid" and verdict["registry"] == "not_issued"
    assert verdict["certificate"] is None and verdict["status"] == "unknown"
    # the code printed on it is still the genuine one: the registry says what was really issued
    assert by_code(api, genuine["certificate"]["verification_code"])["status"] == "valid"


def test_a_pdf_signed_by_another_key(api):
    now = datetime.datetime.now(datetime.timezone.utc)
    code = domain.new_verification_code()
    forged = Signer(*generate_development_pair()).sign(render(CertificateContent(
        serial="UNAP-2026-9999999", verification_code=code, name="Falso Limpio", id_number="1580352240101",
        records=[], issued_at=now, valid_until=now + datetime.timedelta(days=180),
        verify_url=f"http://127.0.0.1/api/v1/public/certificates/{code}", local_tz=ZoneInfo("America/Guatemala"))))
    assert "Signature is Valid." in pdfsig(forged)  # cryptographically fine, but not ours
    verdict = verify_pdf(api, forged)
    assert verdict["signature"] == "untrusted" and verdict["registry"] == "not_issued"
    assert verdict["status"] == "unknown"
    assert by_code(api, code)["status"] == "unknown"


def test_a_genuine_pdf_of_a_revoked_certificate(api, stack, genuine):
    unap = officer(stack)
    certificate_id = genuine["certificate"]["certificate_id"]
    assert api.post_json(f"/api/v1/certificates/{certificate_id}/revoke", {"reason": "Emitida por error"},
                         genuine["token"]).status_code == 403
    revoked = api.post_json(f"/api/v1/certificates/{certificate_id}/revoke", {"reason": "Emitida por error"}, unap)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    again = api.post_json(f"/api/v1/certificates/{certificate_id}/revoke", {"reason": "Otra vez"}, unap)
    assert again.status_code == 409 and again.json()["error"] == "already_revoked"
    verdict = verify_pdf(api, genuine["pdf"])
    assert (verdict["signature"], verdict["registry"], verdict["status"]) == ("valid", "issued", "revoked")
    assert by_code(api, genuine["certificate"]["verification_code"])["status"] == "revoked"


def test_what_is_not_a_pdf_is_refused(api):
    response = api.post_multipart("/api/v1/public/certificates/verify", {}, [("constancia.pdf", b"GIF89a....")],
                                  document_field="document")
    assert response.status_code == 415 and response.json()["error"] == "pdf_not_pdf"
    assert by_code(api, "0000-0000-0000")["status"] == "unknown"
    assert api.get("/api/v1/public/certificates/no-es-un-codigo").status_code == 404
