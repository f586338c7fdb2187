"""E-mail alerts through a real SMTP server on loopback: one e-mail per notice to those who opted in;
a failing mail server delays the e-mail (retried with backoff) and never the notice."""
import datetime
import time

import pytest

from tests.support.mailbox import MailboxCase, wait_for
from tests.support.smtp import recording_server


@pytest.fixture
def smtp(stack):
    server = recording_server(stack.smtp_port)
    server.set_mode("ok")
    yield server
    server.set_mode("ok")


def put_profile(api, token, email, alerts):
    response = api.http.put(api.url + "/api/v1/mailbox/profile", json={"email": email, "alerts": alerts},
                            headers=api.auth(token), timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_opted_in_recipient_gets_one_email_and_the_others_none(api, stack, smtp):
    case = MailboxCase(api, count=3, court_id="01001")
    opted, silent, declined = case.subs
    profile = put_profile(api, case.tokens[opted], f"{opted}@bufete.example.gt", True)
    assert profile["alerts"] is True and profile["email"] == f"{opted}@bufete.example.gt"
    assert api.get("/api/v1/mailbox/profile", case.tokens[opted]).json()["email"] == f"{opted}@bufete.example.gt"
    put_profile(api, case.tokens[declined], f"{declined}@bufete.example.gt", False)
    assert api.get("/api/v1/mailbox/profile", case.tokens[silent]).json() == {"email": None, "alerts": False,
                                                                              "updated_at": None}

    resolution = case.resolve(kind="sentencia", summary="Se declara con lugar la demanda", term_days=3)
    notice = case.wait_notice(opted, resolution["resolution_id"])
    received = smtp.wait_for(f"{opted}@bufete.example.gt")
    assert len(received) == 1
    time.sleep(1.5)  # later ticks send nothing more
    assert len(smtp.to(f"{opted}@bufete.example.gt")) == 1
    assert smtp.to(f"{declined}@bufete.example.gt") == []
    message = received[0].message
    assert case.case_number in message["Subject"] and "casillero electrónico" in message["Subject"]
    assert received[0].mail_from == "casillero@oj.gob.gt"
    assert not message.is_multipart()  # no attachment: never the document
    body = message.get_content()
    assert "Sentencia" in body and "Se declara con lugar la demanda" in body
    assert f"/api/v1/mailbox/notifications/{notice['notification_id']}" in body
    alert = stack.db("mailbox").alerts.find_one({"notification_id": notice["notification_id"]})
    assert alert["status"] == "sent" and alert["attempts"] == 1
    assert message["Message-ID"] == f"<{alert['_id']}@casillero.oj.gob.gt>"
    assert stack.db("mailbox").alerts.count_documents({"sub": {"$in": [silent, declined]}}) == 0
    # the e-mail is not an access: the notice is still unread
    assert api.get(f"/api/v1/mailbox/notifications?status=unread&case_number={case.case_number}",
                   case.tokens[opted]).json()["items"][0]["notification_id"] == notice["notification_id"]


@pytest.mark.parametrize("failure", ["tempfail", "reject_data", "drop"])
def test_a_failing_mail_server_delays_the_email_never_the_notice(api, stack, smtp, failure):
    case = MailboxCase(api, count=1, court_id="01001")
    sub = case.subs[0]
    address = f"{sub}@bufete.example.gt"
    put_profile(api, case.tokens[sub], address, True)
    smtp.set_mode(failure)
    connections = smtp.connections
    resolution = case.resolve(summary="Se señala audiencia")
    # the notice is there at once, whatever the mail server does
    notice = case.wait_notice(sub, resolution["resolution_id"], timeout=10)
    delay = datetime.datetime.fromisoformat(notice["available_at"]) - datetime.datetime.fromisoformat(notice["issued_at"])
    assert delay < datetime.timedelta(seconds=5)
    alerts = stack.db("mailbox").alerts
    assert wait_for(lambda: (alerts.find_one({"notification_id": notice["notification_id"]}) or {}).get("attempts", 0) >= 2,
                    timeout=15)
    alert = alerts.find_one({"notification_id": notice["notification_id"]})
    assert alert["status"] == "pending" and alert["last_error"] and alert["next_attempt_at"] > alert["created_at"]
    assert smtp.connections > connections and smtp.to(address) == []
    # the server recovers: delivered once
    smtp.set_mode("ok")
    received = smtp.wait_for(address, timeout=15)
    assert len(received) == 1
    time.sleep(1.5)
    assert len(smtp.to(address)) == 1
    alert = alerts.find_one({"notification_id": notice["notification_id"]})
    assert alert["status"] == "sent" and alert["attempts"] >= 3
    assert stack.db("mailbox").notifications.count_documents({"resolution_id": resolution["resolution_id"]}) == 1
    assert received[0].message["Message-ID"] == f"<{alert['_id']}@casillero.oj.gob.gt>"
