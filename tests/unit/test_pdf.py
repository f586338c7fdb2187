"""inspect_pdf: content-based checking of uploaded PDF documents."""
import hashlib
import io
import logging
import pickle
from concurrent.futures import ThreadPoolExecutor

import pypdf
import pytest

from services.runtime.pdf import MESSAGES, PdfInfo, PdfRejected, inspect_pdf
from tests.support.pdfgen import (
    HOSTILE_KINDS,
    append_page_update,
    build_pdf,
    make_broken_xref_pdf,
    make_corrupt_pdf,
    make_encrypted_pdf,
    make_exe,
    make_hostile_pdf,
    make_html,
    make_pdf,
    make_png,
    make_truncated_pdf,
    make_zero_page_pdf,
    make_zip,
)

KB = 1024
MB = 1024 * 1024


def rejection(data, **kwargs) -> PdfRejected:
    with pytest.raises(PdfRejected) as caught:
        inspect_pdf(data, **kwargs)
    return caught.value


@pytest.fixture(scope="module")
def pdf_20mb():
    return make_pdf(pages=3, size=20 * MB)


# --------------------------------------------------------------------------
# accepted documents


def test_single_page_pdf_is_accepted_with_exact_facts():
    data = make_pdf()
    info = inspect_pdf(data)
    assert info == PdfInfo(
        pages=1,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        version="1.7",
        warnings=(),
    )


@pytest.mark.parametrize("pages", [1, 2, 7, 250])
def test_page_count_is_exact(pages):
    data = make_pdf(pages=pages)
    assert inspect_pdf(data).pages == pages


@pytest.mark.parametrize(
    "size, padding",
    [(1 * KB, "image"), (1 * KB, "content"), (1 * MB, "image"), (1 * MB, "content")],
)
def test_padded_documents_are_accepted(size, padding):
    data = make_pdf(pages=2, size=size, padding=padding)
    assert size <= len(data) < size + 2 * KB
    info = inspect_pdf(data)
    assert (info.pages, info.size, info.sha256) == (2, len(data), hashlib.sha256(data).hexdigest())
    assert info.warnings == ()


def test_20mb_document_is_accepted(pdf_20mb):
    assert 20 * MB <= len(pdf_20mb) < 20 * MB + 2 * KB
    info = inspect_pdf(pdf_20mb)
    assert info.pages == 3
    assert info.size == len(pdf_20mb)
    assert info.sha256 == hashlib.sha256(pdf_20mb).hexdigest()


def test_20mb_document_with_one_big_content_stream_is_accepted():
    data = make_pdf(size=20 * MB, padding="content")
    info = inspect_pdf(data)
    assert (info.pages, info.size) == (1, len(data))


@pytest.mark.parametrize("pages", [1, 12])
def test_compressed_structure_with_object_and_xref_streams_is_accepted(pages):
    # What most producers write today (PDF 1.5+): pages live inside /ObjStm.
    data = make_pdf(pages=pages, object_streams=True, size=200 * KB)
    assert b"/Type /ObjStm" in data and b"/Type /XRef" in data
    info = inspect_pdf(data)
    assert info.pages == pages
    assert info.warnings == ()


def test_intermediate_page_tree_nodes_are_counted_through():
    leaf = b"<< /Type /Page /Parent %d 0 R >>"
    data = build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 5 /MediaBox [0 0 612 792] >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [5 0 R 6 0 R] /Count 2 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [7 0 R 8 0 R 9 0 R] /Count 3 >>",
            leaf % 3,
            leaf % 3,
            leaf % 4,
            leaf % 4,
            leaf % 4,
        ]
    )
    assert inspect_pdf(data).pages == 5


def test_incremental_updates_count_the_pages_of_the_latest_revision():
    original = make_pdf(pages=2)
    updated = append_page_update(append_page_update(original))
    assert inspect_pdf(original).pages == 2
    assert inspect_pdf(updated).pages == 4


@pytest.mark.parametrize("version", ["1.3", "1.4", "1.7", "2.0"])
def test_version_comes_from_the_header(version):
    assert inspect_pdf(make_pdf(version=version)).version == version


def test_a_later_catalog_version_overrides_the_header():
    data = make_pdf(version="1.4").replace(
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Catalog /Pages 2 0 R /Version /1.7 >>"
    )
    assert inspect_pdf(data).version == "1.7"
    earlier = make_pdf(version="1.7").replace(
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Catalog /Pages 2 0 R /Version /1.4 >>"
    )
    assert inspect_pdf(earlier).version == "1.7"


@pytest.mark.parametrize("tail", [b"\r\n", b"\n\n\n", b"\x00" * 500, b" \t\x0c"])
def test_whitespace_after_the_final_eof_marker_is_tolerated(tail):
    assert inspect_pdf(make_pdf() + tail).pages == 1


def test_eof_marker_without_final_newline_is_accepted():
    data = make_pdf()
    assert data.endswith(b"%%EOF\n")
    assert inspect_pdf(data[:-1]).pages == 1


def test_output_of_a_real_pdf_library_is_accepted():
    writer = pypdf.PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    info = inspect_pdf(out.getvalue())
    assert (info.pages, info.warnings) == (3, ())


def test_recoverable_xref_damage_is_tolerated_and_reported():
    data = make_broken_xref_pdf(pages=2)
    with pytest.raises(pypdf.errors.PdfReadError):
        pypdf.PdfReader(io.BytesIO(data), strict=True)  # it really is broken
    info = inspect_pdf(data)
    assert info.pages == 2
    assert info.warnings  # what pypdf repaired is visible to the caller
    assert any("startxref" in warning for warning in info.warnings)


def test_self_referencing_prev_is_tolerated():
    # pypdf detects the loop and stops; the document itself is fine.
    info = inspect_pdf(make_hostile_pdf("prev_loop"))
    assert info.pages == 1
    assert any("Circular xref" in warning for warning in info.warnings)


def test_moderate_nesting_is_not_refused():
    assert inspect_pdf(make_hostile_pdf("nested_dicts", n=20)).pages == 1
    assert inspect_pdf(make_hostile_pdf("nested_arrays", n=20)).pages == 1


@pytest.mark.parametrize("wrap", [bytearray, memoryview])
def test_bytes_like_input_is_accepted(wrap):
    data = make_pdf(pages=3)
    info = inspect_pdf(wrap(data))
    assert (info.pages, info.sha256) == (3, hashlib.sha256(data).hexdigest())


def test_non_bytes_input_is_a_programming_error():
    with pytest.raises(TypeError):
        inspect_pdf("%PDF-1.7 not bytes")


# --------------------------------------------------------------------------
# not_pdf


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(make_png(), id="png"),
        pytest.param(make_zip(), id="zip-deflated"),
        pytest.param(make_zip(compress=False), id="zip-stored-pdf"),
        pytest.param(make_html(), id="html"),
        pytest.param(make_html(embed_pdf_header=True), id="html-with-pdf-header-inside"),
        pytest.param(make_exe(), id="exe"),
        pytest.param("Escrito de demanda\n".encode("utf-8"), id="text"),
        pytest.param(b"%PDF", id="header-prefix-only"),
        pytest.param(b"%pdf-1.7\n" + make_pdf()[9:], id="lowercase-header"),
        pytest.param(b"\xef\xbb\xbf" + make_pdf(), id="utf8-bom-before-pdf"),
        pytest.param(b"\r\n" + make_pdf(), id="junk-before-header"),
        pytest.param(make_pdf()[1:], id="first-byte-missing"),
    ],
)
def test_content_that_is_not_a_pdf_is_refused(data):
    error = rejection(data)
    assert error.code == "not_pdf"
    assert error.message == "El documento no es un PDF válido."


def test_pdf_wrapped_in_other_formats_is_refused_even_though_pypdf_would_read_it():
    # pypdf in non-strict mode finds the PDF inside these and reports a page:
    # the reason the header must sit at byte 0.
    for polyglot in (make_zip(compress=False), make_html().replace(b"</body>", make_pdf() + b"</body>")):
        assert len(pypdf.PdfReader(io.BytesIO(polyglot)).pages) == 1
        assert rejection(polyglot).code == "not_pdf"


# --------------------------------------------------------------------------
# encrypted


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(make_encrypted_pdf(), id="aes256-user-password"),
        pytest.param(make_encrypted_pdf(algorithm="AES-128"), id="aes128"),
        pytest.param(make_encrypted_pdf(algorithm="RC4-128"), id="rc4-128"),
        pytest.param(make_encrypted_pdf(algorithm="RC4-40"), id="rc4-40"),
        pytest.param(make_encrypted_pdf(user_password=""), id="owner-password-only"),
        pytest.param(make_encrypted_pdf(algorithm="Adobe.PubSec"), id="public-key-handler"),
    ],
)
def test_encrypted_pdfs_are_refused(data):
    error = rejection(data)
    assert error.code == "encrypted"
    assert error.message == (
        "El documento PDF está protegido con contraseña o cifrado; preséntelo sin cifrado."
    )


def test_owner_password_only_pdf_opens_without_password_but_is_still_refused():
    data = make_encrypted_pdf(user_password="")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.is_encrypted and len(reader.pages) == 1  # readable by anyone
    assert rejection(data).code == "encrypted"


# --------------------------------------------------------------------------
# corrupt


@pytest.mark.parametrize("fraction", [0.05, 0.5, 0.9, 0.99])
def test_truncated_pdfs_are_refused(fraction):
    error = rejection(make_truncated_pdf(fraction, pages=3))
    assert error.code == "corrupt"
    assert error.message.startswith("El documento PDF está incompleto")


@pytest.mark.parametrize("cut", [2, 6, 30, 200])
def test_pdfs_missing_their_last_bytes_are_refused(cut):
    assert rejection(make_truncated_pdf(cut=cut)).code == "corrupt"


def test_truncated_20mb_upload_is_refused(pdf_20mb):
    assert rejection(pdf_20mb[: len(pdf_20mb) // 2]).code == "corrupt"
    assert rejection(pdf_20mb[:-10]).code == "corrupt"


def test_upload_cut_inside_an_incremental_update_is_refused():
    # The previous revision's %%EOF is still within the last 1024 bytes; a
    # lenient "%%EOF somewhere near the end" check would accept the old
    # revision and silently drop the new one (e.g. an appended signature).
    original = make_pdf(pages=2)
    updated = append_page_update(original)
    cut = updated[: len(original) + 60]
    assert cut[len(original) - 6 : len(original)] == b"%%EOF\n"
    assert rejection(cut).code == "corrupt"


def test_data_appended_after_the_eof_marker_is_refused():
    assert rejection(make_pdf() + make_zip(inner=b"payload")).code == "corrupt"
    assert rejection(make_pdf() + b"<br />\n<b>Warning</b>: headers already sent").code == "corrupt"


@pytest.mark.parametrize("with_eof", [True, False])
def test_header_followed_by_garbage_is_refused(with_eof):
    error = rejection(make_corrupt_pdf(with_eof=with_eof))
    assert error.code == "corrupt"
    assert error.message.startswith("El documento PDF está")


def test_garbage_is_corrupt_with_the_generic_message_when_only_the_parser_can_tell():
    error = rejection(make_corrupt_pdf(with_eof=True))
    assert error.message == "El documento PDF está dañado o incompleto y no puede leerse."
    assert error.__cause__ is not None  # pypdf's own exception is kept for the logs


@pytest.mark.parametrize("header", [b"%PDF-x.y\n", b"%PDF-\n", b"%PDF-9.1\n"])
def test_unreadable_version_in_header_is_corrupt(header):
    data = make_pdf()
    assert rejection(header + data[9:]).code == "corrupt"


def test_zero_page_pdf_is_refused():
    error = rejection(make_zero_page_pdf())
    assert error.code == "corrupt"
    assert error.message == "El documento PDF no contiene páginas."


def test_page_tree_whose_count_disagrees_with_its_pages_is_refused():
    data = make_pdf(pages=2).replace(b"/Count 2", b"/Count 3")
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 2  # pypdf alone walks the tree
    assert rejection(data).code == "corrupt"
    missing_count = make_pdf(pages=2).replace(b" /Count 2", b"")
    assert rejection(missing_count).code == "corrupt"


def test_page_count_given_by_indirect_reference_is_followed():
    data = build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R 5 0 R] /Count 3 0 R >>",
            b"2",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        ]
    )
    assert inspect_pdf(data).pages == 2
    assert rejection(data.replace(b"3 0 obj\n2\n", b"3 0 obj\n7\n")).code == "corrupt"


def test_page_tree_that_does_not_lead_to_pages_is_refused():
    data = build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"(not a page)",
        ]
    )
    assert rejection(data).code == "corrupt"
    no_pages = build_pdf([b"<< /Type /Catalog /Pages 9 0 R >>"])
    assert rejection(no_pages).code == "corrupt"


@pytest.mark.parametrize(
    "kind",
    [
        "circular_kids",
        "self_kid",
        "deep_tree",
        "nested_arrays",
        "nested_dicts",
        "huge_size",
        "huge_xref_subsection",
        "wide_tree",
    ],
)
def test_hostile_structures_are_corrupt(kind):
    assert kind in HOSTILE_KINDS
    assert rejection(make_hostile_pdf(kind)).code == "corrupt"


@pytest.mark.parametrize("kind", ["nested_dicts", "nested_arrays"])
def test_nesting_deep_enough_to_be_hostile_is_refused_even_where_pypdf_copes(kind):
    data = make_hostile_pdf(kind, n=200)
    if kind == "nested_dicts":
        # Below the interpreter's recursion limit pypdf reads it without complaint.
        assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 1
    assert rejection(data).code == "corrupt"


def test_nesting_bomb_inside_an_object_stream_is_refused():
    # Objects in an object stream are parsed from memory, out of sight of the
    # file reads; pypdf alone keeps a partial page and reports 1 page.
    bomb = b"<< /A " * 2000 + b"1" + b" >>" * 2000
    data = build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Bomb " + bomb + b" >>",
        ],
        object_streams=True,
    )
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 1
    assert rejection(data).code == "corrupt"


def test_nesting_beyond_the_recursion_limit_is_corrupt():
    # 2 000 000 levels: pypdf alone hits RecursionError (and for dictionaries
    # swallows it, keeping a partial page); here it is refused outright.
    assert rejection(make_hostile_pdf("nested_dicts", n=2_000_000)).code == "corrupt"
    assert rejection(make_hostile_pdf("nested_arrays", n=2_000_000)).code == "corrupt"


def test_file_that_needs_seconds_of_repair_is_cut_off_as_corrupt():
    # ~6.5 MB, 300 000 objects and no xref table: repairable, and plain pypdf
    # does repair it, in about 3 s where this was written (10 s for the
    # default million objects). Inspection gives up at its time budget.
    data = make_hostile_pdf("many_objects", n=300_000)
    assert rejection(data).code == "corrupt"


def test_object_stream_inflation_bomb_is_corrupt():
    assert rejection(make_hostile_pdf("objstm_bomb")).code == "corrupt"


def test_the_budget_is_what_stops_heavy_files():
    # A repairable file that takes pypdf a noticeable time: accepted with the
    # default budget, refused when the budget is far smaller than the work.
    data = make_hostile_pdf("many_objects", n=5_000)
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 1
    assert inspect_pdf(data).pages == 1
    error = rejection(data, budget_seconds=0.001)
    assert error.code == "corrupt"
    assert error.message == MESSAGES["corrupt"]


def test_object_streams_decoding_beyond_the_limit_are_corrupt():
    # One object stream holding 300 000 objects decodes to ~2 MB.
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ] + [b"1"] * 300_000
    data = build_pdf(objects, object_streams=True)
    assert rejection(data).code == "corrupt"


# --------------------------------------------------------------------------
# the exception, logging, concurrency


def test_pdf_rejected_is_a_plain_exception_with_code_and_message():
    error = PdfRejected("corrupt")
    assert isinstance(error, Exception)
    assert (error.code, error.message) == ("corrupt", MESSAGES["corrupt"])
    custom = PdfRejected("not_pdf", "otro mensaje")
    assert (custom.code, custom.message) == ("not_pdf", "otro mensaje")
    clone = pickle.loads(pickle.dumps(custom))
    assert (type(clone), clone.code, clone.message) == (PdfRejected, "not_pdf", "otro mensaje")
    assert set(MESSAGES) == {"not_pdf", "encrypted", "corrupt"}


def test_pypdf_warnings_stay_out_of_the_logs_during_inspection(caplog):
    data = make_broken_xref_pdf()
    with caplog.at_level(logging.WARNING):
        info = inspect_pdf(data)
        with pytest.raises(PdfRejected):
            inspect_pdf(make_hostile_pdf("huge_size"))  # ~10 000 warnings in pypdf
    assert info.warnings
    assert [record for record in caplog.records if record.name.startswith("pypdf")] == []


def test_pypdf_logs_normally_outside_inspection(caplog):
    with caplog.at_level(logging.WARNING):
        inspect_pdf(make_broken_xref_pdf())
        pypdf.PdfReader(io.BytesIO(make_broken_xref_pdf()))
    assert any(record.name.startswith("pypdf") for record in caplog.records)


def test_concurrent_inspections_do_not_interfere():
    cases = [
        (make_pdf(pages=4), 4),
        (make_broken_xref_pdf(pages=3), 3),
        (make_encrypted_pdf(), "encrypted"),
        (make_hostile_pdf("circular_kids"), "corrupt"),
        (make_hostile_pdf("nested_dicts"), "corrupt"),
        (make_png(), "not_pdf"),
    ] * 4

    def outcome(data):
        try:
            return inspect_pdf(data).pages
        except PdfRejected as error:
            return error.code

    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(outcome, [data for data, _ in cases]))
    assert results == [expected for _, expected in cases]


# --------------------------------------------------------------------------
# the generators the rest of the suite relies on


def test_make_pdf_is_deterministic_and_seed_makes_distinct_documents():
    assert make_pdf(pages=2, size=10 * KB) == make_pdf(pages=2, size=10 * KB)
    first, second = make_pdf(seed=1), make_pdf(seed=2)
    assert first != second
    assert inspect_pdf(first).sha256 != inspect_pdf(second).sha256
    assert make_pdf(size=50 * KB, seed="a") != make_pdf(size=50 * KB, seed="b")


def test_make_pdf_is_well_formed_for_a_strict_reader():
    for data in (make_pdf(pages=3, text="Escrito"), make_pdf(pages=3, object_streams=True, text="Escrito")):
        reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
        assert len(reader.pages) == 3
        assert "Escrito" in reader.pages[2].extract_text()
        assert "Pagina 3 de 3" in reader.pages[2].extract_text()
