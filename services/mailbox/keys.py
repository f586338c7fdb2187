"""The evidence signing key (Ed25519) of the mailbox service.

``EVIDENCE_SIGNING_KEY``: standard base64 of the 32-byte Ed25519 seed. In
production (``PORTAL_ENV=production``) a missing key refuses to start; a key
that is not valid refuses to start anywhere. In development, without a key,
one is generated once and kept in the ``keys`` collection of the mailbox
database, so every replica signs with the same key and evidence survives
restarts. ``EVIDENCE_RETIRED_PUBLIC_KEYS`` (comma-separated base64 public keys)
keeps evidence signed before a key rotation verifiable.
"""
import base64
import binascii
import logging

from nameko.extensions import DependencyProvider
from pymongo.errors import DuplicateKeyError

from services.mailbox.evidence import ALGORITHM, EvidenceSigner, generate_key, key_id_for
from services.runtime.config import Settings
from services.runtime.mongo import database_name, get_client, utcnow

log = logging.getLogger(__name__)

DEV_KEY_ID = "development"


class KeyConfigurationError(RuntimeError):
    pass


def _decode_key(value, name, length=32):
    try:
        raw = base64.b64decode(str(value).strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyConfigurationError(f"{name} must be standard base64") from exc
    if len(raw) != length:
        raise KeyConfigurationError(f"{name} must decode to exactly {length} bytes (got {len(raw)})")
    return raw


def development_seed(db):
    """The shared development seed, created once (concurrent replicas agree on one)."""
    for _ in range(3):
        found = db.keys.find_one({"_id": DEV_KEY_ID})
        if found:
            return base64.b64decode(found["seed_b64"])
        try:
            db.keys.insert_one({"_id": DEV_KEY_ID, "seed_b64": base64.b64encode(generate_key()).decode("ascii"),
                                "algorithm": ALGORITHM, "created_at": utcnow(),
                                "note": "development only: production uses EVIDENCE_SIGNING_KEY"})
        except DuplicateKeyError:
            pass
    raise KeyConfigurationError("could not create the development signing key")


def resolve_signer(settings, db=None):
    """The EvidenceSigner configured for this deployment (see the module docstring)."""
    configured = settings.get("EVIDENCE_SIGNING_KEY")
    if configured:
        return EvidenceSigner(_decode_key(configured, "EVIDENCE_SIGNING_KEY"))
    if settings.production:
        raise KeyConfigurationError("EVIDENCE_SIGNING_KEY must be set when PORTAL_ENV=production")
    if db is None:
        db = get_client(settings.mongo_uri)[database_name(settings.db_prefix, "mailbox")]
    return EvidenceSigner(development_seed(db))


def retired_public_keys(settings):
    raw = settings.get("EVIDENCE_RETIRED_PUBLIC_KEYS") or ""
    keys = {}
    for item in str(raw).split(","):
        if item.strip():
            public = _decode_key(item, "EVIDENCE_RETIRED_PUBLIC_KEYS")
            keys[key_id_for(public)] = public
    return keys


class EvidenceKeys:
    """What a worker needs: the signer and every public key that verifies."""

    def __init__(self, signer, retired):
        self.signer = signer
        self.retired = retired

    @property
    def public_keys(self):
        return {**self.retired, self.signer.key_id: self.signer.public_key_bytes}

    def listing(self):
        keys = [{"key_id": self.signer.key_id, "algorithm": ALGORITHM, "public_key": self.signer.public_key_b64,
                 "status": "active"}]
        for key_id, public in sorted(self.retired.items()):
            if key_id != self.signer.key_id:
                keys.append({"key_id": key_id, "algorithm": ALGORITHM,
                             "public_key": base64.b64encode(public).decode("ascii"), "status": "retired"})
        return keys


class SigningKey(DependencyProvider):
    def setup(self):
        settings = Settings(self.container.config)
        self.keys = EvidenceKeys(resolve_signer(settings), retired_public_keys(settings))
        log.info("evidence signing key ready", extra={"key_id": self.keys.signer.key_id})

    def get_dependency(self, worker_ctx):
        return self.keys
