"""A court's clerk answers the chat's inquiries in a real browser against the real stack: the chat agent asked through
the API about a lawyer's WhatsApp conversation; the clerk reaches «Consultas del chat» and answers with the keyboard
alone; the agent then sees the answer in the conversation and nothing went to WhatsApp. The question is shown as
written (markup as text), an overdue inquiry says so, and an empty answer is refused beside its field with nothing
stored. A judge of the court reaches the same page with the keyboard and reads the inquiries, without an answer
form (the court's clerk answers). Every page passes axe-core and fits a 360 px phone."""
import datetime
import time

import pytest

from tests.support import whatsapp as wa
from tests.support.browser import check_page, sign_in, tab_to
from tests.support.graph import graph_server

LABOR = "01020"  # a court no other test asks the chat's inquiries of: its clerk's list holds only these
LINE = wa.LINES[0]


def press(page, name, key="Enter", **kwargs):
    tab_to(page, name, **kwargs)
    page.keyboard.press(key)


@pytest.fixture
def asked(stack, api):
    """A lawyer's WhatsApp conversation and two inquiries of the chat agent to the labour court about it, the older
    one already past its due instant."""
    conversation_id, wa_id = wa.open_conversation(stack, LINE, "¿Ya hay fecha para mi audiencia laboral?")
    agent = stack.token("agente.navegador", "chat_agent", name="Agente Navegador")
    path = f"/api/v1/chat/conversations/{conversation_id}/inquiries"
    late = api.post_json(path, {"court_id": LABOR, "question": "¿Se notificó la demanda 01020-2026-00007?"}, agent)
    assert late.status_code == 201, late.text
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    stack.db("chat").inquiries.update_one({"_id": late.json()["inquiry_id"]}, {"$set": {"due_at": past}})
    question = "¿Hay audiencia el lunes?\n<script>alert('x')</script> <b>urgente</b>"
    fresh = api.post_json(path, {"court_id": LABOR, "question": question}, agent)
    assert fresh.status_code == 201, fresh.text
    return {"conversation_id": conversation_id, "wa_id": wa_id, "agent": agent, "question": question,
            "late": late.json()["inquiry_id"], "fresh": fresh.json()["inquiry_id"]}


def test_a_clerk_answers_an_inquiry_with_the_keyboard_and_the_agent_sees_it(new_page, api, stack, asked):
    page = new_page()
    sign_in(page, stack, token=api.clerk(LABOR))
    press(page, "Consultas del chat")
    page.get_by_role("heading", name="Consultas del chat", level=1).wait_for()
    fresh = page.locator(f"[data-inquiry='{asked['fresh']}']")
    late = page.locator(f"[data-inquiry='{asked['late']}']")
    fresh.wait_for()
    check_page(page, "consultas del chat")
    # the question as written: its markup is text, nothing of it runs or renders
    assert fresh.get_by_test_id("question").inner_text() == asked["question"]
    assert page.locator("[data-testid='inquiries'] script, [data-testid='inquiries'] b").count() == 0
    assert late.get_by_test_id("overdue").inner_text() == "Vencida"
    assert fresh.get_by_test_id("overdue").count() == 0
    # the newest is first: its answer, then its button, with the keyboard alone
    tab_to(page, "Respuesta", exact=True)
    assert page.evaluate("document.activeElement.id") == f"respuesta-{asked['fresh']}"
    page.keyboard.type("Sí, el lunes 14 a las 10:00 en la sala 2.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    fresh.get_by_test_id("answer").get_by_text("Sí, el lunes 14 a las 10:00 en la sala 2.").wait_for()
    check_page(page, "consulta respondida")
    shown = api.get(f"/api/v1/chat/conversations/{asked['conversation_id']}", asked["agent"]).json()["inquiries"]
    answered = {i["inquiry_id"]: i for i in shown}[asked["fresh"]]
    assert answered["status"] == "answered" and answered["answer"]["text"] == "Sí, el lunes 14 a las 10:00 en la sala 2."
    # the answered one is listed with the answered ones
    page.get_by_label("Mostrar").select_option("answered")
    page.locator(f"[data-inquiry='{asked['fresh']}']").get_by_test_id("answer").wait_for()
    time.sleep(1)  # two runs of the sender: an answer is never sent to the lawyer by itself
    assert graph_server(stack.graph_port).attempts_to(asked["wa_id"]) == []
    assert stack.db("chat").messages.count_documents({"conversation_id": asked["conversation_id"],
                                                      "direction": "out"}) == 0


def test_an_empty_answer_is_refused_beside_the_field_and_nothing_is_stored(new_page, api, stack, asked):
    page = new_page()
    sign_in(page, stack, token=api.clerk(LABOR))
    page.goto("/tribunal/consultas")
    card = page.locator(f"[data-inquiry='{asked['late']}']")
    card.get_by_role("button", name="Responder").click()
    error = card.locator("[data-field-error='text']")
    error.wait_for()
    field = card.get_by_label("Respuesta")
    assert field.get_attribute("aria-invalid") == "true"
    assert error.get_attribute("id") in field.get_attribute("aria-describedby")
    check_page(page, "respuesta vacía")
    assert stack.db("chat").inquiries.find_one({"_id": asked["late"]})["status"] == "open"


def test_a_judge_reads_the_courts_inquiries_with_the_keyboard_and_has_no_answer_form(new_page, api, stack, asked):
    page = new_page()
    sign_in(page, stack, token=api.judge(LABOR, sub="juez.navegador"))
    press(page, "Consultas del chat")
    page.get_by_role("heading", name="Consultas del chat", level=1).wait_for()
    fresh = page.locator(f"[data-inquiry='{asked['fresh']}']")
    fresh.wait_for()
    check_page(page, "consultas del chat del juez")
    assert fresh.get_by_test_id("question").inner_text() == asked["question"]
    assert page.locator(f"[data-inquiry='{asked['late']}']").get_by_test_id("overdue").inner_text() == "Vencida"
    # no form: the page says who answers
    assert page.locator("[data-testid='inquiries'] form, [data-testid='inquiries'] textarea").count() == 0
    assert page.get_by_role("button", name="Responder").count() == 0
    assert fresh.get_by_test_id("answered-by-clerk").inner_text() == "Por responder: la responde el secretario del tribunal."
    # the answered ones, with the keyboard too, once the clerk answers
    answered = api.post_json(f"/api/v1/chat/inquiries/{asked['fresh']}/answer", {"text": "Sí, el lunes."},
                             api.clerk(LABOR))
    assert answered.status_code == 200, answered.text
    tab_to(page, "Mostrar")
    page.keyboard.press("ArrowDown")
    page.locator(f"[data-inquiry='{asked['fresh']}']").get_by_test_id("answer").get_by_text("Sí, el lunes.").wait_for()
    check_page(page, "consultas respondidas del juez")
    assert stack.db("chat").audit.find_one({"actor.sub": "juez.navegador", "action": "list_inquiries",
                                           "outcome": "allowed", "details.inquiry_ids": asked["fresh"]})


def test_the_clerk_walks_the_inquiries_page_by_page_and_back(new_page, api, stack):
    """More inquiries than a page holds (20): «Ver más consultas» shows the next ones, older, and «Volver a las más
    recientes» the first page again."""
    court = "01010"
    conversation_id, _ = wa.open_conversation(stack, LINE, "¿Cuándo resuelven mi recurso penal?")
    agent = stack.token("agente.paginas", "chat_agent", name="Agente de Páginas")
    for n in range(21):
        asked = api.post_json(f"/api/v1/chat/conversations/{conversation_id}/inquiries",
                              {"court_id": court, "question": f"Consulta número {n} sobre el recurso"}, agent)
        assert asked.status_code == 201, asked.text
    page = new_page()
    sign_in(page, stack, token=api.clerk(court))
    press(page, "Consultas del chat")
    shown = page.locator("[data-inquiry]")
    shown.first.wait_for()

    def ids():
        return [shown.nth(i).get_attribute("data-inquiry") for i in range(shown.count())]

    first = ids()
    assert len(first) == 20
    assert page.get_by_role("button", name="Volver a las más recientes").count() == 0
    press(page, "Ver más consultas")
    page.get_by_role("button", name="Volver a las más recientes").wait_for()
    page.wait_for_function("(first) => !document.querySelector(`[data-inquiry='${first}']`)", arg=first[0])
    second = ids()
    assert second and not set(second) & set(first)
    press(page, "Volver a las más recientes")
    page.wait_for_function("(first) => !!document.querySelector(`[data-inquiry='${first}']`)", arg=first[0])
    assert ids() == first
