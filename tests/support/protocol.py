"""Helpers of the notarial protocol archive's tests: identities, a registered notary, deposits, copies."""
import datetime
import itertools
import json
import random
import time
import zoneinfo

from tests.support.pdfgen import make_pdf

_bar_numbers = itertools.count(random.randrange(10_000, 80_000, 100))
TZ = zoneinfo.ZoneInfo("America/Guatemala")


def today():
    return datetime.datetime.now(TZ).date()


def officer(stack, sub="agp.oficial"):
    return stack.token(sub, "archive_officer", name="Oficial del Archivo General de Protocolos")


def notary_token(stack, bar_number, name="Notario de Prueba"):
    return stack.token(f"notario-{bar_number}", "notary", name=name, bar_number=bar_number)


def fresh_bar_number():
    """A bar number no notary of this run has."""
    return str(next(_bar_numbers))


def new_notary(api, stack, name="Lucía Fernández Ortiz"):
    """A registered, active notary: (bar number, token)."""
    bar_number = fresh_bar_number()
    response = api.post_json("/api/v1/protocol/notaries",
                             {"bar_number": bar_number, "name": name, "registered_at": "2010-01-15"}, officer(stack))
    assert response.status_code == 201, response.text
    return bar_number, notary_token(stack, bar_number, name)


def metadata(number, authorized_at=None, act_type="compraventa", grantors=None, **overrides):
    authorized_at = authorized_at or today()
    body = {"year": authorized_at.year, "number": number, "authorized_at": authorized_at.isoformat(),
            "place": "Ciudad de Guatemala", "act_type": act_type,
            "grantors": grantors or [{"name": "Juan Vendedor", "id_number": "1234567890101", "role": "vendedor"}],
            "summary": "Compraventa de inmueble en la zona 10", "pages": 2}
    body.update(overrides)
    return body


def deposit(api, token, meta, pdf=None, filename="testimonio.pdf", headers=None):
    return api.post_multipart("/api/v1/protocol/instruments", json.dumps(meta),
                              [(filename, pdf if pdf is not None else make_pdf(pages=2, text="Testimonio especial"))],
                              token, document_field="document", headers=headers)


def wait_copy(api, token, copy_id, status="issued", timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        response = api.get(f"/api/v1/protocol/copies/{copy_id}", token)
        assert response.status_code == 200, response.text
        if response.json()["status"] == status:
            return response.json()
        assert time.monotonic() < deadline, f"copy not {status} in {timeout} s: {response.json()}"
        time.sleep(0.1)
