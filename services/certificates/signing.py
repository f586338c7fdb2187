"""The PAdES signature of every certificate (pyHanko), and its check.

Key and certificate, loaded once per process (``CertificateSigning``):

- production (``PORTAL_ENV=production``): ``CERTIFICATE_SIGNING_KEY`` (the private key, PEM) and
  ``CERTIFICATE_SIGNING_CERT`` (its X.509 certificate, PEM), from a secret. The service refuses to start
  without both, or when they do not belong together.
- development: without them, a self-signed certificate ("desarrollo") is generated on the first start and
  kept in the ``keys`` collection of the certificates database, so every replica signs with the same key
  and documents signed before a restart still verify.

A signature is PAdES baseline (``ETSI.CAdES.detached``) over the whole file; poppler's ``pdfsig`` reports
it valid (and the certificate untrusted, unless the reader trusts ours), and any byte changed afterwards
invalid. ``check`` is the same verdict here: the signature is intact, made by our key, and covers the whole
file.
"""
import asyncio
import concurrent.futures
import datetime
import io
import logging
import threading
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys, x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from nameko.extensions import DependencyProvider
from pymongo.errors import DuplicateKeyError

from services.runtime.config import Settings
from services.runtime.mongo import database_name, get_client, utcnow

log = logging.getLogger(__name__)

DEV_KEY_ID = "development"
FIELD_NAME = "FirmaUNAP"
SIGNATURE_REASON = "Constancia de antecedentes penales emitida por la Unidad de Antecedentes Penales"


class SigningConfigurationError(RuntimeError):
    pass


# One pyHanko run at a time per process. asyncio keeps "the running loop" per OS thread, and a service's green threads
# share one: a loop's selector yields to the others (eventlet), so a second signing or validation started meanwhile
# found the first one's loop running and failed ("Cannot run the event loop while another loop is running"): several
# issuances at once (ISSUANCE_CONCURRENCY), or a copy signed while a certificate was. The work is CPU only, so running
# one at a time costs nothing; what waits on the database around it still overlaps.
_LOOP_TURN = threading.Lock()  # a green lock in a service (monkey-patched), a real one elsewhere


def _run(coroutine):
    """pyHanko's work is coroutines; each runs to the end on a loop of its own (no I/O happens inside), one at a time
    (``_LOOP_TURN``). Where this thread already has a running loop (a caller inside asyncio), the coroutine runs on a
    thread of its own."""
    with _LOOP_TURN:
        if asyncio._get_running_loop() is None:
            return _run_on_new_loop(coroutine)
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(_run_on_new_loop, coroutine).result()


def _run_on_new_loop(coroutine):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def generate_development_pair(now=None):
    """A fresh EC P-256 key and a self-signed certificate for it (PEM text of each)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "GT"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Organismo Judicial (desarrollo)"),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Unidad de Antecedentes Penales"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "UNAP firma de constancias (desarrollo)")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def development_pair(db):
    """The shared development key and certificate, created once (concurrent replicas agree on one)."""
    for _ in range(3):
        found = db.keys.find_one({"_id": DEV_KEY_ID})
        if found:
            return found["key_pem"], found["cert_pem"]
        key_pem, cert_pem = generate_development_pair()
        try:
            db.keys.insert_one({"_id": DEV_KEY_ID, "key_pem": key_pem, "cert_pem": cert_pem, "created_at": utcnow(),
                                "note": "development only: production uses CERTIFICATE_SIGNING_KEY/CERT"})
        except DuplicateKeyError:
            pass
    raise SigningConfigurationError("could not create the development signing certificate")


@dataclass(frozen=True)
class Verdict:
    """What a signature check found: ``signature`` is "valid", "invalid" (the bytes changed since signing,
    or it does not cover the whole file), "untrusted" (intact, but not made with our key) or "missing"."""
    signature: str
    detail: str = ""


class Signer:
    """Signs certificates with one key, loaded once; checks signatures against our certificates."""

    def __init__(self, key_pem, cert_pem, retired_cert_pems=()):
        from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        try:
            self.key = load_private_key_from_pemder_data(key_pem.encode("ascii"), passphrase=None)
            certs = list(load_certs_from_pemder_data(cert_pem.encode("ascii")))
        except Exception as exc:  # any malformed PEM: the service must not start
            raise SigningConfigurationError(f"signing key or certificate cannot be read: {exc}") from exc
        if not certs:
            raise SigningConfigurationError("CERTIFICATE_SIGNING_CERT holds no certificate")
        self.cert = certs[0]
        if not _belong_together(self.key, self.cert):
            raise SigningConfigurationError("CERTIFICATE_SIGNING_KEY does not belong to CERTIFICATE_SIGNING_CERT")
        self.trusted = [self.cert]
        for pem in retired_cert_pems:
            self.trusted.extend(load_certs_from_pemder_data(pem.encode("ascii")))
        self.signer = signers.SimpleSigner(signing_cert=self.cert, signing_key=self.key,
                                           cert_registry=SimpleCertificateStore.from_certs(certs))
        self.fingerprint = self.cert.sha256.hex()

    def sign(self, pdf: bytes) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        meta = signers.PdfSignatureMetadata(field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES,
                                            reason=SIGNATURE_REASON, location="Guatemala, Guatemala",
                                            md_algorithm="sha256")
        pdf_signer = signers.PdfSigner(meta, signer=self.signer)
        output = io.BytesIO()
        _run(pdf_signer.async_sign_pdf(writer, output=output))
        return output.getvalue()

    def check(self, pdf: bytes) -> Verdict:
        """Whether ``pdf`` carries one of our signatures, intact, over the whole file."""
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import async_validate_pdf_signature
        from pyhanko.sign.validation.status import SignatureCoverageLevel
        from pyhanko_certvalidator import ValidationContext

        try:
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
            embedded = reader.embedded_signatures
        except Exception as exc:  # a file pyHanko cannot read carries no signature we can vouch for
            return Verdict("invalid", f"no se pudo leer el PDF: {type(exc).__name__}")
        if not embedded:
            return Verdict("missing", "El documento no tiene firma electrónica.")
        signature = embedded[-1]
        context = ValidationContext(trust_roots=self.trusted, allow_fetching=False, revocation_mode="soft-fail")
        try:
            status = _run(async_validate_pdf_signature(signature, context))
        except Exception as exc:
            return Verdict("invalid", f"la firma no se pudo validar: {type(exc).__name__}")
        if not (status.intact and status.valid):
            return Verdict("invalid", "El documento cambió después de firmado.")
        if status.coverage != SignatureCoverageLevel.ENTIRE_FILE or len(embedded) != 1:
            return Verdict("invalid", "Se agregó contenido al documento después de firmado.")
        signer_cert = status.signing_cert
        if signer_cert is None or not any(signer_cert.sha256 == cert.sha256 for cert in self.trusted):
            return Verdict("untrusted", "La firma no es de la Unidad de Antecedentes Penales.")
        return Verdict("valid", "Firma íntegra de la Unidad de Antecedentes Penales.")


def _belong_together(key_info: asn1_keys.PrivateKeyInfo, cert: asn1_x509.Certificate) -> bool:
    private = serialization.load_der_private_key(key_info.dump(), password=None)
    public = x509.load_der_x509_certificate(cert.dump()).public_key()
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private.public_key().public_bytes(*fmt) == public.public_bytes(*fmt)


def resolve_signer(settings, db=None):
    """The Signer of this deployment (see the module docstring)."""
    key_pem = settings.get("CERTIFICATE_SIGNING_KEY")
    cert_pem = settings.get("CERTIFICATE_SIGNING_CERT")
    retired = [pem for pem in str(settings.get("CERTIFICATE_RETIRED_CERTS") or "").split("\n\n") if pem.strip()]
    if key_pem or cert_pem:
        if not (key_pem and cert_pem):
            raise SigningConfigurationError("CERTIFICATE_SIGNING_KEY and CERTIFICATE_SIGNING_CERT go together")
        return Signer(key_pem, cert_pem, retired)
    if settings.production:
        raise SigningConfigurationError(
            "CERTIFICATE_SIGNING_KEY and CERTIFICATE_SIGNING_CERT must be set when PORTAL_ENV=production")
    if db is None:
        db = get_client(settings.mongo_uri)[database_name(settings.db_prefix, "certificates")]
    return Signer(*development_pair(db), retired)


class CertificateSigning(DependencyProvider):
    """The process's Signer, built when the container starts (a missing or bad key refuses to start)."""

    def setup(self):
        self.signer = resolve_signer(Settings(self.container.config))
        log.info("certificate signing key ready", extra={"fingerprint": self.signer.fingerprint})

    def get_dependency(self, worker_ctx):
        return self.signer
