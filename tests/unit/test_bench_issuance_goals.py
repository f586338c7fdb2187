"""How the bench judges issuance (issue 13): the rate at capacity, the p99 at the goal's pace. Paced at exactly
20 notices/s, 600 notices take 29.95 s to send, so that part's rate is under 20/s however fast the service is;
judging the rate there would fail a service with room to spare."""
from tests.bench.certificates import goal_lines


def fmt(value, spec=".1f"):
    return "-" if value is None else format(value, spec)


def batch(kind, rate, p99_ms, issued=600, offered=20.0):
    return {"kind": kind, "label": kind, "rate": rate, "p50_ms": p99_ms / 3, "p99_ms": p99_ms, "issued": issued,
            "expected": 600, "offered": offered, "cpu": {}}


REFERENCE = {"kind": "issue_reference", "label": "reference", "rate": 50.0, "p99_ms": 28.0, "cpu": {}}


def judged(results):
    return {name.split(" (")[0]: ok for name, _, _, ok in goal_lines(results, fmt)}


def test_a_service_that_keeps_up_at_twenty_per_second_meets_both_goals():
    verdicts = judged([batch("issue", 19.9, 313.0), batch("issue_capacity", 33.4, 15000.0, offered=0.0), REFERENCE])
    assert verdicts == {"certificates issued end to end at capacity": True,
                        "issuance p99 at 20 notices/s, notice sent -> certificate stored": True}


def test_a_service_slower_than_the_goal_fails_the_rate_and_a_backlog_fails_the_p99():
    verdicts = judged([batch("issue", 14.0, 9000.0), batch("issue_capacity", 14.5, 40000.0, offered=0.0), REFERENCE])
    assert set(verdicts.values()) == {False}


def test_a_certificate_not_stored_fails_the_goal_of_its_part():
    verdicts = judged([batch("issue", 20.0, 300.0, issued=599), batch("issue_capacity", 40.0, 9000.0, offered=0.0,
                                                                       issued=599), REFERENCE])
    assert set(verdicts.values()) == {False}
