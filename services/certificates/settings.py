"""The certificates service's settings, checked when it starts (a bad value refuses to start, naming the key),
and the banks' payment secrets, which the gateway checks notifications with.

Banks: ``PAYMENT_BANKS`` (comma-separated names, ``banco_demo`` by default); each bank's secret is
``PAYMENT_SECRET_<NAME IN CAPITALS>``. Only ``banco_demo`` has a development default
(``DEV_BANK_SECRET``); with ``PORTAL_ENV=production`` every configured bank needs its own secret of at least
32 bytes, or the gateway does not start.
"""
import os
import re
from decimal import Decimal, InvalidOperation

from services.runtime.config import ConfigurationError, ServiceSettings, Setting, Settings, between, positive, time_zone

DEV_BANK = "banco_demo"
DEV_BANK_SECRET = "banco-demo-secreto-de-desarrollo-no-usar-en-produccion"
MIN_SECRET_BYTES = 32
_BANK_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def bank_list(raw):
    names = [name.strip() for name in str(raw).split(",") if name.strip()]
    if not names or any(not _BANK_NAME.match(name) for name in names):
        raise ValueError("nombres de banco en minúsculas (letras, dígitos, _), separados por comas")
    return tuple(names)


def amount(raw):
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise ValueError("debe ser un monto como 30.00") from exc
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise ValueError("debe ser un monto positivo con dos decimales")
    return value.quantize(Decimal("0.01"))


def currency(raw):
    if not re.match(r"^[A-Z]{3}$", str(raw)):
        raise ValueError("código ISO 4217 de tres letras")
    return str(raw)


class CertificatesSettings(ServiceSettings):
    tz = Setting("COURT_TIMEZONE", "America/Guatemala", time_zone)
    amount = Setting("CERTIFICATE_AMOUNT", "30.00", amount)
    currency = Setting("CERTIFICATE_CURRENCY", "GTQ", currency)
    banks = Setting("PAYMENT_BANKS", DEV_BANK, bank_list)
    expiry_hours = Setting("PAYMENT_EXPIRY_HOURS", 72, float, between(1, 24 * 30, "horas"))
    verify_url = Setting("CERTIFICATE_VERIFY_URL", "http://127.0.0.1:8000/api/v1/public/certificates/")
    issue_interval = Setting("ISSUANCE_INTERVAL", 0.2, float, positive)
    # how long a replica holds an issuance it claimed; one that died holding it is taken over after this
    issue_lease = Setting("ISSUANCE_LEASE_SECONDS", 60, float, between(1, 3600, "segundos"))
    # issuances a replica works at once (green threads: one renders and signs while others wait on the database)
    issue_concurrency = Setting("ISSUANCE_CONCURRENCY", 4, int, between(1, 32))
    rpc_timeout = Setting("RPC_TIMEOUT", 10, float, positive)


def bank_secrets(config):
    """{bank: secret} for every configured bank (see the module docstring); ConfigurationError otherwise."""
    settings = config if isinstance(config, Settings) else Settings(config)
    banks = Setting("PAYMENT_BANKS", DEV_BANK, bank_list).read(settings)
    secrets = {}
    for bank in banks:
        key = f"PAYMENT_SECRET_{bank.upper()}"
        secret = settings.get(key) or os.environ.get(key) or ""
        if not secret and bank == DEV_BANK and not settings.production:
            secret = DEV_BANK_SECRET
        if settings.production and (not secret or secret == DEV_BANK_SECRET
                                    or len(secret.encode("utf-8")) < MIN_SECRET_BYTES):
            raise ConfigurationError(key, "***", f"en producción cada banco necesita su secreto propio "
                                                 f"(al menos {MIN_SECRET_BYTES} bytes)")
        if not secret:
            raise ConfigurationError(key, "", "falta el secreto de este banco")
        secrets[bank] = secret
    return secrets
