"""The gateway's routes, matched once per method and path: every request still gets its own answer."""
import uuid

import requests


def test_unknown_routes_and_wrong_methods_answer_the_same_every_time(api):
    for _ in range(3):
        missing = api.get("/api/v1/no-such-route")
        assert missing.status_code == 404 and missing.json()["error"] == "route_not_found"
        wrong = requests.delete(api.url + "/api/v1/courts", timeout=10)
        assert wrong.status_code == 405
        assert wrong.json()["error"] == "method_not_allowed" and "GET" in wrong.json()["details"]["allowed"]
        courts = api.get("/api/v1/courts")
        assert courts.status_code == 200 and courts.json()["items"]


def test_each_request_gets_its_own_path_values(api):
    lawyer = api.lawyer()
    for _ in range(2):
        ids = [uuid.uuid4().hex for _ in range(3)]
        for notification_id in ids:
            response = api.get(f"/api/v1/mailbox/notifications/{notification_id}", lawyer)
            assert response.status_code == 404
            assert response.json()["details"]["notification_id"] == notification_id
