"""The rules of staged documents (services/runtime/staging.py) without a database: what may be staged, how many
documents a request attaches, and the documents of a request, in its order."""
import pytest

from services.runtime import staging
from services.runtime.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from tests.support.pdfgen import make_encrypted_pdf, make_pdf, make_png, make_truncated_pdf


def file_doc(document_id, filename="a.pdf", length=10, sha256="1" * 64, pages=1):
    return {"_id": document_id, "filename": filename, "length": length,
            "metadata": {"state": "staged", "sha256": sha256, "pages": pages, "staged_by": "x"}}


# --- what may be staged --------------------------------------------------------------------------
def test_an_upload_is_a_pdf_that_opens_with_a_name_that_is_data():
    pdf = make_pdf(pages=2, seed="staging")
    filename, info = staging.check_upload("  memorial.pdf ", pdf, 1024 * 1024)
    assert filename == "memorial.pdf" and info.pages == 2 and len(info.sha256) == 64


@pytest.mark.parametrize("filename, content, error, code", [
    ("../memorial.pdf", make_pdf(), ValidationFailed, "invalid_filename"),
    ("memorial.docx", make_pdf(), ValidationFailed, "invalid_filename"),
    ("memorial.pdf", "texto", ValidationFailed, "validation_error"),
    ("memorial.pdf", make_pdf(size=4096), PayloadTooLarge, "document_too_large"),
    ("memorial.pdf", make_png(), UnsupportedMediaType, "pdf_not_pdf"),
    ("memorial.pdf", make_encrypted_pdf(), ValidationFailed, "pdf_encrypted"),
    ("memorial.pdf", make_truncated_pdf(), ValidationFailed, "pdf_corrupt"),
], ids=["path", "not-pdf-name", "not-bytes", "too-large", "png", "encrypted", "truncated"])
def test_what_cannot_be_staged(filename, content, error, code):
    with pytest.raises(error) as refused:
        staging.check_upload(filename, content, 2048)
    assert refused.value.code == code


def test_a_rejected_pdf_names_its_file():
    with pytest.raises(UnsupportedMediaType) as refused:
        staging.check_pdf(make_png(), "foto.pdf")
    assert refused.value.status == 415 and refused.value.details == {"filename": "foto.pdf"}


# --- how many documents a request attaches ----------------------------------------------------------
def test_a_request_attaches_at_least_one_document_and_at_most_the_limit():
    assert staging.check_count(["a", "b"], 2) == ["a", "b"]
    with pytest.raises(ValidationFailed) as none:
        staging.check_count([], 2)
    assert none.value.details["fields"] == {"documents": "Obligatorio."}
    with pytest.raises(PayloadTooLarge) as many:
        staging.check_count(["a", "b", "c"], 2)
    assert many.value.code == "too_many_documents" and many.value.details == {"max_documents": 2}


# --- the documents of a request, in its order -------------------------------------------------------
def test_documents_come_in_the_request_s_order_as_a_receipt_shows_them():
    files = [file_doc("d2", "b.pdf", 20, "2" * 64, 3), file_doc("d1")]
    assert staging.in_order(files, ["d1", "d2"]) == [
        {"document_id": "d1", "filename": "a.pdf", "size": 10, "sha256": "1" * 64, "pages": 1},
        {"document_id": "d2", "filename": "b.pdf", "size": 20, "sha256": "2" * 64, "pages": 3}]


def test_a_missing_document_means_none_of_them():
    assert staging.in_order([file_doc("d1")], ["d1", "d2"]) is None
    assert staging.in_order([], ["d1"]) is None


def test_the_error_of_an_unavailable_document():
    error = staging.unavailable()
    assert (error.code, error.status) == ("document_not_found", 422)
    assert error.details == {"fields": {"documents": "Documento no disponible."}}


def test_the_janitor_s_index_is_declared_for_the_bucket():
    declared = staging.StagedDocuments.indexes("certificados")
    assert list(declared) == ["certificados.files"]
    assert declared["certificados.files"][0].document["key"] == {"metadata.state": 1, "metadata.staged_at": 1}
