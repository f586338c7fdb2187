"""Evidence (acuse de recibo): canonical JSON, Ed25519 signing, verification, diffs.

Known answers: the key pair is RFC 8032 test vector 1; its base64 and sha256
were computed with coreutils (base64, sha256sum); the pinned signature was
computed with ``cryptography`` directly over the hand-written canonical bytes
below, not through the module under test.
"""
import base64
import copy
import hashlib
import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from services.mailbox.evidence import (
    EVIDENCE_FIELDS,
    MAX_NESTING,
    CanonicalJSONError,
    EvidenceSigner,
    canonical_json,
    compare_with_record,
    diff_fields,
    generate_key,
    key_id_for,
    presented_evidence,
    signed_payload,
    too_deep,
    too_deep_report,
    verification_report,
    verify,
)

RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_PUBLIC_B64 = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
RFC8032_KEY_ID = "21fe31dfa154a261"  # sha256 = 21fe31dfa154a261626bf854...

EVIDENCE = {
    "notification_id": "NOT-2025-000123",
    "recipient": {"sub": "colegiado:12345", "name": "María José Pérez Núñez"},
    "case_number": "01043-2025-00456",
    "court_id": "JUZ-CIV-1-GUA",
    "resolution_id": "RES-2025-7788",
    "resolution_kind": "auto",
    "summary": "Se da trámite a la demanda ordinaria; se emplaza al demandado.",
    "document_id": "DOC-9f2c",
    "document_sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "issued_at": "2025-03-07T20:15:00.000Z",
    "available_at": "2025-03-08T04:00:00.000Z",
    "accessed_at": "2025-03-10T15:15:00.000Z",
    "served_at": "2025-03-10T15:15:00.000Z",
    "served_by": "access",
    "term_days": 5,
    "due_date": "2025-03-17",
    "generated_at": "2025-03-10T15:15:01.250Z",
}

PINNED_PAYLOAD = (
    '{"algorithm":"Ed25519","evidence":{'
    '"accessed_at":"2025-03-10T15:15:00.000Z",'
    '"available_at":"2025-03-08T04:00:00.000Z",'
    '"case_number":"01043-2025-00456",'
    '"court_id":"JUZ-CIV-1-GUA",'
    '"document_id":"DOC-9f2c",'
    '"document_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",'
    '"due_date":"2025-03-17",'
    '"generated_at":"2025-03-10T15:15:01.250Z",'
    '"issued_at":"2025-03-07T20:15:00.000Z",'
    '"notification_id":"NOT-2025-000123",'
    '"recipient":{"name":"María José Pérez Núñez","sub":"colegiado:12345"},'
    '"resolution_id":"RES-2025-7788",'
    '"resolution_kind":"auto",'
    '"served_at":"2025-03-10T15:15:00.000Z",'
    '"served_by":"access",'
    '"summary":"Se da trámite a la demanda ordinaria; se emplaza al demandado.",'
    '"term_days":5},'
    '"key_id":"21fe31dfa154a261"}'
).encode("utf-8")

PINNED_SIGNATURE = "tEgDQtDIz64YfYBGyH01yFevF0VszquvTbDmA9fTUruRCwhb9db/Ps6H9Cs0o95DyQLKtl0yb0If53PoFlJdBg=="


@pytest.fixture
def signer():
    return EvidenceSigner(RFC8032_SECRET)


@pytest.fixture
def keys():
    return {RFC8032_KEY_ID: RFC8032_PUBLIC}


@pytest.fixture
def document(signer):
    return signer.sign(EVIDENCE)


# --------------------------------------------------------------------------
# canonical_json
# --------------------------------------------------------------------------

def test_canonical_json_sorts_keys_and_writes_raw_utf8():
    assert canonical_json({"b": 1, "a": "Pérez"}) == b'{"a":"P\xc3\xa9rez","b":1}'


def test_canonical_json_key_order_does_not_matter():
    one = {"recipient": {"sub": "x", "name": "Pérez"}, "term_days": 3, "summary": "ñ"}
    two = {"summary": "ñ", "term_days": 3, "recipient": {"name": "Pérez", "sub": "x"}}
    assert canonical_json(one) == canonical_json(two)
    assert canonical_json(one) == b'{"recipient":{"name":"P\xc3\xa9rez","sub":"x"},"summary":"\xc3\xb1","term_days":3}'


@pytest.mark.parametrize(
    "value, expected",
    [
        ({}, b"{}"),
        ([], b"[]"),
        ({"z": {"y": 1, "x": [3, 1, 2]}, "a": None}, b'{"a":null,"z":{"x":[3,1,2],"y":1}}'),
        ([True, False, None], b"[true,false,null]"),
        ({"n": 2**64}, b'{"n":18446744073709551616}'),
        ({"n": -7, "f": 1.5}, b'{"f":1.5,"n":-7}'),
        ("a\nb\t\"c\"\\", b'"a\\nb\\t\\"c\\"\\\\"'),
        ("\x01", b'"\\u0001"'),
        ("⚖ Ñ", b'"\xe2\x9a\x96 \xc3\x91"'),
        ("Pe\u0301rez", b'"Pe\xcc\x81rez"'),  # NFD stays NFD: no normalisation
    ],
)
def test_canonical_json_values(value, expected):
    assert canonical_json(value) == expected


def test_canonical_json_of_the_evidence_is_the_pinned_payload():
    payload = canonical_json({"algorithm": "Ed25519", "evidence": EVIDENCE, "key_id": RFC8032_KEY_ID})
    assert payload == PINNED_PAYLOAD


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        {"x": float("nan")},
        datetime(2025, 3, 10, 15, 15, tzinfo=timezone.utc),
        date(2025, 3, 17),
        b"bytes",
        (1, 2),
        {1, 2},
        Decimal("1.5"),
        object(),
        {1: "int key"},
        {("a",): "tuple key"},
        "\ud800",  # lone surrogate: not encodable as UTF-8
        {"\ud800": 1},
    ],
)
def test_canonical_json_rejects(value):
    with pytest.raises(ValueError):
        canonical_json(value)


def test_canonical_json_error_names_the_path():
    with pytest.raises(CanonicalJSONError) as exc:
        canonical_json({"recipient": {"seen": [1, datetime(2025, 3, 10)]}})
    assert exc.value.path == "recipient.seen.1"
    assert "ISO-8601" in exc.value.message


# --------------------------------------------------------------------------
# Keys and signing
# --------------------------------------------------------------------------

def test_rfc8032_key_pair(signer):
    assert signer.public_key_bytes == RFC8032_PUBLIC
    assert signer.public_key_b64 == RFC8032_PUBLIC_B64
    assert signer.key_id == RFC8032_KEY_ID
    assert key_id_for(RFC8032_PUBLIC) == RFC8032_KEY_ID


def test_sign_produces_the_pinned_document(signer):
    document = signer.sign(EVIDENCE)
    assert document == {
        "evidence": EVIDENCE,
        "algorithm": "Ed25519",
        "key_id": RFC8032_KEY_ID,
        "signature": PINNED_SIGNATURE,
    }
    assert signed_payload(document) == PINNED_PAYLOAD


def test_generate_key():
    first, second = generate_key(), EvidenceSigner.generate_key()
    assert isinstance(first, bytes) and len(first) == 32 and len(second) == 32
    assert first != second
    signer = EvidenceSigner(first)
    assert len(signer.key_id) == 16
    assert signer.key_id == hashlib.sha256(signer.public_key_bytes).hexdigest()[:16]
    assert base64.b64decode(signer.public_key_b64) == signer.public_key_bytes


@pytest.mark.parametrize("key", [b"", b"\x00" * 31, b"\x00" * 33, "9d61b19d" * 8, None])
def test_signer_rejects_bad_private_keys(key):
    with pytest.raises(ValueError):
        EvidenceSigner(key)


def test_sign_copies_the_fields(signer):
    fields = copy.deepcopy(EVIDENCE)
    document = signer.sign(fields)
    fields["summary"] = "otra cosa"
    fields["recipient"]["name"] = "Otro"
    assert document["evidence"] == EVIDENCE
    assert document["signature"] == PINNED_SIGNATURE


@pytest.mark.parametrize(
    "fields",
    [["not", "a", "dict"], {"served_at": datetime(2025, 3, 10, tzinfo=timezone.utc)}, {"term_days": float("nan")}],
)
def test_sign_rejects_non_canonical_fields(signer, fields):
    with pytest.raises(ValueError):
        signer.sign(fields)


def test_evidence_fields_list():
    assert EVIDENCE_FIELDS == tuple(EVIDENCE)


# --------------------------------------------------------------------------
# verify
# --------------------------------------------------------------------------

def test_round_trip(document, keys):
    result = verify(document, keys)
    assert result.valid is True
    assert result.errors == []
    assert result.key_id == RFC8032_KEY_ID


def test_round_trip_through_json_text(document, keys):
    text = json.dumps(document, ensure_ascii=True, indent=2)  # any JSON spelling
    assert verify(json.loads(text), keys).valid is True


def test_key_order_of_the_presented_document_does_not_matter(keys):
    reordered = {
        "signature": PINNED_SIGNATURE,
        "key_id": RFC8032_KEY_ID,
        "algorithm": "Ed25519",
        "evidence": dict(reversed(list(EVIDENCE.items()))),
    }
    assert verify(reordered, keys).valid is True


def test_retired_and_current_keys(document):
    other = EvidenceSigner(bytes(range(32)))
    keys = {other.key_id: other.public_key_bytes, RFC8032_KEY_ID: RFC8032_PUBLIC}
    assert verify(document, keys).valid is True
    assert verify(other.sign(EVIDENCE), keys).valid is True


BAD_SIGNATURE = {
    "field": "signature",
    "code": "bad_signature",
    "message": "La firma no corresponde al contenido: la evidencia fue alterada o la firma no es auténtica.",
}


@pytest.mark.parametrize(
    "path, value",
    [
        (("summary",), "Se rechaza la demanda."),
        (("served_at",), "2025-03-13T05:59:59.999Z"),
        (("served_by",), "lapse"),
        (("term_days",), 50),
        (("term_days",), "5"),  # same digits, other type
        (("due_date",), "2025-03-18"),
        (("recipient", "name"), "María José Perez Núñez"),  # one accent removed
        (("document_sha256",), "0" * 64),
    ],
)
def test_tampered_field(document, keys, path, value):
    tampered = copy.deepcopy(document)
    target = tampered["evidence"]
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    result = verify(tampered, keys)
    assert result.valid is False
    assert result.errors == [BAD_SIGNATURE]
    assert diff_fields(tampered["evidence"], document["evidence"]) == [".".join(path)]


def test_removed_and_added_evidence_fields(document, keys):
    tampered = copy.deepcopy(document)
    del tampered["evidence"]["term_days"]
    tampered["evidence"]["note"] = "x"
    assert verify(tampered, keys).errors == [BAD_SIGNATURE]
    assert diff_fields(tampered["evidence"], document["evidence"]) == ["note", "term_days"]


def test_tampered_signature(document, keys):
    tampered = dict(document, signature="u" + document["signature"][1:])
    assert tampered["signature"] != PINNED_SIGNATURE
    result = verify(tampered, keys)
    assert result.valid is False
    assert result.errors == [BAD_SIGNATURE]


def test_non_canonical_base64_spelling_is_rejected(document, keys):
    # "...Bg==" -> "...Bh==" decodes to the same 64 bytes; only one spelling is accepted.
    assert document["signature"].endswith("Bg==")
    tampered = dict(document, signature=document["signature"][:-3] + "h==")
    assert base64.b64decode(tampered["signature"]) == base64.b64decode(PINNED_SIGNATURE)
    result = verify(tampered, keys)
    assert result.valid is False
    assert [(e["field"], e["code"]) for e in result.errors] == [("signature", "invalid_base64")]


def test_key_id_swapped_to_another_known_key(document):
    other = EvidenceSigner(bytes(range(32)))
    keys = {other.key_id: other.public_key_bytes, RFC8032_KEY_ID: RFC8032_PUBLIC}
    swapped = dict(document, key_id=other.key_id)
    assert verify(swapped, keys).errors == [BAD_SIGNATURE]


def test_unknown_key(document):
    other = EvidenceSigner(bytes(range(32)))
    result = verify(document, {other.key_id: other.public_key_bytes})
    assert result.valid is False
    assert result.errors == [
        {
            "field": "key_id",
            "code": "unknown_key",
            "message": "La clave «21fe31dfa154a261» no corresponde a ninguna clave de firma conocida.",
        }
    ]


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda d: d.pop("evidence"), [("evidence", "missing_field")]),
        (lambda d: d.pop("signature"), [("signature", "missing_field")]),
        (lambda d: d.pop("key_id"), [("key_id", "missing_field")]),
        (lambda d: d.pop("algorithm"), [("algorithm", "missing_field")]),
        (lambda d: d.update(evidence=["x"]), [("evidence", "invalid_type")]),
        (lambda d: d.update(evidence={"term_days": float("nan")}), [("evidence.term_days", "invalid_value")]),
        (lambda d: d.update(algorithm="RS256"), [("algorithm", "unsupported_algorithm")]),
        (lambda d: d.update(key_id=12), [("key_id", "invalid_type")]),
        (lambda d: d.update(signature=12), [("signature", "invalid_type")]),
        (lambda d: d.update(signature="!!not base64!!"), [("signature", "invalid_base64")]),
        (lambda d: d.update(signature="tEgDQtDIz64YfYBG"), [("signature", "invalid_signature_length")]),
        (lambda d: d.update(signature=d["signature"][:-2]), [("signature", "invalid_base64")]),  # padding cut
        (lambda d: d.update(signature=d["signature"][:40] + "\n" + d["signature"][40:]),
         [("signature", "invalid_base64")]),
        (lambda d: d.update(signature=base64.b64encode(b"\x00" * 32).decode()),
         [("signature", "invalid_signature_length")]),
        (lambda d: d.update(signed_by="juez"), [("signed_by", "unexpected_field")]),
        (lambda d: (d.pop("evidence"), d.pop("signature")),
         [("evidence", "missing_field"), ("signature", "missing_field")]),
    ],
)
def test_structural_errors(document, keys, change, expected):
    broken = copy.deepcopy(document)
    change(broken)
    result = verify(broken, keys)
    assert result.valid is False
    assert [(e["field"], e["code"]) for e in result.errors] == expected
    for error in result.errors:
        assert error["message"] and error["message"][0].isupper()


def test_messages_are_spanish(document, keys):
    broken = {k: v for k, v in document.items() if k != "signature"}
    assert verify(broken, keys).errors == [
        {"field": "signature", "code": "missing_field", "message": "Falta la firma («signature»)."}
    ]


@pytest.mark.parametrize("document_value", [None, [], "texto", 42])
def test_document_must_be_an_object(keys, document_value):
    result = verify(document_value, keys)
    assert result.valid is False
    assert [(e["field"], e["code"]) for e in result.errors] == [("document", "invalid_document")]


@pytest.mark.parametrize("public_key", [b"\x00" * 31, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", None])
def test_invalid_registered_public_key(document, public_key):
    result = verify(document, {RFC8032_KEY_ID: public_key})
    assert [(e["field"], e["code"]) for e in result.errors] == [("key_id", "invalid_public_key")]


# --------------------------------------------------------------------------
# diff_fields
# --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "presented, original, expected",
    [
        ({"a": 1}, {"a": 1}, []),
        (EVIDENCE, copy.deepcopy(EVIDENCE), []),
        ({"a": 1, "b": 2}, {"a": 1, "b": 3}, ["b"]),
        ({"a": 1, "extra": 0}, {"a": 1}, ["extra"]),
        ({"a": 1}, {"a": 1, "gone": 0}, ["gone"]),
        ({"a": None}, {}, ["a"]),  # null is not absence
        ({"n": 3}, {"n": "3"}, ["n"]),
        ({"n": 1}, {"n": True}, ["n"]),
        ({"n": 3}, {"n": 3.0}, ["n"]),
        ({"r": {"name": "Pérez", "sub": "x"}}, {"r": {"name": "Perez", "sub": "x"}}, ["r.name"]),
        ({"r": {"name": "P", "sub": "x", "email": "e"}}, {"r": {"name": "P", "sub": "x"}}, ["r.email"]),
        ({"r": "flat"}, {"r": {"name": "P"}}, ["r"]),
        ({"l": [1, 2, 3]}, {"l": [1, 9, 3]}, ["l.1"]),
        ({"l": [1, 2]}, {"l": [1, 2, 3]}, ["l"]),
        ({"l": [{"k": 1}]}, {"l": [{"k": 2}]}, ["l.0.k"]),
        ({"z": 1, "a": 1, "m": {"b": 1}}, {"z": 2, "a": 2, "m": {"b": 2}}, ["a", "m.b", "z"]),
    ],
)
def test_diff_fields(presented, original, expected):
    assert diff_fields(presented, original) == expected


def test_diff_whole_documents(document):
    tampered = copy.deepcopy(document)
    tampered["evidence"]["recipient"]["sub"] = "colegiado:54321"
    tampered["evidence"]["accessed_at"] = "2025-03-11T15:15:00.000Z"
    assert diff_fields(tampered, document) == ["evidence.accessed_at", "evidence.recipient.sub"]


def test_diff_requires_objects():
    with pytest.raises(ValueError):
        diff_fields([1], {"a": 1})


# --------------------------------------------------------------------------
# A presented document against the record
# --------------------------------------------------------------------------

def _at(*args):
    return datetime(*args, tzinfo=timezone.utc)


STORED = {
    "_id": "0123456789abcdef0123456789abcdef", "recipient": {"sub": "lic.ana", "name": "Lic. Ana", "bar_number": "9"},
    "case_number": "01001-2025-00001", "court_id": "01001", "resolution_id": "r1", "resolution_kind": "auto",
    "summary": "Se admite", "document_id": "d1", "document_sha256": "a" * 64, "term_days": 3,
    "issued_at": _at(2025, 3, 8, 3, 55), "available_at": _at(2025, 3, 8, 4, 0),
    "accessed_at": None, "served_at": None, "served_by": None, "due_date": None,
}
OPENED = {**STORED, "accessed_at": _at(2025, 3, 10, 15, 0), "served_at": _at(2025, 3, 10, 15, 0),
          "served_by": "access", "due_date": "2025-03-13"}
LATER = ["accessed_at", "due_date", "served_at", "served_by"]


def _handed_out(notice):
    from services.mailbox import records

    return records.evidence_fields(notice, _at(2025, 3, 9, 12, 0))


def test_evidence_of_no_notice_is_unknown():
    altered, superseded, errors = compare_with_record(_handed_out(STORED), True, None, None)
    assert (altered, superseded) == ([], [])
    assert [(e["field"], e["code"]) for e in errors] == [("evidence.notification_id", "unknown_notification")]


def test_a_signed_evidence_is_what_was_said_then_later_facts_are_superseded():
    presented = _handed_out(STORED)
    assert compare_with_record(presented, True, STORED, None) == ([], [], [])
    assert compare_with_record(presented, True, OPENED, None) == ([], LATER, [])


def test_an_unsigned_evidence_is_compared_with_what_was_handed_out():
    original = _handed_out(STORED)
    issued = {"details": {"evidence": original}}
    presented = {**original, "summary": "Otra cosa"}
    altered, superseded, errors = compare_with_record(presented, False, OPENED, issued)
    assert altered == ["summary"] and superseded == LATER
    assert [(e["field"], e["code"]) for e in errors] == [("evidence.summary", "altered_field")]
    assert "«summary»" in errors[0]["message"]
    # nothing changed but the signature: nothing altered
    assert compare_with_record(original, False, STORED, issued) == ([], [], [])


def test_without_the_original_a_null_later_set_is_superseded_and_generated_at_altered():
    presented = {**_handed_out(STORED), "summary": "Otra cosa"}
    altered, superseded, errors = compare_with_record(presented, False, OPENED, None)
    assert altered == ["generated_at", "summary"] and superseded == LATER
    assert [e["field"] for e in errors] == ["evidence.generated_at", "evidence.summary"]


def test_the_report_adds_the_record_errors_to_the_signature_check():
    signer = EvidenceSigner(generate_key())
    keys = {signer.key_id: signer.public_key_bytes}
    document = signer.sign(_handed_out(STORED))
    result = verify(document, keys)
    assert verification_report(result) == {"valid": True, "key_id": signer.key_id, "errors": [],
                                           "altered_fields": [], "superseded_fields": []}
    assert verification_report(result, ([], LATER, []))["superseded_fields"] == LATER
    unknown = compare_with_record(presented_evidence(document), result.valid, None, None)
    report = verification_report(result, unknown)
    assert report["valid"] is False and report["errors"][0]["code"] == "unknown_notification"
    forged = verify({**document, "signature": "AAAA"}, keys)
    report = verification_report(forged, ([], [], []))
    assert report["valid"] is False and report["errors"] == list(forged.errors)


def test_what_is_compared_and_what_is_too_deep():
    assert presented_evidence({"evidence": {"a": 1}}) == {"a": 1}
    assert presented_evidence({"evidence": {}}) == {}
    assert presented_evidence({"evidence": [1]}) is None
    assert presented_evidence([{"evidence": {}}]) is None
    deep = {"evidence": {}}
    inner = deep["evidence"]
    for _ in range(MAX_NESTING):
        inner["x"] = {}
        inner = inner["x"]
    assert too_deep(deep) and not too_deep({"evidence": {"a": {"b": 1}}})
    report = too_deep_report()
    assert report["valid"] is False and report["key_id"] is None
    assert [(e["field"], e["code"]) for e in report["errors"]] == [("document", "invalid_document")]
