"""The PDF of a certified copy: the deposited testimonio, then a certification page (serial, instrument,
notary, date of issue, verification code and its QR code), drawn with the certificates' page
(``services.certificates.document``) and signed afterwards like a certificate (PAdES, ``signing``)."""
import datetime
import io
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter

from services.certificates.document import PAGE_WIDTH, MARGIN, _assemble, _Page, spanish_instant

KIND_LABELS = {"copia_simple": "COPIA SIMPLE CERTIFICADA", "testimonio": "TESTIMONIO"}


@dataclass
class CopyContent:
    kind: str
    serial: str
    verification_code: str
    bar_number: str
    notary_name: str
    year: int
    number: int
    act_type: str
    authorized_at: str
    pages: int
    issued_at: datetime.datetime
    verify_url: str
    local_tz: datetime.tzinfo


def certification_page(content: CopyContent) -> bytes:
    page = _Page()
    page.text("ORGANISMO JUDICIAL DE GUATEMALA", 14, bold=True)
    page.text("Archivo General de Protocolos", 11)
    page.space(10)
    page.text(f"CERTIFICACIÓN DE {KIND_LABELS[content.kind]}", 13, bold=True)
    page.text(f"Serie: {content.serial}", 10)
    page.space(8)
    page.text(f"El Archivo General de Protocolos certifica que las {content.pages} página(s) que preceden reproducen "
              "el testimonio especial depositado en este Archivo del instrumento siguiente:", 10)
    page.space(4)
    page.text(f"Instrumento número {content.number} del protocolo del año {content.year}", 11, bold=True)
    page.text(f"Notario: {content.notary_name} (colegiado {content.bar_number})", 11, bold=True)
    page.text(f"Tipo de acto: {content.act_type.replace('_', ' ')}; autorizado el {content.authorized_at}", 10)
    page.space(10)
    page.text(f"Emitida: {spanish_instant(content.issued_at, content.local_tz)}", 10)
    page.text(f"Código de verificación: {content.verification_code}", 11, bold=True)
    page.space(6)
    page.text("Verifique esta copia escaneando el código QR o en:", 9)
    page.text(content.verify_url, 9)
    page.text("Este documento está firmado electrónicamente (PAdES). Cualquier modificación invalida la firma.", 9)
    qr_size = 130
    page.qr(content.verify_url, PAGE_WIDTH - MARGIN - qr_size, 60, qr_size)
    return _assemble(b"\n".join(page.ops))


def render_copy(testimonio: bytes, content: CopyContent) -> bytes:
    """The unsigned copy: every page of the testimonio, then the certification page."""
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(testimonio), strict=False))
    writer.append(PdfReader(io.BytesIO(certification_page(content))))
    writer.add_metadata({"/Producer": "Portal Judicial", "/Title": f"Copia certificada {content.serial}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
