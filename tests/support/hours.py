"""Business hours and SLA of the test stack (services.chat.hours): the development lines are open at every hour
(so no other test gets an out-of-office reply, whatever the time it runs), plus two lines of their own: one
never open (every message is outside business hours) and one open at every hour with SLA targets of seconds
(the timer flags a breach while the test watches); the complaints area has targets of its own."""
import json

from services.chat.settings import DEV_LINES

CLOSED_LINE = "100000000000008"
FAST_SLA_LINE = "100000000000009"
OUT_OF_OFFICE_TEXT = "Gracias por escribir. Estamos fuera de horario; le responderemos en cuanto abramos."
EXTRA_LINES = [
    {"phone_number_id": CLOSED_LINE, "display_number": "+52 663 000 0008", "region": "Pruebas fuera de horario",
     "team": "horario", "time_zone": "America/Tijuana"},
    {"phone_number_id": FAST_SLA_LINE, "display_number": "+52 663 000 0009", "region": "Pruebas de SLA",
     "team": "horario", "time_zone": "America/Tijuana"},
]
ALWAYS_OPEN = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
BUSINESS_HOURS = {"default": {**ALWAYS_OPEN, "out_of_office": OUT_OF_OFFICE_TEXT},
                  CLOSED_LINE: {"holidays": ["2026-12-25"], "out_of_office": OUT_OF_OFFICE_TEXT},
                  FAST_SLA_LINE: {**ALWAYS_OPEN, "out_of_office": OUT_OF_OFFICE_TEXT}}
FAST_TARGETS = {"first_response": 1, "next_response": 1, "resolution": 3}
COMPLAINT_TARGETS = {"first_response": 600, "next_response": 1200, "resolution": 7 * 3600}  # the area «quejas»
SLA_POLICIES = {"default": {"first_response": 900, "next_response": 1800, "resolution": 14 * 3600},
                "lines": {FAST_SLA_LINE: FAST_TARGETS}, "areas": {"quejas": COMPLAINT_TARGETS}}


def chat_hours_env():
    return {"WHATSAPP_LINES": json.dumps(DEV_LINES + EXTRA_LINES), "CHAT_BUSINESS_HOURS": json.dumps(BUSINESS_HOURS),
            "CHAT_SLA_POLICIES": json.dumps(SLA_POLICIES), "CHAT_SLA_INTERVAL": "0.2"}
