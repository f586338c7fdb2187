"""The certificate's PDF, written directly (no layout engine): one A4 page of Helvetica text in Spanish and a
QR code drawn as filled squares. Writing the few objects by hand keeps issuance light (about a millisecond
per document), which matters because issuance is meant to reach 20 certificates per second on two cores;
the signature (``signing``) is the costly part.

The text is encoded in WinAnsiEncoding (cp1252), which has every Spanish letter; a character outside it is
shown as "?" (names come from the registry, already checked as text)."""
import datetime
import zlib
from dataclasses import dataclass, field

import qrcode
from qrcode.constants import ERROR_CORRECT_M

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 56
LINE_WIDTH_CHARS = 88  # Helvetica 10 pt across the text width, conservatively
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
          "noviembre", "diciembre")
NO_RECORD = "NO TIENE ANTECEDENTES PENALES"


@dataclass
class CertificateContent:
    """What the document states (the certificate's fields, formatted for people)."""
    serial: str
    verification_code: str
    name: str
    id_number: str
    records: list = field(default_factory=list)  # the active records at the instant of issue
    issued_at: datetime.datetime = None
    valid_until: datetime.datetime = None
    verify_url: str = ""
    local_tz: datetime.tzinfo = datetime.timezone.utc


def spanish_instant(moment, tz):
    local = moment.astimezone(tz)
    return f"{local.day} de {MONTHS[local.month - 1]} de {local.year}, {local:%H:%M:%S} (hora de Guatemala)"


def spanish_date(moment, tz):
    local = moment.astimezone(tz)
    return f"{local.day} de {MONTHS[local.month - 1]} de {local.year}"


def _escape(text):
    raw = str(text).encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)").replace(b"\r", b" ").replace(
        b"\n", b" ")


def _wrap(text, width=LINE_WIDTH_CHARS):
    words, lines, line = str(text).split(), [], ""
    for word in words:
        while len(word) > width:  # a very long token (no spaces) is cut
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        candidate = f"{line} {word}" if line else word
        if len(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines or [""]


class _Page:
    def __init__(self):
        self.ops = []
        self.y = PAGE_HEIGHT - MARGIN

    def text(self, content, size=10, bold=False, x=MARGIN, gap=None):
        font = b"/F2" if bold else b"/F1"
        for line in _wrap(content, int(LINE_WIDTH_CHARS * 10 / size)):
            self.y -= gap or size * 1.45
            self.ops.append(b"BT " + font + b" %d Tf %d %.1f Td (" % (size, x, self.y) + _escape(line) + b") Tj ET")

    def space(self, points):
        self.y -= points

    def qr(self, data, x, y, size):
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
        code.add_data(data)
        code.make(fit=True)
        matrix = code.get_matrix()
        module = size / len(matrix)
        rects = []
        for row, cells in enumerate(matrix):
            for col, dark in enumerate(cells):
                if dark:
                    rects.append(b"%.2f %.2f %.2f %.2f re" % (x + col * module, y + size - (row + 1) * module,
                                                             module, module))
        self.ops.append(b"0 g " + b" ".join(rects) + b" f")


def render(content: CertificateContent) -> bytes:
    """The unsigned PDF of one certificate."""
    tz = content.local_tz
    page = _Page()
    page.text("ORGANISMO JUDICIAL DE GUATEMALA", 14, bold=True)
    page.text("Unidad de Antecedentes Penales", 11)
    page.space(10)
    page.text("CONSTANCIA DE ANTECEDENTES PENALES", 13, bold=True)
    page.text(f"Serie: {content.serial}", 10)
    page.space(8)
    page.text("La Unidad de Antecedentes Penales hace constar que, según el registro a su cargo al instante de "
              "esta emisión, la persona:", 10)
    page.space(4)
    page.text(f"Nombre: {content.name}", 11, bold=True)
    page.text(f"CUI: {content.id_number}", 11, bold=True)
    page.space(6)
    if not content.records:
        page.text(NO_RECORD, 14, bold=True)
    else:
        page.text(f"TIENE ANTECEDENTES PENALES ({len(content.records)} vigente(s)):", 12, bold=True)
        for number, record in enumerate(content.records, 1):
            page.space(2)
            page.text(f"{number}. Proceso {record['case_number']}, {record['court']}", 10, bold=True)
            page.text("Delitos: " + "; ".join(record["offences"]), 9, x=MARGIN + 12)
            page.text(f"Pena: {record['penalty']}", 9, x=MARGIN + 12)
            page.text(f"Sentencia del {record['sentence_date']}, firme desde el {record['final_date']}", 9,
                      x=MARGIN + 12)
            if page.y < 260:
                page.text("(Lista truncada: consulte la verificación en línea para el detalle completo.)", 9)
                break
    page.space(10)
    page.text(f"Emitida: {spanish_instant(content.issued_at, tz)}", 10)
    page.text(f"Válida hasta: {spanish_date(content.valid_until, tz)}", 10)
    page.text(f"Código de verificación: {content.verification_code}", 11, bold=True)
    page.space(6)
    page.text("Verifique esta constancia escaneando el código QR o en:", 9)
    page.text(content.verify_url, 9)
    page.text("Este documento está firmado electrónicamente (PAdES). Cualquier modificación invalida la firma.", 9)
    qr_size = 130
    page.qr(content.verify_url, PAGE_WIDTH - MARGIN - qr_size, 60, qr_size)
    return _assemble(b"\n".join(page.ops))


def _assemble(stream):
    body = zlib.compress(stream, 6)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> "
        b"/Contents 6 0 R >>" % (PAGE_WIDTH, PAGE_HEIGHT),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
        b"<< /Producer (Portal Judicial) /Title (Constancia de antecedentes penales) >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
