"""Pure-Python generators of PDF (and deliberately non-PDF) payloads for tests.

Everything here is deterministic: the same arguments give the same bytes, so
hashes can be asserted. Pass ``seed`` to get a distinct document with the same
shape (the seed changes the /ID, a line of text and any padding bytes).

Valid documents are written by hand (no PDF library involved) with exact
cross-reference offsets (a classic xref table, or with ``object_streams=True``
the PDF 1.5 object and xref streams), so they are well-formed for any reader,
strict pypdf included. Only ``make_encrypted_pdf`` uses pypdf, because encryption by hand is
not worth re-implementing.

Payloads:
    make_pdf                  valid, N pages, optionally padded to a size
    make_encrypted_pdf        password-protected (pypdf's writer), or a bare
                              public-key /Encrypt dictionary no reader can open
    make_truncated_pdf        a valid PDF cut short (the common real failure)
    make_corrupt_pdf          a PDF header followed by garbage
    make_broken_xref_pdf      valid objects, wrong xref offsets (recoverable)
    make_zero_page_pdf        structurally valid, /Count 0, no /Kids
    append_page_update        adds a revision (incremental update) to a PDF
    make_hostile_pdf          circular or very deep page trees, nesting bombs,
                              absurd declared sizes, /Prev loops, object
                              floods, object-stream inflation bombs
    make_png, make_zip, make_html, make_exe   other formats, for sniffing tests
"""
from __future__ import annotations

import hashlib
import io
import random
import re
import struct
import zipfile
import zlib

__all__ = [
    "make_pdf",
    "make_encrypted_pdf",
    "make_truncated_pdf",
    "make_corrupt_pdf",
    "make_broken_xref_pdf",
    "make_zero_page_pdf",
    "append_page_update",
    "make_hostile_pdf",
    "make_png",
    "make_zip",
    "make_html",
    "make_exe",
    "HOSTILE_KINDS",
    "build_pdf",
]

_BINARY_COMMENT = b"%\xe2\xe3\xcf\xd3\n"  # tells transfer tools the file is binary
_IMAGE_WIDTH = 1024  # padding images are 1024 gray pixels wide, 1 byte each


def _seed_bytes(seed) -> bytes:
    if seed is None:
        return b""
    if isinstance(seed, bytes):
        return seed
    return str(seed).encode("utf-8")


def _random_bytes(n: int, seed) -> bytes:
    """``n`` incompressible bytes, reproducible for a given seed."""
    if n <= 0:
        return b""
    digest = hashlib.sha256(b"pdfgen-padding:" + _seed_bytes(seed)).digest()
    return random.Random(int.from_bytes(digest, "big")).randbytes(n)


def _pdf_string(text: str) -> bytes:
    """A PDF literal string for Latin-1 text (other characters become '?')."""
    raw = text.encode("latin-1", "replace")
    raw = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    raw = raw.replace(b"\r", b"\\r").replace(b"\n", b"\\n")
    return b"(" + raw + b")"


# Bytes that would need escaping inside a literal string are remapped, so a
# random binary string is a valid literal string of exactly the same length.
_LITERAL_SAFE = bytes.maketrans(b"\\()\r", b"ABCD")


def _binary_literal_string(raw: bytes) -> bytes:
    """Random bytes as a PDF literal string (valid inside a content stream)."""
    return b"(" + raw.translate(_LITERAL_SAFE) + b")"


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def build_pdf(
    objects: list[bytes],
    *,
    root: int = 1,
    version: str = "1.7",
    trailer_extra: bytes = b"",
    file_id: bytes | None = None,
    object_streams: bool = False,
) -> bytes:
    """Serialise ``objects`` (object 1 is ``objects[0]``) with an exact xref table.

    With ``object_streams=True`` the file has the PDF 1.5 "compressed" shape
    most producers write today: every non-stream object sits in one /ObjStm
    and the cross-reference table is an /XRef stream (both FlateDecode).

    Exposed so tests can build their own odd-but-well-formed structures.
    """
    if object_streams:
        return _build_compressed_pdf(objects, root=root, version=version, trailer_extra=trailer_extra, file_id=file_id)
    out = bytearray(b"%PDF-" + version.encode("ascii") + b"\n" + _BINARY_COMMENT)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    if file_id is None:
        file_id = hashlib.md5(bytes(out)).digest()
    id_hex = file_id.hex().encode("ascii")
    out += b"trailer\n<< /Size %d /Root %d 0 R /ID [<%s> <%s>]%s >>\n" % (
        len(objects) + 1,
        root,
        id_hex,
        id_hex,
        (b" " + trailer_extra) if trailer_extra else b"",
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def _build_compressed_pdf(
    objects: list[bytes], *, root: int, version: str, trailer_extra: bytes, file_id: bytes | None
) -> bytes:
    out = bytearray(b"%PDF-" + version.encode("ascii") + b"\n" + _BINARY_COMMENT)
    count = len(objects)
    objstm_number, xref_number = count + 1, count + 2
    entries: dict[int, tuple[int, int, int]] = {0: (0, 0, 65535)}
    header, bodies, body_len = [], [], 0
    for number, body in enumerate(objects, start=1):
        if b"\nstream\n" in body:  # streams cannot live in an object stream
            entries[number] = (1, len(out), 0)
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        else:
            entries[number] = (2, objstm_number, len(header) // 2)
            header += [number, body_len]
            bodies.append(body + b"\n")
            body_len += len(body) + 1
    index = b" ".join(b"%d" % value for value in header) + b"\n"
    packed = zlib.compress(index + b"".join(bodies))
    entries[objstm_number] = (1, len(out), 0)
    out += b"%d 0 obj\n" % objstm_number + _stream(
        b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode" % (len(header) // 2, len(index)), packed
    ) + b"\nendobj\n"
    entries[xref_number] = (1, len(out), 0)
    wide = len(header) // 2 > 0xFFFF  # the third column holds the index in the ObjStm
    row = struct.Struct(">BII" if wide else ">BIH")
    rows = b"".join(row.pack(*entries[number]) for number in range(xref_number + 1))
    if file_id is None:
        file_id = hashlib.md5(bytes(out)).digest()
    id_hex = file_id.hex().encode("ascii")
    xref_at = len(out)
    out += b"%d 0 obj\n" % xref_number + _stream(
        b"/Type /XRef /Size %d /W [1 4 %d] /Root %d 0 R /ID [<%s> <%s>] /Filter /FlateDecode%s"
        % (xref_number + 1, 4 if wide else 2, root, id_hex, id_hex, (b" " + trailer_extra) if trailer_extra else b""),
        zlib.compress(rows),
    ) + b"\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def make_pdf(
    pages: int = 1,
    size: int | None = None,
    text: str = "Portal Judicial",
    *,
    seed=None,
    padding: str = "image",
    version: str = "1.7",
    object_streams: bool = False,
) -> bytes:
    """A valid, well-formed PDF with ``pages`` pages of Letter size.

    Each page shows ``text`` and its page number in Helvetica. With ``size``,
    the file is padded with incompressible bytes so that it is at least
    ``size`` bytes long (and at most about 1 KB more):

    * ``padding="image"`` (default): an 8-bit gray image XObject of random
      pixels, drawn on page 1 (a valid image, raw/unfiltered stream);
    * ``padding="content"``: page 1 gets a second content stream that shows a
      long random binary string with ``Tj`` (valid operators, clipped to an
      empty rectangle so nothing is painted).

    ``seed`` makes distinct documents (different bytes, /ID and padding); the
    default ``None`` always produces the same bytes for the same arguments.
    ``object_streams=True`` writes the PDF 1.5 compressed structure (see
    ``build_pdf``) instead of a classic xref table.
    """
    if pages < 1:
        raise ValueError("pages must be >= 1; use make_zero_page_pdf() for zero")
    if padding not in ("image", "content"):
        raise ValueError("padding must be 'image' or 'content'")

    nonce = _seed_bytes(seed)
    # Fixed layout: 1 catalog, 2 page tree, 3 font, 4 info, then 2 per page
    # (page, contents), then optionally 1 padding stream.
    first_page = 5
    padding_obj = first_page + 2 * pages
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(pages))

    def assemble(pad_len: int) -> bytes:
        objects: list[bytes] = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            b"<< /Producer (tests.support.pdfgen) /Title " + _pdf_string(text)
            + (b" /Subject " + _pdf_string(nonce.decode("latin-1")) if nonce else b"")
            + b" >>",
        ]
        for index in range(pages):
            page_obj = first_page + 2 * index
            resources = b"/Font << /F1 3 0 R >>"
            contents = b"%d 0 R" % (page_obj + 1)
            if index == 0 and pad_len:
                if padding == "image":
                    resources += b" /XObject << /Im0 %d 0 R >>" % padding_obj
                else:
                    contents = b"[%d 0 R %d 0 R]" % (page_obj + 1, padding_obj)
            objects.append(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << "
                + resources + b" >> /Contents " + contents + b" >>"
            )
            lines = [
                b"BT /F1 18 Tf 72 720 Td " + _pdf_string(text) + b" Tj ET",
                b"BT /F1 10 Tf 72 700 Td " + _pdf_string(f"Pagina {index + 1} de {pages}") + b" Tj ET",
            ]
            if nonce:
                lines.append(b"BT /F1 8 Tf 72 60 Td " + _pdf_string("ref " + nonce.decode("latin-1")) + b" Tj ET")
            if index == 0 and pad_len and padding == "image":
                lines.append(b"q 200 0 0 200 72 400 cm /Im0 Do Q")
            objects.append(_stream(b"", b"\n".join(lines)))
        if pad_len:
            if padding == "image":
                width = min(_IMAGE_WIDTH, pad_len)
                height = pad_len // width
                objects.append(
                    _stream(
                        b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                        b"/ColorSpace /DeviceGray /BitsPerComponent 8" % (width, height),
                        _random_bytes(width * height, seed),
                    )
                )
            else:
                body = _binary_literal_string(_random_bytes(pad_len, seed))
                objects.append(_stream(b"", b"q 0 0 0 0 re W n BT /F1 1 Tf " + body + b" Tj ET Q"))
        return build_pdf(objects, version=version, object_streams=object_streams)

    document = assemble(0)
    if size is None or len(document) >= size:
        return document
    # Overhead of the padding object itself is well under 1 KB; size the
    # payload so the result lands just above ``size``.
    missing = size - len(document)
    if padding == "image" and missing > _IMAGE_WIDTH:
        pad_len = -(-missing // _IMAGE_WIDTH) * _IMAGE_WIDTH  # whole rows of pixels
    else:
        pad_len = missing
    document = assemble(pad_len)
    # The padding object's own dictionary adds ~200 bytes: take them back.
    excess = len(document) - size
    if excess > 0 and pad_len > excess:
        trimmed = pad_len - excess
        if padding == "image" and trimmed > _IMAGE_WIDTH:
            trimmed = -(-trimmed // _IMAGE_WIDTH) * _IMAGE_WIDTH
        candidate = assemble(trimmed)
        if size <= len(candidate) < len(document):
            document = candidate
    assert len(document) >= size
    return document


def make_encrypted_pdf(
    user_password: str = "secreto",
    owner_password: str | None = None,
    algorithm: str = "AES-256",
    *,
    pages: int = 1,
    seed=None,
) -> bytes:
    """A PDF encrypted by pypdf's writer.

    ``algorithm`` is any of pypdf's ("RC4-40", "RC4-128", "AES-128",
    "AES-256-R5", "AES-256"). ``user_password=""`` gives a file that opens
    without a password but is still encrypted (owner-password restrictions).
    ``algorithm="Adobe.PubSec"`` instead writes a plain document whose trailer
    carries a public-key security handler /Encrypt dictionary, which pypdf
    cannot open at all.
    """
    if algorithm == "Adobe.PubSec":
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            b"<< /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 /R 4"
            b" /Recipients [<3082010a>] /Length 128 >>",
        ]
        return build_pdf(objects, trailer_extra=b"/Encrypt 4 0 R")

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(pages=pages, seed=seed))))
    writer.encrypt(
        user_password=user_password,
        owner_password=owner_password if owner_password is not None else "propietario",
        algorithm=algorithm,
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_truncated_pdf(fraction: float = 0.5, *, pages: int = 3, size: int | None = None, cut: int | None = None) -> bytes:
    """A valid PDF cut short: keeps ``fraction`` of it, or drops the last ``cut`` bytes."""
    document = make_pdf(pages=pages, size=size)
    if cut is not None:
        return document[: len(document) - cut]
    return document[: max(1, int(len(document) * fraction))]


def make_corrupt_pdf(size: int = 4096, *, with_eof: bool = True, seed=None) -> bytes:
    """A PDF header, then random garbage; ``with_eof`` adds a final %%EOF line
    so the file gets past a tail check and has to be refused by the parser."""
    garbage = _random_bytes(size, seed).replace(b"%%EOF", b"%%EOX")
    document = b"%PDF-1.7\n" + _BINARY_COMMENT + garbage
    if with_eof:
        document += b"\n%%EOF\n"
    return document


def make_broken_xref_pdf(pages: int = 2) -> bytes:
    """A valid document whose xref offsets and startxref are all wrong.

    Readers (and pypdf in non-strict mode) rebuild the table by scanning the
    objects, so this is a *recoverable* defect."""
    document = make_pdf(pages=pages)
    head, _, _ = document.rpartition(b"startxref\n")
    xref_at = head.index(b"\nxref\n") + 1
    table_end = head.index(b"trailer\n")
    table = head[xref_at:table_end].splitlines(keepends=True)
    broken = table[:3] + [b"%010d 00000 n \n" % (17 * i) for i in range(1, len(table) - 2)]
    head = head[:xref_at] + b"".join(broken) + head[table_end:]
    return head + b"startxref\n%d\n%%%%EOF\n" % (len(head) + 999)


def make_zero_page_pdf() -> bytes:
    """Structurally valid PDF whose page tree is empty."""
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [] /Count 0 >>",
        ]
    )


HOSTILE_KINDS = (
    "circular_kids",
    "self_kid",
    "deep_tree",
    "nested_arrays",
    "nested_dicts",
    "huge_size",
    "huge_xref_subsection",
    "prev_loop",
    "wide_tree",
    "many_objects",
    "objstm_bomb",
)

_HOSTILE_DEFAULT_N = {
    "deep_tree": 10_000,
    "nested_arrays": 50_000,
    "nested_dicts": 50_000,
    "wide_tree": 1_000,
    "many_objects": 1_000_000,
    "objstm_bomb": 200,
}


def make_hostile_pdf(kind: str = "circular_kids", *, n: int | None = None) -> bytes:
    """A PDF built to make a naive reader loop, recurse, allocate or grind.

    ``n`` scales the kinds that take a size (defaults in brackets):

      circular_kids         /Pages A -> /Kids [B], B -> /Kids [A] (a cycle)
      self_kid              a /Pages node that lists itself in /Kids
      deep_tree             ``n`` nested /Pages nodes, one page at the bottom [10 000]
      nested_arrays         a page dictionary holding ``n`` nested arrays [50 000]
      nested_dicts          the same with nested dictionaries [50 000]
      huge_size             trailer /Size 2**31-1 and no /Root (forces a search
                            for the catalog through absent objects)
      huge_xref_subsection  an xref subsection header claiming 10**9 entries
      prev_loop             the trailer's /Prev points back to its own xref
                            (otherwise a valid one-page document)
      wide_tree             /Kids repeating the same page ``n`` times, /Count 1 [1 000]
      many_objects          ``n`` tiny objects, no xref table and a wrong
                            startxref, so a reader must rebuild the xref by
                            scanning; repairable, just costly [1 000 000,
                            ~22 MB; plain pypdf spends ~8 s on it]
      objstm_bomb           ``n`` pages, each in its own object stream that
                            inflates ~1000:1 to about 1 MB of whitespace before
                            the page [200]
    """
    n = _HOSTILE_DEFAULT_N.get(kind) if n is None else n
    if kind == "circular_kids":
        return build_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
            ]
        )
    if kind == "self_kid":
        return build_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            ]
        )
    if kind == "deep_tree":
        objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
        for level in range(n):
            number = 2 + level
            parent = b" /Parent %d 0 R" % (number - 1) if level else b""
            objects.append(b"<< /Type /Pages%s /Kids [%d 0 R] /Count 1 >>" % (parent, number + 1))
        objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] >>" % (n + 1))
        return build_pdf(objects)
    if kind in ("nested_arrays", "nested_dicts"):
        if kind == "nested_arrays":
            bomb = b"[" * n + b"]" * n
        else:
            bomb = b"<< /A " * n + b"1" + b" >>" * n
        return build_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Bomb " + bomb + b" >>",
            ]
        )
    if kind == "huge_size":
        document = build_pdf(
            [
                b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 1 0 R /MediaBox [0 0 612 792] >>",
            ]
        )
        return document.replace(b"/Size 3 /Root 1 0 R", b"/Size 2147483647", 1)
    if kind == "huge_xref_subsection":
        return make_pdf().replace(b"xref\n0 7\n", b"xref\n0 1000000000\n", 1)
    if kind == "prev_loop":
        document = make_pdf()
        xref_at = document.rindex(b"\nxref\n") + 1
        return document.replace(b"/Size 7 ", b"/Size 7 /Prev %d " % xref_at, 1)
    if kind == "wide_tree":
        return build_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [" + b"3 0 R " * n + b"] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            ]
        )
    if kind == "many_objects":
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        ] + [b"1"] * n
        document = build_pdf(objects)
        trailer = b"\ntrailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n5\n%%%%EOF\n" % (n + 4)
        return document[: document.rindex(b"\nxref\n")] + trailer
    if kind == "objstm_bomb":
        return _objstm_bomb(n)
    raise ValueError(f"unknown hostile kind {kind!r}; one of {HOSTILE_KINDS}")


def _objstm_bomb(pages: int, inflate: int = 1_000_000) -> bytes:
    out = bytearray(b"%PDF-1.7\n" + _BINARY_COMMENT)
    entries: dict[int, tuple[int, int, int]] = {0: (0, 0, 65535)}
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    entries[1] = (1, len(out), 0)
    out += b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    entries[2] = (1, len(out), 0)
    out += b"2 0 obj\n<< /Type /Pages /Kids [" + kids + b"] /Count %d >>\nendobj\n" % pages
    for index in range(pages):
        page, holder = 3 + index, 3 + pages + index
        index_line = b"%d %d\n" % (page, inflate)
        body = index_line + b" " * inflate + b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
        entries[page] = (2, holder, 0)
        entries[holder] = (1, len(out), 0)
        out += b"%d 0 obj\n" % holder + _stream(
            b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode" % len(index_line), zlib.compress(body, 9)
        ) + b"\nendobj\n"
    xref_number = 3 + 2 * pages
    entries[xref_number] = (1, len(out), 0)
    rows = b"".join(struct.pack(">BIH", *entries[number]) for number in range(xref_number + 1))
    xref_at = len(out)
    out += b"%d 0 obj\n" % xref_number + _stream(
        b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode" % (xref_number + 1), zlib.compress(rows)
    ) + b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def append_page_update(document: bytes, text: str = "Pagina agregada") -> bytes:
    """Append an incremental update (a new revision, as signing or annotating
    tools do) that adds one page to a document made by ``make_pdf`` with the
    classic xref (object 2 is its page tree). Readers see the new page count."""
    trailer = document[document.rindex(b"trailer") :]
    size = int(re.search(rb"/Size (\d+)", trailer).group(1))
    previous = int(re.search(rb"startxref\s+(\d+)", trailer).group(1))
    *_, tree = re.finditer(rb"2 0 obj\n<< /Type /Pages /Kids \[(.*?)\] /Count (\d+) >>", document)
    kids, count = tree.group(1), int(tree.group(2))
    page, contents = size, size + 1
    out = bytearray(document)
    offsets = {}
    offsets[2] = len(out)
    out += b"2 0 obj\n<< /Type /Pages /Kids [%s %d 0 R] /Count %d >>\nendobj\n" % (kids, page, count + 1)
    offsets[page] = len(out)
    out += (
        b"%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >>"
        b" /Contents %d 0 R >>\nendobj\n" % (page, contents)
    )
    offsets[contents] = len(out)
    out += b"%d 0 obj\n" % contents + _stream(b"", b"BT /F1 18 Tf 72 720 Td " + _pdf_string(text) + b" Tj ET")
    out += b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n2 1\n%010d 00000 n \n" % offsets[2]
    out += b"%d 2\n%010d 00000 n \n%010d 00000 n \n" % (page, offsets[page], offsets[contents])
    out += b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (contents + 1, previous, xref_at)
    return bytes(out)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png(width: int = 4, height: int = 4) -> bytes:
    """A valid grayscale PNG."""
    raw = b"".join(b"\x00" + bytes(range(width)) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(raw))
        + _png_chunk(b"IEND", b"")
    )


def make_zip(inner: bytes | None = None, name: str = "escrito.pdf", *, compress: bool = True) -> bytes:
    """A ZIP archive holding one member (by default a valid PDF named *.pdf).

    ``compress=False`` stores the member as is, so the whole PDF, xref and
    all, sits inside the archive bytes (pypdf in non-strict mode reads such a
    ZIP as a one-page PDF)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        archive.writestr(info, inner if inner is not None else make_pdf())
    return buffer.getvalue()


def make_html(embed_pdf_header: bool = False) -> bytes:
    """An HTML page (what a browser saves when a download link was a login page).

    ``embed_pdf_header`` puts ``%PDF-1.7`` a few bytes in, the shape of an
    HTML/PDF polyglot that lenient "header within 1024 bytes" checks accept."""
    marker = "<!-- %PDF-1.7 -->" if embed_pdf_header else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"es\"><head><meta charset=\"utf-8\">" + marker
        + "<title>Iniciar sesión</title></head>\n"
        "<body><p>Su sesión ha expirado.</p></body></html>\n"
    ).encode("utf-8")


def make_exe() -> bytes:
    """The first bytes of a Windows PE executable (MZ stub)."""
    stub = bytearray(b"MZ" + b"\x90\x00" + b"\x00" * 56)
    stub[0x3C:0x40] = struct.pack("<I", 64)
    return bytes(stub) + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 18 + b"This program cannot be run in DOS mode.\r\n"
