"""Settings of the notarial protocol archive, checked when the service starts (a bad value refuses to start,
naming the key).

``PROTOCOL_COPY_FEES``: the fee table of certified copies, per page of the testimonio, as
``kind:amount`` pairs separated by commas (development default ``copia_simple:1.00,testimonio:5.00``, GTQ).
"""
from decimal import Decimal, InvalidOperation

from services.certificates.protocol.domain import COPY_KINDS
from services.runtime.config import ServiceSettings, Setting, between, positive


def fee_table(raw):
    table = {}
    for pair in str(raw).split(","):
        kind, _, amount = pair.strip().partition(":")
        try:
            value = Decimal(amount.strip())
        except InvalidOperation as exc:
            raise ValueError("pares tipo:monto, p. ej. copia_simple:1.00,testimonio:5.00") from exc
        if kind not in COPY_KINDS or not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
            raise ValueError("pares tipo:monto con tipos " + ", ".join(COPY_KINDS) + " y montos positivos con dos "
                             "decimales")
        table[kind] = value
    if set(table) != set(COPY_KINDS):
        raise ValueError("la tabla necesita un monto por página para cada tipo: " + ", ".join(COPY_KINDS))
    return table


class ProtocolSettings(ServiceSettings):
    tz_name = Setting("COURT_TIMEZONE", "America/Guatemala")
    copy_fees = Setting("PROTOCOL_COPY_FEES", "copia_simple:1.00,testimonio:5.00", fee_table)
    currency = Setting("CERTIFICATE_CURRENCY", "GTQ")
    expiry_hours = Setting("PAYMENT_EXPIRY_HOURS", 72, float, between(1, 24 * 30, "horas"))
    max_document_bytes = Setting("PROTOCOL_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024, int, positive)
    verify_url = Setting("CERTIFICATE_VERIFY_URL", "http://127.0.0.1:8000/api/v1/public/certificates/")
    issue_lease = Setting("ISSUANCE_LEASE_SECONDS", 60, float, between(1, 3600, "segundos"))
