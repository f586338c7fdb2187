"""Hostile input for every endpoint of the electronic case file.

Each case asserts what a client relies on: the HTTP status, the stable
``error`` code, a ``message`` in Spanish for the person in front of the
screen, ``details`` naming the offending field, and that nothing at all was
stored: no case, filing, resolution, document (GridFS files and chunks),
Idempotency-Key record, event in the outbox or case number spent.
"""
import json
import re
import uuid
from contextlib import contextmanager
from types import SimpleNamespace
from urllib.parse import quote

import pytest

from tests.support.pdfgen import (make_corrupt_pdf, make_encrypted_pdf, make_exe, make_hostile_pdf, make_html, make_pdf,
                                  make_png, make_truncated_pdf, make_zero_page_pdf, make_zip)
from tests.support.filings_state import snapshot

MiB = 1024 * 1024
MAX_DOCUMENT_BYTES = 3 * MiB  # the test stack's limit (tests/support/stack.py)
MAX_DOCUMENTS = 10

# --- what every error must look like ---------------------------------------------------
_SPANISH = re.compile(r"[áéíóúñ¿¡]|\b(el|la|los|las|de|del|un|una|no|debe|en|con|se|que|por|para|su|es|este|esta|ya|al|"
                      r"o|y|campo|parte|partes|documento|solicitud)\b", re.IGNORECASE)
_ENGLISH = re.compile(r"\b(the|is|are|must|should|invalid|missing|unknown|field|required|please|not|too|large|error|"
                      r"file|request|body|allowed|valid)\b", re.IGNORECASE)
_LIBRARY_ENGLISH = re.compile(r"Not a valid|Missing data|Unknown field|Field may not|Length must|Must be one of|"
                              r"Invalid input|must be|is required", re.IGNORECASE)


def assert_spanish(text):
    assert isinstance(text, str) and text.strip(), text
    assert _SPANISH.search(text), f"not Spanish: {text!r}"
    assert not _ENGLISH.search(text), f"English words in: {text!r}"


def assert_error(response, status, code, field=None, **details):
    """The error response a client can rely on; returns its body."""
    assert response.status_code == status, response.text[:2000]
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message", "details"}, body
    assert body["error"] == code, body
    assert_spanish(body["message"])
    assert isinstance(body["details"], dict)
    fields = body["details"].get("fields", {})
    for path, message in fields.items():
        assert isinstance(message, str) and not _LIBRARY_ENGLISH.search(message), (path, message)
    if field is not None:
        assert field in fields or field in body["details"], f"{field!r} not named in {body['details']}"
    for key, value in details.items():
        assert body["details"].get(key) == value, body["details"]
    return body


# --- nothing stored ---------------------------------------------------------------------


@contextmanager
def nothing_stored(stack):
    before = snapshot(stack)
    yield
    assert snapshot(stack) == before


# --- raw multipart, so that every byte of a hostile request is under the test's control ---------
def multipart(parts):
    """``parts``: (name, filename or None, data, content_type or None). Returns (body, content_type header).

    Filenames travel as RFC 5987 ``filename*`` when they are not plain ASCII, so
    that NUL, control characters and backslashes arrive exactly as written."""
    boundary = "portal-" + uuid.uuid4().hex
    body = bytearray()
    for name, filename, data, content_type in parts:
        body += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            plain = filename.isascii() and filename.isprintable() and not any(c in filename for c in '"\\%')
            disposition += f'; filename="{filename}"' if plain else f"; filename*=UTF-8''{quote(filename, safe='')}"
        body += f"Content-Disposition: {disposition}\r\n".encode()
        if content_type:
            body += f"Content-Type: {content_type}\r\n".encode()
        body += b"\r\n" + (data if isinstance(data, bytes) else data.encode("utf-8")) + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={boundary}"


def post_parts(api, path, token, parts, headers=None):
    body, content_type = multipart(parts)
    return api.http.post(api.url + path, data=body, timeout=60,
                         headers={**api.auth(token), "Content-Type": content_type, **(headers or {})})


def metadata_part(metadata):
    raw = metadata if isinstance(metadata, (str, bytes)) else json.dumps(metadata)
    return ("metadata", None, raw, "application/json")


def pdf_part(field="documents", filename="escrito.pdf", data=None, seed=None):
    return (field, filename, data if data is not None else make_pdf(seed=seed or uuid.uuid4().hex), "application/pdf")


# --- the three upload endpoints, described once ------------------------------------------------
@pytest.fixture(scope="module")
def world(api):
    lawyer = api.lawyer("hostil.abogado", name="Lic. Hostil")
    clerk = api.clerk("01001", sub="hostil.secretario")
    judge = api.judge("01001", sub="hostil.juez")
    opened = api.accepted_case(lawyer, clerk)
    pending = api.file(lawyer, opened["case_number"], summary="Escrito pendiente de calificar")
    assert pending.status_code == 201, pending.text
    return SimpleNamespace(lawyer=lawyer, clerk=clerk, judge=judge, case_number=opened["case_number"],
                           accepted_filing=opened["receipt"]["filing_id"], pending_filing=pending.json()["filing_id"])


CASE_METADATA = {"court_id": "01001", "matter": "civil", "subject": "Juicio ordinario de cobro de pesos",
                 "parties": [{"name": "Actor Uno, S.A.", "role": "actor"},
                             {"name": "Demandado Dos", "role": "demandado", "id_number": "1234567890101"}],
                 "represents": "Actor Uno, S.A."}
FILING_METADATA = {"kind": "escrito", "summary": "Memorial de evacuación de audiencia"}
RESOLUTION_METADATA = {"kind": "decreto", "summary": "Se tiene por evacuada la audiencia", "term_days": 3}


def upload_endpoint(name, world):
    """(path, token, valid metadata, document field, max documents) of an upload endpoint."""
    if name == "open_case":
        return "/api/v1/cases", world.lawyer, CASE_METADATA, "documents", MAX_DOCUMENTS
    if name == "file":
        return f"/api/v1/cases/{world.case_number}/filings", world.lawyer, FILING_METADATA, "documents", MAX_DOCUMENTS
    return f"/api/v1/cases/{world.case_number}/resolutions", world.judge, RESOLUTION_METADATA, "document", 1


UPLOADS = ["open_case", "file", "resolve"]


def test_the_valid_requests_these_cases_vary_are_accepted(api, world):
    """The baseline: each hostile case below changes one thing in one of these."""
    for name in UPLOADS:
        path, token, metadata, field, _ = upload_endpoint(name, world)
        response = post_parts(api, path, token, [metadata_part(metadata), pdf_part(field)])
        assert response.status_code == 201, (name, response.text)


# --- metadata: malformed, wrong shape, missing, extra, wrong types, huge -------------------------------
def _with(base, **changes):
    data = dict(base)
    for key, value in changes.items():
        if value is _DROP:
            data.pop(key, None)
        else:
            data[key] = value
    return data


_DROP = object()
NESTED = "[" * 100_000 + "]" * 100_000  # 200 KB, under the metadata limit

BAD_METADATA = [
    # (endpoint, id, metadata, status, code, field)
    *[(ep, "malformed-json", '{"kind": "escrito", "summary": ', 400, "malformed_json", "metadata") for ep in UPLOADS],
    *[(ep, "trailing-garbage", '{"kind": "escrito"} x', 400, "malformed_json", "metadata") for ep in UPLOADS],
    # Latin-1, as some Windows clients send it: must not be stored as "evacuaci\ufffdn"
    *[(ep, "not-utf8", '{"kind": "escrito", "summary": "Memorial de evacuación"}'.encode("latin-1"), 400, "malformed_json",
       "metadata") for ep in UPLOADS],
    *[(ep, "deeply-nested", NESTED, 400, "malformed_json", "metadata") for ep in UPLOADS],
    *[(ep, "array", "[]", 422, "validation_error", "metadata") for ep in UPLOADS],
    *[(ep, "string", '"escrito"', 422, "validation_error", "metadata") for ep in UPLOADS],
    *[(ep, "number", "3", 422, "validation_error", "metadata") for ep in UPLOADS],
    *[(ep, "null", "null", 422, "validation_error", "metadata") for ep in UPLOADS],
    *[(ep, "empty", "", 400, "malformed_json", "metadata") for ep in UPLOADS],
    # open a case
    ("open_case", "missing-all", {}, 422, "validation_error", "court_id"),
    ("open_case", "missing-court", _with(CASE_METADATA, court_id=_DROP), 422, "validation_error", "court_id"),
    ("open_case", "missing-matter", _with(CASE_METADATA, matter=_DROP), 422, "validation_error", "matter"),
    ("open_case", "missing-subject", _with(CASE_METADATA, subject=_DROP), 422, "validation_error", "subject"),
    ("open_case", "missing-parties", _with(CASE_METADATA, parties=_DROP), 422, "validation_error", "parties"),
    ("open_case", "missing-represents", _with(CASE_METADATA, represents=_DROP), 422, "validation_error", "represents"),
    ("open_case", "extra-field", _with(CASE_METADATA, priority="alta"), 422, "validation_error", "priority"),
    ("open_case", "extra-operator-field", _with(CASE_METADATA, **{"$where": "1"}), 422, "validation_error", "$where"),
    ("open_case", "extra-party-field", _with(CASE_METADATA, parties=[{"name": "A", "role": "actor", "x": 1}], represents="A"),
     422, "validation_error", "parties.0.x"),
    ("open_case", "parties-string", _with(CASE_METADATA, parties="Actor Uno, S.A."), 422, "validation_error", "parties"),
    ("open_case", "parties-empty", _with(CASE_METADATA, parties=[]), 422, "validation_error", "parties"),
    ("open_case", "party-not-object", _with(CASE_METADATA, parties=["Actor Uno, S.A."]), 422, "validation_error",
     "parties.0._schema"),
    ("open_case", "party-bad-role", _with(CASE_METADATA, parties=[{"name": "A", "role": "juez"}], represents="A"),
     422, "validation_error", "parties.0.role"),
    ("open_case", "party-bad-id-number", _with(CASE_METADATA, parties=[{"name": "A", "role": "actor", "id_number": "1;2"}],
                                               represents="A"), 422, "validation_error", "parties.0.id_number"),
    ("open_case", "parties-duplicated", _with(CASE_METADATA, parties=[{"name": "A", "role": "actor"},
                                                                      {"name": "a", "role": "demandado"}], represents="A"),
     422, "validation_error", "parties"),
    ("open_case", "too-many-parties", _with(CASE_METADATA, parties=[{"name": f"P{i}", "role": "tercero"} for i in range(51)],
                                            represents="P0"), 422, "validation_error", "parties"),
    ("open_case", "represents-not-a-party", _with(CASE_METADATA, represents="Fulano de Tal"), 422, "validation_error",
     "represents"),
    ("open_case", "court-id-number", _with(CASE_METADATA, court_id=1001), 422, "validation_error", "court_id"),
    ("open_case", "court-id-malformed", _with(CASE_METADATA, court_id="01001; DROP"), 422, "validation_error", "court_id"),
    ("open_case", "court-id-object", _with(CASE_METADATA, court_id={"$ne": None}), 422, "validation_error", "court_id"),
    ("open_case", "matter-unknown", _with(CASE_METADATA, matter="tributario"), 422, "validation_error", "matter"),
    ("open_case", "subject-list", _with(CASE_METADATA, subject=["a"]), 422, "validation_error", "subject"),
    ("open_case", "subject-empty", _with(CASE_METADATA, subject=""), 422, "validation_error", "subject"),
    ("open_case", "subject-501", _with(CASE_METADATA, subject="x" * 501), 422, "validation_error", "subject"),
    ("open_case", "subject-lone-surrogate", _with(CASE_METADATA, subject="Cobro \ud800"), 400, "malformed_json", "subject"),
    ("open_case", "subject-nul", _with(CASE_METADATA, subject="Cobro\x00 de pesos"), 422, "validation_error", "subject"),
    ("open_case", "party-name-nul", _with(CASE_METADATA, parties=[{"name": "Actor Uno, S.A.", "role": "actor"},
                                                                   {"name": "Demandado\x00", "role": "demandado"}]),
     422, "validation_error", "parties.1.name"),
    ("open_case", "subject-1MB", _with(CASE_METADATA, subject="x" * MiB), 413, "payload_too_large", "metadata"),
    ("open_case", "metadata-300KB", _with(CASE_METADATA, parties=[{"name": "p" * 150, "role": "tercero"}] * 2000),
     413, "payload_too_large", "metadata"),
    # file a writ
    ("file", "missing-all", {}, 422, "validation_error", "kind"),
    ("file", "missing-kind", _with(FILING_METADATA, kind=_DROP), 422, "validation_error", "kind"),
    ("file", "missing-summary", _with(FILING_METADATA, summary=_DROP), 422, "validation_error", "summary"),
    ("file", "extra-field", _with(FILING_METADATA, urgent=True), 422, "validation_error", "urgent"),
    ("file", "extra-case-number", _with(FILING_METADATA, case_number="01002-2026-00001"), 422, "validation_error",
     "case_number"),
    ("file", "kind-demanda", _with(FILING_METADATA, kind="demanda"), 422, "validation_error", "kind"),
    ("file", "kind-number", _with(FILING_METADATA, kind=1), 422, "validation_error", "kind"),
    ("file", "summary-number", _with(FILING_METADATA, summary=5), 422, "validation_error", "summary"),
    ("file", "summary-object", _with(FILING_METADATA, summary={"$gt": ""}), 422, "validation_error", "summary"),
    ("file", "summary-1001", _with(FILING_METADATA, summary="x" * 1001), 422, "validation_error", "summary"),
    ("file", "summary-lone-surrogate", _with(FILING_METADATA, summary="\udfff"), 400, "malformed_json", "summary"),
    ("file", "summary-nul", _with(FILING_METADATA, summary="\x00"), 422, "validation_error", "summary"),
    ("file", "party-lone-surrogate", _with(FILING_METADATA, kind="apersonamiento", represents="\ud83d"), 400,
     "malformed_json", "represents"),
    ("file", "summary-1MB", _with(FILING_METADATA, summary="x" * MiB), 413, "payload_too_large", "metadata"),
    ("file", "metadata-300KB", _with(FILING_METADATA, padding="x" * 300 * 1024), 413, "payload_too_large", "metadata"),
    ("file", "represents-number", _with(FILING_METADATA, represents=7), 422, "validation_error", "represents"),
    ("file", "appearance-without-represents", _with(FILING_METADATA, kind="apersonamiento"), 422, "validation_error",
     "represents"),
    # issue a resolution
    ("resolve", "missing-all", {}, 422, "validation_error", "kind"),
    ("resolve", "missing-summary", _with(RESOLUTION_METADATA, summary=_DROP), 422, "validation_error", "summary"),
    ("resolve", "extra-field", _with(RESOLUTION_METADATA, recipients=["x"]), 422, "validation_error", "recipients"),
    ("resolve", "kind-unknown", _with(RESOLUTION_METADATA, kind="providencia"), 422, "validation_error", "kind"),
    ("resolve", "term-days-string", _with(RESOLUTION_METADATA, term_days="3"), 422, "validation_error", "term_days"),
    ("resolve", "term-days-float", _with(RESOLUTION_METADATA, term_days=3.5), 422, "validation_error", "term_days"),
    ("resolve", "term-days-beyond-64-bits", _with(RESOLUTION_METADATA, term_days=2 ** 64 + 3), 422, "validation_error",
     "term_days"),
    ("resolve", "term-days-bool", _with(RESOLUTION_METADATA, term_days=True), 422, "validation_error", "term_days"),
    ("resolve", "term-days-zero", _with(RESOLUTION_METADATA, term_days=0), 422, "validation_error", "term_days"),
    ("resolve", "term-days-negative", _with(RESOLUTION_METADATA, term_days=-3), 422, "validation_error", "term_days"),
    ("resolve", "term-days-366", _with(RESOLUTION_METADATA, term_days=366), 422, "validation_error", "term_days"),
    ("resolve", "term-days-huge", '{"kind": "auto", "summary": "x", "term_days": 1e400}', 422, "validation_error",
     "term_days"),
    ("resolve", "term-days-nan", '{"kind": "auto", "summary": "x", "term_days": NaN}', 400, "malformed_json", "metadata"),
    ("resolve", "summary-2001", _with(RESOLUTION_METADATA, summary="x" * 2001), 422, "validation_error", "summary"),
    ("resolve", "summary-1MB", _with(RESOLUTION_METADATA, summary="x" * MiB), 413, "payload_too_large", "metadata"),
]


@pytest.mark.parametrize("endpoint, metadata, status, code, field",
                         [case[:1] + case[2:] for case in BAD_METADATA],
                         ids=[f"{case[0]}-{case[1]}" for case in BAD_METADATA])
def test_bad_metadata_is_refused_and_nothing_is_stored(api, stack, world, endpoint, metadata, status, code, field):
    path, token, _, document_field, _ = upload_endpoint(endpoint, world)
    with nothing_stored(stack):
        response = post_parts(api, path, token, [metadata_part(metadata), pdf_part(document_field)])
        assert_error(response, status, code, field)


def test_unknown_court_is_404_and_nothing_is_stored(api, stack, world):
    with nothing_stored(stack):
        response = post_parts(api, "/api/v1/cases", world.lawyer,
                              [metadata_part(_with(CASE_METADATA, court_id="09999")), pdf_part()])
        assert_error(response, 404, "court_not_found", "court_id", court_id="09999")


# --- documents: not PDF, unreadable PDF, too big, too many ------------------------------------------
BAD_DOCUMENTS = [
    # (id, data factory, status, code)
    ("png", make_png, 415, "pdf_not_pdf"),
    ("zip-holding-a-pdf", make_zip, 415, "pdf_not_pdf"),
    ("html", make_html, 415, "pdf_not_pdf"),
    ("html-pdf-polyglot", lambda: make_html(embed_pdf_header=True), 415, "pdf_not_pdf"),
    ("exe", make_exe, 415, "pdf_not_pdf"),
    ("encrypted", make_encrypted_pdf, 422, "pdf_encrypted"),
    ("encrypted-no-user-password", lambda: make_encrypted_pdf(user_password="", algorithm="AES-128"), 422, "pdf_encrypted"),
    ("encrypted-public-key", lambda: make_encrypted_pdf(algorithm="Adobe.PubSec"), 422, "pdf_encrypted"),
    ("truncated", make_truncated_pdf, 422, "pdf_corrupt"),
    ("truncated-tail", lambda: make_truncated_pdf(cut=10), 422, "pdf_corrupt"),
    ("corrupt", make_corrupt_pdf, 422, "pdf_corrupt"),
    ("zero-pages", make_zero_page_pdf, 422, "pdf_corrupt"),
    ("circular-page-tree", lambda: make_hostile_pdf("circular_kids"), 422, "pdf_corrupt"),
    ("header-only", lambda: b"%PDF-1.7\n%%EOF\n", 422, "pdf_corrupt"),
    ("empty", lambda: b"", 422, "empty_document"),
]


@pytest.mark.parametrize("endpoint", UPLOADS)
@pytest.mark.parametrize("kind, factory, status, code", BAD_DOCUMENTS, ids=[d[0] for d in BAD_DOCUMENTS])
def test_a_document_that_is_not_an_acceptable_pdf_is_refused(api, stack, world, endpoint, kind, factory, status, code):
    path, token, metadata, field, _ = upload_endpoint(endpoint, world)
    with nothing_stored(stack):
        response = post_parts(api, path, token, [metadata_part(metadata), (field, "anexo.pdf", factory(), "application/pdf")])
        assert_error(response, status, code, filename="anexo.pdf")


@pytest.mark.parametrize("endpoint", ["open_case", "file"])
@pytest.mark.parametrize("bad", [("png", make_png, 415, "pdf_not_pdf"), ("corrupt", make_corrupt_pdf, 422, "pdf_corrupt"),
                                 ("encrypted", make_encrypted_pdf, 422, "pdf_encrypted")], ids=lambda b: b[0])
def test_valid_documents_before_a_bad_one_are_not_kept(api, stack, world, endpoint, bad):
    path, token, metadata, field, _ = upload_endpoint(endpoint, world)
    _, factory, status, code = bad
    with nothing_stored(stack):
        response = post_parts(api, path, token, [metadata_part(metadata), pdf_part(filename="uno.pdf"),
                                                 pdf_part(filename="dos.pdf"), ("documents", "tres.pdf", factory(), "application/pdf")])
        assert_error(response, status, code, filename="tres.pdf")


@pytest.mark.parametrize("endpoint", UPLOADS)
def test_a_document_over_the_size_limit_is_413(api, stack, world, endpoint):
    path, token, metadata, field, _ = upload_endpoint(endpoint, world)
    oversized = make_pdf(size=MAX_DOCUMENT_BYTES + 1, seed="oversized")
    assert len(oversized) > MAX_DOCUMENT_BYTES
    with nothing_stored(stack):
        response = post_parts(api, path, token, [metadata_part(metadata), (field, "grande.pdf", oversized, "application/pdf")])
        assert_error(response, 413, "document_too_large", filename="grande.pdf", max_bytes=MAX_DOCUMENT_BYTES)


def test_a_document_exactly_at_the_size_limit_is_accepted(api, world):
    at_limit = make_pdf(size=MAX_DOCUMENT_BYTES - 1000, seed="at-limit")
    assert 0 < MAX_DOCUMENT_BYTES - len(at_limit) < 1000
    at_limit = at_limit + b"\n" * (MAX_DOCUMENT_BYTES - len(at_limit))  # whitespace after %%EOF is allowed
    assert len(at_limit) == MAX_DOCUMENT_BYTES
    response = api.file(world.lawyer, world.case_number, documents=[("limite.pdf", at_limit)])
    assert response.status_code == 201, response.text
    assert response.json()["documents"][0]["size"] == MAX_DOCUMENT_BYTES


@pytest.mark.parametrize("endpoint", UPLOADS)
def test_more_documents_than_allowed_is_413(api, stack, world, endpoint):
    path, token, metadata, field, limit = upload_endpoint(endpoint, world)
    parts = [metadata_part(metadata)] + [pdf_part(field, f"anexo {i}.pdf") for i in range(limit + 1)]
    with nothing_stored(stack):
        response = post_parts(api, path, token, parts)
        assert_error(response, 413, "too_many_documents", max_documents=limit, received=limit + 1)


def test_ten_documents_are_accepted(api, world):
    documents = [(f"anexo {i}.pdf", make_pdf(seed=f"ten-{i}")) for i in range(MAX_DOCUMENTS)]
    response = api.file(world.lawyer, world.case_number, documents=documents)
    assert response.status_code == 201, response.text
    assert [d["filename"] for d in response.json()["documents"]] == [d[0] for d in documents]


# --- the shape of the request: parts and content types -----------------------------------------------
PART_PROBLEMS = [
    # (id, parts builder(metadata, field), status, code, field named)
    ("extra-form-field", lambda m, f: [metadata_part(m), pdf_part(f), ("comentario", None, "hola", None)],
     422, "unexpected_part", "comentario"),
    ("extra-file-part", lambda m, f: [metadata_part(m), pdf_part(f), pdf_part("anexos")], 422, "unexpected_part", "anexos"),
    ("document-without-filename", lambda m, f: [metadata_part(m), (f, None, make_pdf(), "application/pdf")],
     422, "unexpected_part", None),
    ("metadata-twice", lambda m, f: [metadata_part(m), metadata_part(m), pdf_part(f)], 422, "validation_error", "metadata"),
    ("metadata-missing", lambda m, f: [pdf_part(f)], 422, "validation_error", "metadata"),
    ("documents-missing", lambda m, f: [metadata_part(m)], 422, "validation_error", None),
    ("nothing", lambda m, f: [], 422, "validation_error", "metadata"),
    ("metadata-as-300KB-file", lambda m, f: [("metadata", "metadata.json", b" " * 300 * 1024 + json.dumps(m).encode(),
                                              "application/json"), pdf_part(f)], 413, "payload_too_large", "metadata"),
    ("forty-junk-parts", lambda m, f: [metadata_part(m), pdf_part(f)] + [(f"x{i}", None, "x", None) for i in range(40)],
     413, "payload_too_large", None),
]


@pytest.mark.parametrize("endpoint", UPLOADS)
@pytest.mark.parametrize("problem, build, status, code, field", PART_PROBLEMS, ids=[p[0] for p in PART_PROBLEMS])
def test_unexpected_or_missing_parts_are_refused(api, stack, world, endpoint, problem, build, status, code, field):
    path, token, metadata, document_field, _ = upload_endpoint(endpoint, world)
    if problem == "document-without-filename":
        field = document_field
    if problem == "documents-missing":
        field = document_field
    with nothing_stored(stack):
        response = post_parts(api, path, token, build(metadata, document_field))
        assert_error(response, status, code, field)


def test_a_resolution_sent_with_documents_instead_of_document_is_refused(api, stack, world):
    path, token, metadata, _, _ = upload_endpoint("resolve", world)
    with nothing_stored(stack):
        response = post_parts(api, path, token, [metadata_part(metadata), pdf_part("documents")])
        assert_error(response, 422, "unexpected_part", "documents")


@pytest.mark.parametrize("endpoint", UPLOADS)
@pytest.mark.parametrize("content_type, data", [
    ("application/json", None),
    ("application/x-www-form-urlencoded", "metadata=%7B%7D"),
    ("text/plain", "hola"),
    ("application/pdf", "%PDF-1.7"),
    ("multipart/form-data", "--x\r\n"),     # no boundary
    (None, ""),
], ids=["json", "form", "text", "pdf", "multipart-without-boundary", "none"])
def test_upload_endpoints_take_only_multipart(api, stack, world, endpoint, content_type, data):
    path, token, metadata, _, _ = upload_endpoint(endpoint, world)
    headers = api.auth(token)
    if content_type:
        headers["Content-Type"] = content_type
    body = json.dumps(metadata).encode() if data is None else data.encode()
    with nothing_stored(stack):
        response = api.http.post(api.url + path, data=body, headers=headers, timeout=30)
        if content_type == "multipart/form-data":
            assert_error(response, 422, "validation_error", "metadata")  # an empty form: nothing usable in it
        else:
            assert_error(response, 415, "unsupported_media_type")


# --- filenames are data -------------------------------------------------------------------------------
PATH_TRICKS = ["../../etc/passwd.pdf", "..\\..\\windows\\win.ini.pdf", "C:\\x\\a.pdf", "/etc/passwd.pdf",
               "anexos/demanda.pdf", ".oculto.pdf", "demanda\x00.pdf", "demanda.pdf\x00.exe", "dem\r\nanda.pdf",
               "dem\x1banda.pdf", "factura\u202eexe.pdf", "demanda.exe", "demanda", "a" * 252 + ".pdf", ""]


@pytest.mark.parametrize("endpoint", UPLOADS)
@pytest.mark.parametrize("filename", PATH_TRICKS, ids=repr)
def test_path_tricks_in_filenames_are_refused(api, stack, world, endpoint, filename):
    path, token, metadata, field, _ = upload_endpoint(endpoint, world)
    with nothing_stored(stack):
        response = post_parts(api, path, token, [metadata_part(metadata), pdf_part(field, filename)])
        assert_error(response, 422, "invalid_filename", field)  # "document" for a resolution


def test_a_path_trick_after_good_documents_stores_nothing(api, stack, world):
    with nothing_stored(stack):
        response = post_parts(api, f"/api/v1/cases/{world.case_number}/filings", world.lawyer,
                              [metadata_part(FILING_METADATA), pdf_part(filename="bien.pdf"),
                               pdf_part(filename="../../etc/passwd.pdf")])
        assert_error(response, 422, "invalid_filename", "documents")


def test_unicode_filenames_are_kept_as_given(api, world):
    data = make_pdf(seed="ñandú")
    filed = post_parts(api, f"/api/v1/cases/{world.case_number}/filings", world.lawyer,
                       [metadata_part(FILING_METADATA), pdf_part(filename="demanda ñandú.pdf", data=data)])
    assert filed.status_code == 201, filed.text
    info = filed.json()["documents"][0]
    assert info["filename"] == "demanda ñandú.pdf"
    download = api.get(f"/api/v1/documents/{info['document_id']}", world.lawyer)
    assert download.status_code == 200 and download.content == data
    assert "filename*=UTF-8''demanda%20%C3%B1and%C3%BA.pdf" in download.headers["Content-Disposition"]


# --- unknown targets -------------------------------------------------------------------------------------
UNKNOWN = [
    # (id, path builder, code, detail key)
    ("case-well-formed", lambda w: "/api/v1/cases/01001-2026-99999", "case_not_found", "case_number"),
    ("case-other-court", lambda w: "/api/v1/cases/09999-2026-00001", "case_not_found", "case_number"),
    ("case-malformed", lambda w: "/api/v1/cases/no-existe", "case_not_found", "case_number"),
    ("case-short-sequence", lambda w: "/api/v1/cases/01001-2026-1", "case_not_found", "case_number"),
    ("case-overlong", lambda w: "/api/v1/cases/" + "9" * 5000, "case_not_found", "case_number"),
    ("filing", lambda w: "/api/v1/filings/" + uuid.uuid4().hex, "filing_not_found", "filing_id"),
    ("filing-case-number", lambda w: f"/api/v1/filings/{w.case_number}", "filing_not_found", "filing_id"),
    ("filing-overlong", lambda w: "/api/v1/filings/" + "f" * 5000, "filing_not_found", "filing_id"),
    ("document", lambda w: "/api/v1/documents/" + uuid.uuid4().hex, "document_not_found", "document_id"),
    ("document-is-a-filing", lambda w: f"/api/v1/documents/{w.accepted_filing}", "document_not_found",
     "document_id"),
    ("document-overlong", lambda w: "/api/v1/documents/" + "d" * 5000, "document_not_found", "document_id"),
]


@pytest.mark.parametrize("problem, build, code, key", UNKNOWN, ids=[u[0] for u in UNKNOWN])
def test_unknown_ids_are_404(api, stack, world, problem, build, code, key):
    for token in (world.lawyer, world.clerk):
        with nothing_stored(stack):
            assert_error(api.get(build(world), token), 404, code, key)


@pytest.mark.parametrize("endpoint", ["file", "resolve"])
@pytest.mark.parametrize("case_number", ["01001-2026-99999", "01001-1999-00001", "no-existe", "01001-2026-1",
                                         "01001-2026-000011", "9" * 300])
def test_writing_to_an_unknown_case_is_404(api, stack, world, endpoint, case_number):
    _, token, metadata, field, _ = upload_endpoint(endpoint, world)
    path = f"/api/v1/cases/{case_number}/{'filings' if endpoint == 'file' else 'resolutions'}"
    with nothing_stored(stack):
        response = post_parts(api, path, token, [metadata_part(metadata), pdf_part(field)])
        assert_error(response, 404, "case_not_found", "case_number")


def test_an_appearance_for_a_party_not_on_the_case_is_422(api, stack, world):
    newcomer = api.lawyer("hostil.recien.llegado")
    with nothing_stored(stack):
        response = api.file(newcomer, world.case_number, kind="apersonamiento", summary="Me apersono",
                            represents="Fulano de Tal")
        assert_error(response, 422, "validation_error", "represents")


def test_a_second_appearance_while_the_first_waits_is_409_and_its_documents_are_not_kept(api, stack, world):
    """Refused before the documents travel (prepare_filing), and again when stored should two race: whatever
    was staged is discarded, not left behind."""
    newcomer = api.lawyer("hostil.apersonado")
    first = api.file(newcomer, world.case_number, kind="apersonamiento", summary="Me apersono", represents="Demandado Dos")
    assert first.status_code == 201, first.text
    with nothing_stored(stack):
        again = api.file(newcomer, world.case_number, kind="apersonamiento", summary="Me apersono de nuevo",
                         represents="Demandado Dos", documents=[("uno.pdf", make_pdf(seed="again-1")),
                                                                ("dos.pdf", make_pdf(seed="again-2"))])
        assert_error(again, 409, "appearance_pending", None, case_number=world.case_number)


def test_a_writ_representing_a_party_not_on_the_case_is_422(api, stack, world):
    with nothing_stored(stack):
        response = api.file(world.lawyer, world.case_number, represents="Actor Uno")
        assert_error(response, 422, "validation_error", "represents")


# --- reviewing a filing --------------------------------------------------------------------------------
BAD_REVIEWS = [
    # (id, raw body, content type, status, code, field)
    ("malformed-json", '{"decision": "accept"', "application/json", 400, "malformed_json", "body"),
    ("not-utf8", b'{"decision": "reject", "reason": "\xf1"}', "application/json", 400, "malformed_json", "body"),
    ("deeply-nested", "[" * 30_000 + "]" * 30_000, "application/json", 400, "malformed_json", "body"),
    ("empty", "", "application/json", 400, "malformed_json", "body"),
    ("array", '["accept"]', "application/json", 422, "validation_error", "body"),
    ("string", '"accept"', "application/json", 422, "validation_error", "body"),
    ("number", "1", "application/json", 422, "validation_error", "body"),
    ("missing-decision", "{}", "application/json", 422, "validation_error", "decision"),
    ("decision-unknown", '{"decision": "approve"}', "application/json", 422, "validation_error", "decision"),
    ("decision-bool", '{"decision": true}', "application/json", 422, "validation_error", "decision"),
    ("decision-null", '{"decision": null}', "application/json", 422, "validation_error", "decision"),
    ("extra-field", '{"decision": "accept", "folio": 1}', "application/json", 422, "validation_error", "folio"),
    ("extra-status", '{"decision": "accept", "status": "accepted"}', "application/json", 422, "validation_error", "status"),
    ("reason-number", '{"decision": "reject", "reason": 5}', "application/json", 422, "validation_error", "reason"),
    ("reject-without-reason", '{"decision": "reject"}', "application/json", 422, "validation_error", "reason"),
    ("reject-blank-reason", '{"decision": "reject", "reason": "   "}', "application/json", 422, "validation_error",
     "reason"),
    ("reason-2001", json.dumps({"decision": "reject", "reason": "x" * 2001}), "application/json", 422,
     "validation_error", "reason"),
    ("reason-lone-surrogate", '{"decision": "reject", "reason": "No \\ud800"}', "application/json", 400,
     "malformed_json", "reason"),
    ("reason-nul", '{"decision": "reject", "reason": "No\\u0000"}', "application/json", 422, "validation_error",
     "reason"),
    ("decision-huge-int", '{"decision": 18446744073709551616}', "application/json", 422, "validation_error", "decision"),
    ("nan", '{"decision": "accept", "reason": NaN}', "application/json", 400, "malformed_json", "body"),
    ("infinity", '{"decision": "accept", "reason": 1e400}', "application/json", 422, "validation_error", "reason"),
    ("reason-1MB", json.dumps({"decision": "reject", "reason": "x" * MiB}), "application/json", 413,
     "payload_too_large", None),
    ("form", "decision=accept", "application/x-www-form-urlencoded", 415, "unsupported_media_type", None),
    ("multipart", None, "multipart/form-data", 415, "unsupported_media_type", None),
    ("text", '{"decision": "accept"}', "text/plain", 415, "unsupported_media_type", None),
    ("no-content-type", '{"decision": "accept"}', None, 415, "unsupported_media_type", None),
]


@pytest.mark.parametrize("problem, body, content_type, status, code, field", BAD_REVIEWS, ids=[r[0] for r in BAD_REVIEWS])
def test_bad_review_bodies_are_refused_and_the_filing_stays_unreviewed(api, stack, world, problem, body, content_type,
                                                                       status, code, field):
    headers = api.auth(world.clerk)
    if content_type == "multipart/form-data":
        body, content_type = multipart([("decision", None, "accept", None)])
    if content_type:
        headers["Content-Type"] = content_type
    data = body.encode() if isinstance(body, str) else body
    with nothing_stored(stack):
        response = api.http.post(f"{api.url}/api/v1/filings/{world.pending_filing}/review", data=data, headers=headers,
                                 timeout=30)
        assert_error(response, status, code, field)
    filing = api.get(f"/api/v1/filings/{world.pending_filing}", world.clerk).json()
    assert filing["status"] == "received" and filing["review"] is None


@pytest.mark.parametrize("filing_id", ["no-existe", uuid.uuid4().hex, "x" * 5000])
def test_reviewing_an_unknown_filing_is_404(api, stack, world, filing_id):
    with nothing_stored(stack):
        assert_error(api.review(world.clerk, filing_id), 404, "filing_not_found", "filing_id")


# --- listing cases -------------------------------------------------------------------------------------
@pytest.mark.parametrize("query, field", [
    ("foo=bar", "foo"),
    ("court_id=01002", "court_id"),
    ("limit=abc", "limit"),
    ("limit=0", "limit"),
    ("limit=201", "limit"),
    ("limit=-1", "limit"),
    ("limit=1e3", "limit"),
    ("limit=" + "9" * 5000, "limit"),
    ("status=bogus", "status"),
    ("status=", "status"),
    ("status=received&status=accepted", "status"),
    ("status[$ne]=x", "status[$ne]"),
], ids=lambda v: v[:40])
def test_query_string_junk_on_the_case_list_is_422(api, stack, world, query, field):
    with nothing_stored(stack):
        assert_error(api.get(f"/api/v1/cases?{query}", world.clerk), 422, "validation_error", field)


# --- Idempotency-Key ------------------------------------------------------------------------------------
@pytest.mark.parametrize("endpoint", ["open_case", "file"])
@pytest.mark.parametrize("key", ["k" * 129, ""], ids=["too-long", "empty"])
def test_an_unusable_idempotency_key_is_400(api, stack, world, endpoint, key):
    path, token, metadata, field, _ = upload_endpoint(endpoint, world)
    with nothing_stored(stack):
        response = post_parts(api, path, token, [metadata_part(metadata), pdf_part(field)],
                              headers={"Idempotency-Key": key})
        assert_error(response, 400, "invalid_idempotency_key", header="Idempotency-Key")


def test_the_longest_idempotency_key_is_accepted(api, world):
    response = api.file(world.lawyer, world.case_number, headers={"Idempotency-Key": "k" * 128})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("endpoint", ["open_case", "file"])
def test_same_key_same_body_returns_the_same_receipt_and_stores_nothing_new(api, stack, world, endpoint):
    path, token, metadata, field, _ = upload_endpoint(endpoint, world)
    key = f"replay-{uuid.uuid4().hex}"
    parts = [metadata_part(metadata), pdf_part(field, "uno.pdf", seed=key), pdf_part(field, "dos.pdf", seed=key + "2")]
    first = post_parts(api, path, token, parts, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    with nothing_stored(stack):
        again = post_parts(api, path, token, parts, headers={"Idempotency-Key": key})
        assert again.status_code == 201, again.text
        assert again.json() == first.json()
        assert again.headers.get("Idempotent-Replayed") == "true"


@pytest.mark.parametrize("endpoint", ["open_case", "file"])
@pytest.mark.parametrize("change", ["metadata", "document-content", "document-name", "document-order", "fewer-documents"])
def test_same_key_other_body_is_409_and_stores_nothing(api, stack, world, endpoint, change):
    path, token, metadata, field, _ = upload_endpoint(endpoint, world)
    key = f"reused-{uuid.uuid4().hex}"
    one, two = make_pdf(seed=key), make_pdf(seed=key + "2")
    first = post_parts(api, path, token, [metadata_part(metadata), (field, "uno.pdf", one, "application/pdf"),
                                          (field, "dos.pdf", two, "application/pdf")], headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    documents = {"metadata": [("uno.pdf", one), ("dos.pdf", two)],
                 "document-content": [("uno.pdf", one), ("dos.pdf", make_pdf(seed=key + "3"))],
                 "document-name": [("uno.pdf", one), ("tres.pdf", two)],
                 "document-order": [("dos.pdf", two), ("uno.pdf", one)],
                 "fewer-documents": [("uno.pdf", one)]}[change]
    changed = _with(metadata, subject="Otro asunto") if endpoint == "open_case" else _with(metadata, summary="Otro")
    other = [metadata_part(changed if change == "metadata" else metadata)]
    other += [(field, name, data, "application/pdf") for name, data in documents]
    with nothing_stored(stack):
        response = post_parts(api, path, token, other, headers={"Idempotency-Key": key})
        assert_error(response, 409, "idempotency_key_reused")


def test_an_idempotency_key_belongs_to_its_caller(api, world):
    """Another lawyer's request with the same key is a different request, not a replay of the first."""
    key = f"shared-{uuid.uuid4().hex}"
    first = api.open_case(world.lawyer, headers={"Idempotency-Key": key})
    second = api.open_case(api.lawyer("hostil.otro"), headers={"Idempotency-Key": key})
    assert first.status_code == 201 and second.status_code == 201, (first.text, second.text)
    assert first.json()["case_number"] != second.json()["case_number"]
