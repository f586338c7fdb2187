"""Helpers of the certificates tests: valid CUIs, identities with a CUI, certificates issued and paid, PDFs checked
with poppler."""
import itertools
import os
import random
import shutil
import subprocess
import tempfile
import time

from services.certificates import domain
from tests.support.bank import BankSimulator

_numbers = itertools.count(random.randrange(10_000_000, 90_000_000, 1000))


def new_cui(department="01", municipality="01"):
    """A CUI that passes every rule, different each time."""
    while True:
        first = f"{next(_numbers) % 100_000_000:08d}"
        check = domain.cui_check_digit(first)
        if check < 10:
            return f"{first}{check}{department}{municipality}"


def citizen(stack, cui=None, name="Ciudadana de Prueba", sub=None):
    cui = cui or new_cui()
    return stack.token(sub or f"ciudadano-{cui}", "citizen", name=name, id_number=cui), cui


def officer(stack, sub="unap.oficial"):
    return stack.token(sub, "records_officer", name="Oficial de la UNAP")


def pdfsig(data):
    """poppler's pdfsig report of ``data``."""
    assert shutil.which("pdfsig"), "pdfsig (poppler-utils) is needed: make test installs it"
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as handle:
        handle.write(data)
    try:
        return subprocess.run(["pdfsig", handle.name], capture_output=True, text=True, timeout=30).stdout
    finally:
        os.unlink(handle.name)


def pdftext(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as handle:
        handle.write(data)
    try:
        return subprocess.run(["pdftotext", handle.name, "-"], capture_output=True, text=True, timeout=30).stdout
    finally:
        os.unlink(handle.name)


def wait_issued(api, token, request_id, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        response = api.get(f"/api/v1/certificates/requests/{request_id}", token)
        assert response.status_code == 200, response.text
        if response.json()["status"] == "issued":
            return response.json()
        assert time.monotonic() < deadline, f"not issued in {timeout} s: {response.json()}"
        time.sleep(0.1)


def issued_certificate(api, stack, name="Ciudadana de Prueba"):
    """A citizen's certificate, asked for through the API and paid by the loopback bank: ``{"token", "cui",
    "certificate"`` (as its holder lists it) ``, "pdf"}`` (the signed PDF the registry issued)."""
    token, cui = citizen(stack, name=name)
    asked = api.post_json("/api/v1/certificates/requests", {}, token)
    assert asked.status_code == 201, asked.text
    paid = BankSimulator(stack.url).pay(asked.json()["payment"]["reference"])
    assert paid.status_code == 200, paid.text
    issued = wait_issued(api, token, asked.json()["request_id"])
    certificate = next(c for c in api.get("/api/v1/certificates", token).json()["items"]
                       if c["certificate_id"] == issued["certificate_id"])
    pdf = api.get(f"/api/v1/certificates/{issued['certificate_id']}/document", token)
    assert pdf.status_code == 200, pdf.text
    return {"token": token, "cui": cui, "certificate": certificate, "pdf": pdf.content}


def record_body(cui, case_number="01010-2020-00001", name="Persona Condenada", **overrides):
    body = {"name": name, "id_number": cui, "case_number": case_number, "court": "Juzgado Primero Penal",
            "offences": ["Robo agravado"], "penalty": "5 años de prisión", "sentence_date": "2020-03-01",
            "final_date": "2020-04-01"}
    body.update(overrides)
    return body
