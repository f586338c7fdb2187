"""Evidence of a notice (acuse de recibo): canonical JSON, Ed25519 signing, verification, diffs.

Pure rules: no I/O. Keys are raw Ed25519 keys (32 bytes private, 32 bytes public).

Signed document
---------------
::

    {
      "evidence":  {...fields...},
      "algorithm": "Ed25519",
      "key_id":    "<first 16 hex chars of sha256(raw public key)>",
      "signature": "<standard base64, with padding, of the 64-byte signature>"
    }

The signature covers ``canonical_json`` of the document WITHOUT ``"signature"``,
i.e. of ``{"algorithm": ..., "evidence": ..., "key_id": ...}``, so the algorithm
and the key id are bound to the signature as well as every evidence field.
Anyone holding the public key can re-check a document with any JSON library
able to reproduce :func:`canonical_json`.

Canonical JSON
--------------
Object keys sorted (by code point), separators ``,`` and ``:`` with no
whitespace, strings as raw UTF-8 (only ``"``, ``\\`` and control characters
escaped, lowercase ``\\uXXXX``), ``true``/``false``/``null``, integers as
digits. Only ``dict`` (string keys), ``list``, ``str``, ``int``, ``bool``,
``None`` and finite ``float`` are accepted; datetimes must already be
ISO-8601 strings. Anything else (NaN, infinities, datetimes, bytes, tuples,
sets, non-string keys, lone surrogates) raises :class:`CanonicalJSONError`
(a ``ValueError``) naming the path. Strings are not Unicode-normalised: the
bytes signed are the characters given ("Pérez" in NFC and in NFD differ).
"""
from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from contracts.base import json_depth
from services.mailbox import records

__all__ = [
    "ALGORITHM",
    "EVIDENCE_FIELDS",
    "CanonicalJSONError",
    "EvidenceSigner",
    "VerificationResult",
    "canonical_json",
    "compare_with_record",
    "diff_fields",
    "presented_evidence",
    "too_deep",
    "too_deep_report",
    "verification_report",
    "generate_key",
    "key_id_for",
    "signed_payload",
    "verify",
]

ALGORITHM = "Ed25519"

# The fields an evidence document of a notice carries (recipient is {"sub", "name"}).
EVIDENCE_FIELDS = (
    "notification_id",
    "recipient",
    "case_number",
    "court_id",
    "resolution_id",
    "resolution_kind",
    "summary",
    "document_id",
    "document_sha256",
    "issued_at",
    "available_at",
    "accessed_at",
    "served_at",
    "served_by",
    "term_days",
    "due_date",
    "generated_at",
)

DOCUMENT_KEYS = ("evidence", "algorithm", "key_id", "signature")
MAX_NESTING = 8  # a presented document nested deeper is refused before anything else is looked at
SIGNATURE_LENGTH = 64
PUBLIC_KEY_LENGTH = 32
PRIVATE_KEY_LENGTH = 32


class CanonicalJSONError(ValueError):
    """A value cannot be written as canonical JSON; ``path`` names where."""

    def __init__(self, message: str, path: str = ""):
        super().__init__(message)
        self.path = path
        self.message = message


# --------------------------------------------------------------------------
# Canonical JSON
# --------------------------------------------------------------------------

def _check(value: Any, path: str) -> None:
    where = path or "(raíz)"
    if value is None or isinstance(value, (bool, str)):
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise CanonicalJSONError(f"Texto con caracteres no válidos en UTF-8 en «{where}».", path) from exc
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CanonicalJSONError(f"Número no finito (NaN o infinito) en «{where}».", path)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalJSONError(f"Las claves deben ser texto; clave {key!r} en «{where}».", path)
            try:
                key.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise CanonicalJSONError(f"Clave con caracteres no válidos en UTF-8 en «{where}».", path) from exc
            _check(item, f"{path}.{key}" if path else key)
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, f"{path}.{index}" if path else str(index))
        return
    raise CanonicalJSONError(
        f"Tipo no admitido en JSON canónico ({type(value).__name__}) en «{where}»; "
        "las fechas deben ir como texto ISO-8601.",
        path,
    )


def canonical_json(obj: Any) -> bytes:
    """Deterministic UTF-8 JSON bytes of ``obj`` (see the module docstring)."""
    _check(obj, "")
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


# --------------------------------------------------------------------------
# Keys and signing
# --------------------------------------------------------------------------

def generate_key() -> bytes:
    """A new raw 32-byte Ed25519 private key."""
    return Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def key_id_for(public_key_bytes: bytes) -> str:
    """First 16 hex characters of sha256(raw public key)."""
    return hashlib.sha256(bytes(public_key_bytes)).hexdigest()[:16]


def signed_payload(document: Mapping[str, Any]) -> bytes:
    """The exact bytes a signature covers: canonical JSON of algorithm, evidence and key_id."""
    return canonical_json(
        {"algorithm": document["algorithm"], "evidence": document["evidence"], "key_id": document["key_id"]}
    )


class EvidenceSigner:
    """Signs evidence documents with one Ed25519 key."""

    generate_key = staticmethod(generate_key)

    def __init__(self, private_key_bytes: bytes):
        if not isinstance(private_key_bytes, (bytes, bytearray)) or len(private_key_bytes) != PRIVATE_KEY_LENGTH:
            raise ValueError("La clave privada Ed25519 debe tener exactamente 32 bytes.")
        self._private_key = Ed25519PrivateKey.from_private_bytes(bytes(private_key_bytes))
        self.public_key_bytes = self._private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.public_key_b64 = base64.b64encode(self.public_key_bytes).decode("ascii")
        self.key_id = key_id_for(self.public_key_bytes)

    def sign(self, fields: dict) -> dict:
        """``{"evidence": fields, "algorithm": "Ed25519", "key_id": ..., "signature": base64}``."""
        if not isinstance(fields, dict):
            raise ValueError("La evidencia a firmar debe ser un objeto JSON (dict).")
        document = {"evidence": copy.deepcopy(fields), "algorithm": ALGORITHM, "key_id": self.key_id}
        signature = self._private_key.sign(signed_payload(document))
        document["signature"] = base64.b64encode(signature).decode("ascii")
        return document


# --------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class VerificationResult:
    valid: bool
    errors: list = field(default_factory=list)
    key_id: Any = None


def _error(field_name: str, code: str, message: str) -> dict:
    return {"field": field_name, "code": code, "message": message}


def _decode_signature(value: str):
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    # Only the one canonical spelling of those bytes is accepted.
    if base64.b64encode(raw).decode("ascii") != value:
        return None
    return raw


def verify(document: Any, public_keys: Mapping[str, bytes]) -> VerificationResult:
    """Check the structure and the signature of an evidence document.

    ``public_keys`` maps key ids to raw 32-byte Ed25519 public keys (current and
    retired keys alike). Every structural problem found is reported, each as
    ``{"field", "code", "message"}``; the signature is only checked when the
    structure is sound. ``valid`` is True only without any error.
    """
    if not isinstance(document, dict):
        return VerificationResult(
            False,
            [_error("document", "invalid_document", "El documento de evidencia debe ser un objeto JSON.")],
        )
    errors: list = []

    for name in sorted(set(document) - set(DOCUMENT_KEYS), key=str):
        errors.append(
            _error(str(name), "unexpected_field", f"El documento contiene el campo no previsto «{name}».")
        )

    evidence = document.get("evidence")
    if "evidence" not in document:
        errors.append(_error("evidence", "missing_field", "Falta la evidencia («evidence»)."))
    elif not isinstance(evidence, dict):
        errors.append(_error("evidence", "invalid_type", "La evidencia («evidence») debe ser un objeto JSON."))
    else:
        try:
            canonical_json(evidence)
        except CanonicalJSONError as exc:
            path = f"evidence.{exc.path}" if exc.path else "evidence"
            errors.append(_error(path, "invalid_value", exc.message))

    algorithm = document.get("algorithm")
    if "algorithm" not in document:
        errors.append(_error("algorithm", "missing_field", "Falta el algoritmo de firma («algorithm»)."))
    elif algorithm != ALGORITHM:
        errors.append(
            _error("algorithm", "unsupported_algorithm", f"Algoritmo de firma no admitido: se espera «{ALGORITHM}».")
        )

    key_id = document.get("key_id")
    public_key = None
    if "key_id" not in document:
        errors.append(_error("key_id", "missing_field", "Falta el identificador de la clave («key_id»)."))
    elif not isinstance(key_id, str):
        errors.append(_error("key_id", "invalid_type", "El identificador de la clave («key_id») debe ser texto."))
    elif key_id not in public_keys:
        errors.append(
            _error("key_id", "unknown_key", f"La clave «{key_id}» no corresponde a ninguna clave de firma conocida.")
        )
    else:
        raw_key = public_keys[key_id]
        try:
            if not isinstance(raw_key, (bytes, bytearray)) or len(raw_key) != PUBLIC_KEY_LENGTH:
                raise ValueError
            public_key = Ed25519PublicKey.from_public_bytes(bytes(raw_key))
        except ValueError:
            errors.append(
                _error("key_id", "invalid_public_key", f"La clave pública registrada para «{key_id}» no es válida.")
            )

    signature = None
    if "signature" not in document:
        errors.append(_error("signature", "missing_field", "Falta la firma («signature»)."))
    elif not isinstance(document["signature"], str):
        errors.append(_error("signature", "invalid_type", "La firma («signature») debe ser texto en base64."))
    else:
        signature = _decode_signature(document["signature"])
        if signature is None:
            errors.append(_error("signature", "invalid_base64", "La firma («signature») no es base64 válido."))
        elif len(signature) != SIGNATURE_LENGTH:
            errors.append(
                _error(
                    "signature",
                    "invalid_signature_length",
                    f"La firma debe medir {SIGNATURE_LENGTH} bytes; mide {len(signature)}.",
                )
            )

    key_id_out = key_id if isinstance(key_id, str) else None
    if errors:
        return VerificationResult(False, errors, key_id_out)

    try:
        public_key.verify(signature, signed_payload(document))
    except InvalidSignature:
        return VerificationResult(
            False,
            [
                _error(
                    "signature",
                    "bad_signature",
                    "La firma no corresponde al contenido: la evidencia fue alterada o la firma no es auténtica.",
                )
            ],
            key_id_out,
        )
    return VerificationResult(True, [], key_id_out)


# --------------------------------------------------------------------------
# Diff
# --------------------------------------------------------------------------

_MISSING = object()


def _same_leaf(a: Any, b: Any) -> bool:
    # Types matter: 3, 3.0, "3" and True are different evidence values.
    return type(a) is type(b) and a == b


def _diff(presented: Any, original: Any, path: str, out: list) -> None:
    if isinstance(presented, dict) and isinstance(original, dict):
        for key in set(presented) | set(original):
            child = f"{path}.{key}" if path else str(key)
            _diff(presented.get(key, _MISSING), original.get(key, _MISSING), child, out)
        return
    if isinstance(presented, list) and isinstance(original, list) and len(presented) == len(original):
        for index, (p, o) in enumerate(zip(presented, original)):
            _diff(p, o, f"{path}.{index}" if path else str(index), out)
        return
    if presented is _MISSING or original is _MISSING:
        out.append(path)
        return
    if isinstance(presented, (dict, list)) or isinstance(original, (dict, list)):
        out.append(path)  # a container replaced by a scalar, or lists of different lengths
        return
    if not _same_leaf(presented, original):
        out.append(path)


def diff_fields(presented: dict, original: dict) -> list[str]:
    """Dotted paths whose values differ between ``presented`` and ``original``, sorted.

    Covers changed, added (only in ``presented``) and removed (only in
    ``original``) fields; nested objects give paths like ``recipient.name``,
    list items ``items.0`` (lists of different lengths are reported whole).
    """
    if not isinstance(presented, dict) or not isinstance(original, dict):
        raise ValueError("Solo se comparan objetos JSON (dict).")
    out: list[str] = []
    _diff(presented, original, "", out)
    return sorted(out)


# --------------------------------------------------------------------------
# A presented document against the record
# --------------------------------------------------------------------------

def too_deep(document: Any) -> bool:
    return json_depth(document, MAX_NESTING) > MAX_NESTING


def too_deep_report() -> dict:
    """The answer to a presented document nested deeper than ``MAX_NESTING``."""
    return {"valid": False, "key_id": None, "altered_fields": [], "superseded_fields": [],
            "errors": [_error("document", "invalid_document",
                              "El documento de evidencia tiene una estructura demasiado profunda.")]}


def presented_evidence(document: Any) -> Any:
    """The ``evidence`` object of a presented document, or None if there is none to compare."""
    evidence = document.get("evidence") if isinstance(document, dict) else None
    return evidence if isinstance(evidence, dict) else None


def _without_generated_at(evidence: Mapping[str, Any]) -> dict:
    return {k: v for k, v in evidence.items() if k != "generated_at"}


def compare_with_record(presented: dict, signature_valid: bool, notice: Any, issued: Any) -> tuple[list, list, list]:
    """(altered, superseded, errors): how the presented evidence stands against the notice as stored now.

    ``notice``: the stored notice named by ``presented["notification_id"]`` (None: there is none).
    ``issued``: the audit entry of the evidence handed out with the presented ``generated_at`` (None: none).
    A validly signed document is what the mailbox said then: whatever differs now is superseded (a later
    fact), nothing is altered. Otherwise the fields that differ from what was handed out are altered, and
    those in which the handed-out evidence differs from the record now are superseded; without the
    original, a field that was null then and is set since is superseded, any other difference is altered
    (and ``generated_at`` always is)."""
    if notice is None:
        return [], [], [_error("evidence.notification_id", "unknown_notification",
                               "No existe una notificación con ese identificador.")]
    current = _without_generated_at(records.evidence_fields(notice, None))
    if signature_valid:
        return [], diff_fields(_without_generated_at(presented), current), []
    if issued is not None:
        original = issued["details"]["evidence"]
        altered = diff_fields(presented, original)
        superseded = diff_fields(_without_generated_at(original), current)
    else:
        without = _without_generated_at(presented)
        altered, superseded = records.split_differences(diff_fields(without, current), without, current)
        altered = sorted(altered + ["generated_at"])
    errors = [_error(f"evidence.{path}", "altered_field",
                     f"El campo «{path}» no coincide con lo registrado y firmado para esta notificación.")
              for path in altered]
    return altered, superseded, errors


def verification_report(result: VerificationResult, comparison: Any = None) -> dict:
    """The answer to a presented document: its signature check and, if it carried an evidence object, the
    ``compare_with_record`` of it."""
    altered, superseded, record_errors = comparison or ([], [], [])
    errors = list(result.errors) + list(record_errors)
    return {"valid": result.valid and not errors, "key_id": result.key_id, "errors": errors,
            "altered_fields": altered, "superseded_fields": superseded}
