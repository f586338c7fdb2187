"""Who may read what in the mailbox (services.mailbox.access) and the errors a refusal raises."""
import pytest

from services.mailbox import access, errors
from services.runtime.errors import Conflict, Forbidden, NotFound, PortalError, ValidationFailed

NOTICE_ID = "0123456789abcdef0123456789abcdef"
ANA = {"sub": "lic.ana", "role": "lawyer"}
CLERK = {"sub": "sec.luis", "role": "clerk", "court_id": "01001"}
JUDGE = {"sub": "juez.marta", "role": "judge", "court_id": "01002"}
NOTICE = {"_id": NOTICE_ID, "recipient": {"sub": "lic.ana"}}


@pytest.mark.parametrize("value, expected", [
    (NOTICE_ID, True), (NOTICE_ID.upper(), False), (NOTICE_ID[:-1], False), (NOTICE_ID + "0", False),
    (None, False), (12, False), ("../" + NOTICE_ID[3:], False),
])
def test_only_a_notice_id_names_a_notice(value, expected):
    assert access.is_notice_id(value) is expected


def test_the_recipient_reads_the_notice_and_nobody_else_learns_it_exists():
    assert access.notice_access(ANA, NOTICE) == (access.ALLOWED, None)
    assert access.notice_access({"sub": "lic.otro", "role": "lawyer"}, NOTICE) == (access.DENIED,
                                                                                  {"owner": "lic.ana"})
    assert access.notice_access(ANA, None) == (access.NOT_FOUND, None)
    # whatever the outcome, the caller is told the same
    error = errors.notice_not_found(NOTICE_ID)
    assert isinstance(error, NotFound) and error.code == "notification_not_found"
    assert error.details == {"notification_id": NOTICE_ID}


def test_audit_targets_cut_what_the_caller_sent():
    assert access.notice_target(NOTICE_ID) == f"notification:{NOTICE_ID}"
    assert access.notice_target("x" * 100) == "notification:" + "x" * 64
    assert access.case_target("01001-2025-00001") == "case:01001-2025-00001"
    assert access.case_target(["y"] * 30) == "case:" + str(["y"] * 30)[:40]
    assert errors.notice_not_found("x" * 100).details == {"notification_id": "x" * 64}


@pytest.mark.parametrize("actor, case_number, expected", [
    (CLERK, "01001-2025-00001", None),
    (JUDGE, "01001-2025-00001", None),  # the court is checked once the case's court is known
    (ANA, "01001-2025-00001", access.DENIED),
    ({"sub": "adm", "role": "admin"}, "01001-2025-00001", access.DENIED),
    (ANA, "no-es-un-numero", access.DENIED),  # a caller who is no staff learns nothing of the number
    (CLERK, "no-es-un-numero", access.NOT_FOUND),
    (CLERK, "01001-2025-00001x", access.NOT_FOUND),
    (CLERK, None, access.NOT_FOUND),
])
def test_the_board_is_for_court_staff(actor, case_number, expected):
    assert access.board_refusal(actor, case_number) == expected


def test_the_board_is_for_the_staff_of_the_case_court():
    assert access.staff_of_court(CLERK, "01001")
    assert not access.staff_of_court(JUDGE, "01001")
    assert not access.staff_of_court({"sub": "x", "role": "clerk"}, "01001")
    forbidden = errors.board_forbidden("01001-2025-00001")
    assert isinstance(forbidden, Forbidden) and forbidden.details == {"case_number": "01001-2025-00001"}
    assert errors.case_not_found("z" * 50).details == {"case_number": "z" * 40}


def test_only_the_administration_adds_closures():
    assert access.may_add_closure({"sub": "adm", "role": "admin"})
    for actor in (ANA, CLERK, JUDGE):
        assert not access.may_add_closure(actor)
    assert errors.closure_forbidden("clerk").details == {"role": "clerk"}


def test_the_errors_carry_their_status_code_and_a_spanish_message():
    import datetime

    cases = [
        (errors.closure_out_of_range(2000, 2031), ValidationFailed, 422, "validation_error"),
        (errors.court_not_found("09999"), NotFound, 404, "court_not_found"),
        (errors.already_non_business("Domingo"), Conflict, 409, "already_non_business"),
        (errors.closure_exists(datetime.date(2027, 3, 15), None), Conflict, 409, "closure_exists"),
        (errors.document_mismatch(NOTICE_ID), PortalError, 502, "document_mismatch"),
    ]
    for error, cls, status, code in cases:
        assert isinstance(error, cls) and error.status == status and error.code == code and error.message
    assert errors.closure_out_of_range(2000, 2031).details == {"fields": {"date": "Entre 2000 y 2031."}}
    assert errors.already_non_business("Domingo").message == "Ese día ya es inhábil: Domingo."
    assert errors.closure_exists(datetime.date(2027, 3, 15), "01001").details == {"date": "2027-03-15",
                                                                                 "court_id": "01001"}
