"""The rules of criminal-record certificates: the CUI, the payment reference, the result from the registry,
the validity, the CSV import and the PDF and its signature (no database, no broker)."""
import datetime
import hashlib
import subprocess
import shutil
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.certificates import domain, imports
from services.certificates.document import NO_RECORD, CertificateContent, render
from services.certificates.signing import Signer, SigningConfigurationError, generate_development_pair, resolve_signer
from services.certificates.settings import DEV_BANK_SECRET, bank_secrets
from services.runtime.config import ConfigurationError, Settings

GT = ZoneInfo("America/Guatemala")
UTC = datetime.timezone.utc

# --- the CUI ------------------------------------------------------------------------------------------------
VALID_CUIS = [
    "1580352240101",  # published valid (stdnum-js tests): Guatemala, Guatemala
    "1587564440904",  # published valid (stdnum-js tests): Quetzaltenango, municipality 04
    "1234567890101",  # published valid (nationid)
    "9876543220101",  # published valid (nationid)
    "2415751840101",  # check digit 4
    "1580352240117",  # Guatemala's 17th municipality (the last)
    "1580352240514",  # Escuintla's 14th: Sipacate (2015)
    "1580352241333",  # Huehuetenango's 33rd: Petatán (2015)
    "1580352242217",  # Jutiapa's 17th
    "1580352241805",  # Izabal's 5th
]
BROKEN_CUIS = [
    ("1680352240101", "check_digit"),   # published checksum error (stdnum-js tests)
    ("1234567800101", "check_digit"),   # published invalid (nationid)
    ("1580352250101", "check_digit"),   # ninth digit off by one
    ("5486270650101", "check_digit"),   # remainder 1, ninth digit 5
    ("0000000600101", "check_digit"),   # remainder 10 (6·9 = 54): no single digit can hold it
    ("0000002300101", "check_digit"),   # remainder 10, written as 0
    ("1580352240001", "department"),    # department 00
    ("1580352242301", "department"),    # department 23
    ("1580352249901", "department"),
    ("1580352240100", "municipality"),  # municipality 00
    ("1580352240118", "municipality"),  # Guatemala has 17
    ("1580352240209", "municipality"),  # El Progreso has 8
    ("1580352240515", "municipality"),  # Escuintla has 14
    ("1580352241334", "municipality"),  # Huehuetenango has 33
    ("1580352241806", "municipality"),  # Izabal has 5
    ("1580352242218", "municipality"),  # Jutiapa has 17
    ("158035224010", "format"),         # 12 digits
    ("15803522401011", "format"),       # 14 digits
    ("1580 35224 0101", "format"),      # spaces
    ("158035224010A", "format"),
    ("", "format"),
    (None, "format"),
    ("１５８０３５２２４０１０１", "format"),  # full-width digits are not ASCII digits
]


@pytest.mark.parametrize("cui", VALID_CUIS)
def test_valid_cuis(cui):
    assert domain.cui_problem(cui) is None


@pytest.mark.parametrize("cui,part", BROKEN_CUIS)
def test_broken_cuis_name_the_part(cui, part):
    problem = domain.cui_problem(cui)
    assert problem is not None and problem.part == part, problem
    assert problem.message  # Spanish text for people


def test_check_digit_weights_first_digit_by_two():
    # 1·2 + 5·3 + 8·4 + 0·5 + 3·6 + 5·7 + 2·8 + 2·9 = 136; 136 mod 11 = 4
    assert domain.cui_check_digit("15803522") == 4
    # weighting from the right would give 7 and refuse a published valid CUI
    assert sum(int(d) * w for d, w in zip("15803522", range(9, 1, -1))) % 11 == 7


def test_municipality_counts_per_department():
    assert len(domain.DEPARTMENTS) == 22
    assert sum(domain.MUNICIPALITIES.values()) == 340
    assert domain.MUNICIPALITIES["01"] == 17 and domain.MUNICIPALITIES["02"] == 8
    assert domain.MUNICIPALITIES["22"] == 17


def test_masked_cui_shows_only_the_last_four():
    assert domain.mask_cui("1580352240101") == "*********0101"


# --- the payment reference ---------------------------------------------------------------------------------
def test_reference_carries_a_luhn_check_digit():
    for _ in range(200):
        reference = domain.new_reference()
        assert len(reference) == 12 and reference[0] != "0" and domain.reference_valid(reference)
        for position in range(12):  # every single mistyped digit is caught
            for other in "0123456789":
                if other != reference[position]:
                    typo = reference[:position] + other + reference[position + 1:]
                    assert not domain.reference_valid(typo)


@pytest.mark.parametrize("reference,valid", [
    ("100000000080", False), ("10000000008", False), ("7992739871x3", False), (None, False),
    ("100000000008", True), ("100000000009", False),
])
def test_reference_table(reference, valid):
    assert domain.reference_valid(reference) is valid


# --- payments ---------------------------------------------------------------------------------------------
NOW = datetime.datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def request(status=domain.AWAITING_PAYMENT, hours_left=10):
    return {"status": status, "expires_at": NOW + datetime.timedelta(hours=hours_left)}


@pytest.mark.parametrize("req,amount,currency,code", [
    (request(), "30.00", "GTQ", None),
    (request(), "30.0", "GTQ", None),            # the same amount
    (request(), "29.99", "GTQ", "payment_amount_mismatch"),
    (request(), "30.00", "USD", "payment_amount_mismatch"),
    (request(), "300.00", "GTQ", "payment_amount_mismatch"),
    (request(hours_left=-1), "30.00", "GTQ", "request_expired"),
    (request(domain.PAID), "30.00", "GTQ", "already_paid"),
    (request(domain.ISSUED), "30.00", "GTQ", "already_paid"),
])
def test_payment_problems(req, amount, currency, code):
    problem = domain.payment_problem(req, amount, currency, Decimal("30.00"), "GTQ", NOW)
    assert (problem.code if problem else None) == code


def test_request_status_and_openness():
    assert domain.request_status(request(hours_left=-1), NOW) == domain.EXPIRED
    assert domain.request_open(request(), NOW) and domain.request_open(request(domain.PAID), NOW)
    assert not domain.request_open(request(hours_left=0), NOW)
    assert not domain.request_open(request(domain.ISSUED), NOW)


# --- the result from the registry ------------------------------------------------------------------------
def test_result_counts_only_active_records():
    records = [{"_id": "a"}, {"_id": "b"}, {"_id": "c"}]
    assert domain.result_of(domain.active_records([], [])) == domain.SIN_ANTECEDENTES
    active = domain.active_records(records, [{"record_id": "b"}])
    assert [r["_id"] for r in active] == ["a", "c"]
    assert domain.result_of(active) == domain.CON_ANTECEDENTES
    everything_cancelled = domain.active_records(records, [{"record_id": k} for k in "abc"])
    assert domain.result_of(everything_cancelled) == domain.SIN_ANTECEDENTES


# --- validity and status of a certificate ------------------------------------------------------------------
@pytest.mark.parametrize("issued,until", [
    (datetime.datetime(2026, 1, 15, 18, 0, tzinfo=UTC), datetime.datetime(2026, 7, 15, 18, 0, tzinfo=UTC)),
    (datetime.datetime(2026, 8, 31, 18, 0, tzinfo=UTC), datetime.datetime(2027, 2, 28, 18, 0, tzinfo=UTC)),
    # 31 Dec 2026 23:30 local is already 1 Jan in UTC: six months later is 30 Jun 2027 local
    (datetime.datetime(2027, 1, 1, 5, 30, tzinfo=UTC), datetime.datetime(2027, 7, 1, 5, 30, tzinfo=UTC)),
])
def test_valid_for_six_months_of_the_local_calendar(issued, until):
    assert domain.valid_until(issued, GT) == until


def test_certificate_status():
    cert = {"valid_until": NOW + datetime.timedelta(days=1), "revoked_at": None}
    assert domain.certificate_status(cert, NOW) == domain.VALID
    assert domain.certificate_status({**cert, "valid_until": NOW}, NOW) == domain.EXPIRED_CERTIFICATE
    assert domain.certificate_status({**cert, "revoked_at": NOW}, NOW) == domain.REVOKED
    assert domain.certificate_status(None, NOW) == domain.UNKNOWN


def test_codes_have_their_form():
    assert domain.VERIFICATION_CODE.match(domain.new_verification_code())
    assert domain.DOWNLOAD_CODE.match(domain.new_download_code())
    assert domain.new_verification_code() != domain.new_verification_code()


# --- the CSV import ------------------------------------------------------------------------------------------
HEADER = "name,id_number,case_number,court,offences,penalty,sentence_date,final_date\n"
TODAY = datetime.date(2026, 12, 1)


def test_csv_rows_are_checked_one_by_one():
    text = (HEADER
            + "Ana López,1580352240101,01010-2019-00001,Juzgado Penal,Robo;Hurto,3 años,2019-05-01,2019-06-01\n"
            + "Sin CUI,1580352250101,01010-2019-00002,Juzgado Penal,Robo,3 años,2019-05-01,2019-06-01\n"
            + "Fechas,1580352240101,01010-2019-00003,Juzgado Penal,Robo,3 años,2019-07-01,2019-06-01\n"
            + "Futuro,1580352240101,01010-2019-00004,Juzgado Penal,Robo,3 años,2027-07-01,2027-08-01\n"
            + "Ana López,1580352240101,01010-2019-00001,Juzgado Penal,Robo,3 años,2019-05-01,2019-06-01\n"
            + "Corta,1580352240101\n"
            + ",1580352240101,01010-2019-00009,Juzgado Penal,,3 años,2019-05-01,2019-06-01\n")
    rows, rejected = imports.parse(text, TODAY)
    assert [line for line, _, _ in rows] == [2]
    by_line = {r["row"]: r["errors"] for r in rejected}
    assert set(by_line) == {3, 4, 5, 6, 7, 8}
    assert "id_number" in by_line[3] and "dígito verificador" in by_line[3]["id_number"]
    assert "final_date" in by_line[4]
    assert "sentence_date" in by_line[5]
    assert "case_number" in by_line[6]  # repeats line 2
    assert "_row" in by_line[7]
    assert "name" in by_line[8] and "offences" in by_line[8]


@pytest.mark.parametrize("text", ["", "nombre,cui\nx,y\n", HEADER.replace("penalty", "penalty,penalty")])
def test_csv_header_must_name_the_columns(text):
    rows, rejected = imports.parse(text, TODAY)
    assert rows == [] and rejected and rejected[0]["row"] == 1


def test_csv_rows_already_recorded_are_rejected():
    rows, _ = imports.parse(HEADER + "Ana,1580352240101,01010-2019-00001,Juzgado,Robo,3 años,2019-05-01,2019-06-01\n",
                            TODAY)
    assert imports.already_recorded(rows, {rows[0][1]})[0]["row"] == 2
    assert imports.already_recorded(rows, set()) == []


# --- configuration ---------------------------------------------------------------------------------------------
def test_bank_secrets_development_default_and_production_refusal():
    assert bank_secrets({}) == {"banco_demo": DEV_BANK_SECRET}
    with pytest.raises(ConfigurationError, match="PAYMENT_SECRET_BANCO_DEMO"):
        bank_secrets({"PORTAL_ENV": "production"})
    with pytest.raises(ConfigurationError, match="PAYMENT_SECRET_BANRURAL"):
        bank_secrets({"PAYMENT_BANKS": "banco_demo,banrural"})
    strong = "x" * 40
    assert bank_secrets({"PORTAL_ENV": "production", "PAYMENT_BANKS": "banrural",
                         "PAYMENT_SECRET_BANRURAL": strong}) == {"banrural": strong}


def test_production_refuses_to_start_without_a_signing_key():
    with pytest.raises(SigningConfigurationError):
        resolve_signer(Settings({"PORTAL_ENV": "production"}))
    key, cert = generate_development_pair()
    other_key, _ = generate_development_pair()
    with pytest.raises(SigningConfigurationError):
        resolve_signer(Settings({"PORTAL_ENV": "production", "CERTIFICATE_SIGNING_KEY": other_key,
                                 "CERTIFICATE_SIGNING_CERT": cert}))
    signer = resolve_signer(Settings({"PORTAL_ENV": "production", "CERTIFICATE_SIGNING_KEY": key,
                                      "CERTIFICATE_SIGNING_CERT": cert}))
    assert signer.fingerprint


# --- the document and its signature --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def signer():
    return Signer(*generate_development_pair())


def content(records=()):
    issued = datetime.datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    return CertificateContent(serial="UNAP-2026-0000001", verification_code="ABCD-EFGH-JKMN", name="José Ñúñez",
                              id_number="1580352240101", records=list(records), issued_at=issued,
                              valid_until=domain.valid_until(issued, GT),
                              verify_url="https://portal.oj.gob.gt/api/v1/public/certificates/ABCD-EFGH-JKMN",
                              local_tz=GT)


RECORD = {"record_id": "r1", "case_number": "01010-2026-00001", "court": "Juzgado Primero Penal",
          "offences": ["Robo agravado"], "penalty": "5 años de prisión", "sentence_date": "2026-01-02",
          "final_date": "2026-02-01"}


def pdf_text(data, tmp_path):
    path = tmp_path / "c.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


needs_poppler = pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) not installed")


@needs_poppler
def test_document_states_the_result_in_spanish(signer, tmp_path):
    clean = pdf_text(render(content()), tmp_path)
    assert NO_RECORD in clean and "José Ñúñez" in clean and "1580352240101" in clean
    assert "Válida hasta: 1 de junio de 2027" in clean and "ABCD-EFGH-JKMN" in clean
    listed = pdf_text(render(content([RECORD])), tmp_path)
    assert NO_RECORD not in listed and "01010-2026-00001" in listed and "Robo agravado" in listed


@needs_poppler
def test_pdfsig_reports_valid_and_a_changed_byte_invalid(signer, tmp_path):
    signed = signer.sign(render(content([RECORD])))
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid." in report and "ETSI.CAdES.detached" in report
    assert "Total document signed" in report
    changed = bytearray(signed)
    changed[signed.index(b"/Helvetica-Bold") + 3] ^= 0x01
    path.write_bytes(bytes(changed))
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid." not in report


def test_signature_check_tells_changed_foreign_and_missing(signer):
    document = render(content())
    signed = signer.sign(document)
    assert signer.check(signed).signature == "valid"
    changed = bytearray(signed)
    changed[signed.index(b"/Helvetica-Bold") + 3] ^= 0x01
    assert signer.check(bytes(changed)).signature == "invalid"
    assert signer.check(Signer(*generate_development_pair()).sign(document)).signature == "untrusted"
    assert signer.check(document).signature == "missing"
    assert hashlib.sha256(signed).hexdigest() != hashlib.sha256(bytes(changed)).hexdigest()
