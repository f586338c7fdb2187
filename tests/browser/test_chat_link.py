"""A lawyer links their WhatsApp number in a real browser, with the keyboard alone: «Mi WhatsApp» asks for a code, the
loopback Graph API server receives it, a wrong code, or a number the API refuses, is refused beside its field and
nothing is stored, the right one lists the number; the chat agent then sees the lawyer's name and bar number on the
conversation's page. Each page passes axe-core and fits 360 px."""
from playwright.sync_api import expect

from tests.support import whatsapp as wa
from tests.support.browser import check_page, sign_in, tab_to

LINE = wa.LINES[1]


def press(page, name, key="Enter", **kwargs):
    tab_to(page, name, **kwargs)
    page.keyboard.press(key)


def assert_beside(page, field, name, message):
    """The API's ``message`` for the field ``name`` is shown under ``field`` and tied to it for assistive technology."""
    error = page.locator(f"[data-field-error='{name}']")
    expect(error).to_have_text(message)
    expect(field).to_have_attribute("aria-invalid", "true")
    assert error.get_attribute("id") in field.get_attribute("aria-describedby").split()


def test_a_lawyer_links_their_number_and_the_agent_sees_it(new_page, api, stack, graph):
    conversation_id, wa_id = wa.open_conversation(stack, LINE, "Buenos días, ¿me ayudan con un expediente?",
                                                  name="Perfil de WhatsApp")
    lawyer = api.lawyer("abogada.whatsapp", name="Lcda. Inés Paredes", bar_number="31415")
    page = new_page()
    sign_in(page, stack, token=lawyer)
    press(page, "Mi WhatsApp")
    page.get_by_role("heading", name="Mi WhatsApp", level=1).wait_for()
    page.get_by_text("Ningún número vinculado.").wait_for()
    check_page(page, "mi whatsapp")
    tab_to(page, "Número de WhatsApp")
    page.keyboard.type("+52 " + wa_id[3:])  # as a lawyer writes it: with + and spaces, without WhatsApp's 1
    press(page, "Enviarme un código por WhatsApp")
    [sent] = graph.wait_for(wa_id)
    code = sent.body["template"]["components"][0]["parameters"][0]["text"]
    pending = page.get_by_test_id("pending-link")
    pending.wait_for()
    assert f"+{wa_id}" in pending.inner_text() and "5 intento" in pending.inner_text()
    check_page(page, "mi whatsapp, código pendiente")
    # a wrong code: the API's message beside the field, what was typed kept, nothing linked
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    tab_to(page, "Código", exact=True)
    page.keyboard.type(wrong)
    press(page, "Vincular el número")
    assert_beside(page, page.get_by_label("Código", exact=True), "code",
                  "El código no es correcto. Le quedan 4 intento(s).")
    expect(page.get_by_label("Código", exact=True)).to_have_value(wrong)
    check_page(page, "mi whatsapp, código rechazado")
    assert stack.db("chat").links.find_one({"_id": wa_id}) is None
    # the right one
    tab_to(page, "Código", exact=True)
    page.keyboard.press("Control+A")
    page.keyboard.type(code)
    press(page, "Vincular el número")
    linked = page.locator(f"[data-wa-id='{wa_id}']")
    linked.wait_for()
    assert "Lcda. Inés Paredes" in linked.inner_text() and "31415" in linked.inner_text()
    assert page.get_by_test_id("pending-link").count() == 0
    # the agent sees who wrote
    agent = new_page()
    sign_in(agent, stack, token=stack.token("agente.vinculo", "chat_agent", name="Agente Vínculo"))
    agent.goto(f"/chat/conversacion/{conversation_id}")
    shown = agent.get_by_test_id("linked-lawyer")
    shown.wait_for()
    assert "Lcda. Inés Paredes" in shown.inner_text() and "31415" in shown.inner_text()
    check_page(agent, "conversación con el abogado vinculado")
    # the lawyer unlinks it
    press(page, f"Desvincular el +{wa_id}")
    page.get_by_text("Ningún número vinculado.").wait_for()
    assert stack.db("chat").links.find_one({"_id": wa_id}) is None


def test_the_supervision_unlinks_a_lost_phone_from_the_conversation(new_page, api, stack, graph):
    conversation_id, wa_id = wa.open_conversation(stack, LINE, "Buenas tardes, escribo desde un teléfono nuevo")
    lawyer = api.lawyer("abogado.telefono", name="Lic. Ramiro Soto", bar_number="27182")
    assert api.post_json("/api/v1/chat/link", {"wa_id": wa_id}, lawyer).status_code == 202
    [sent] = graph.wait_for(wa_id)
    code = sent.body["template"]["components"][0]["parameters"][0]["text"]
    assert api.post_json("/api/v1/chat/link/confirm", {"code": code}, lawyer).status_code == 200
    page = new_page()
    sign_in(page, stack, token=stack.token("supervisora.telefono", "chat_supervisor", name="Supervisora Soto"))
    page.goto(f"/chat/conversacion/{conversation_id}")
    page.get_by_test_id("linked-lawyer").wait_for()
    press(page, "Desvincular este número de la cuenta del abogado")
    # without a reason: refused beside the field, still linked
    press(page, "Desvincular el número")
    page.get_by_test_id("form-error").wait_for()
    assert stack.db("chat").links.find_one({"_id": wa_id})["bar_number"] == "27182"
    check_page(page, "desvincular un número, sin motivo")
    tab_to(page, "Motivo")
    page.keyboard.type("El licenciado informó por oficio que perdió su teléfono")
    press(page, "Desvincular el número")
    page.get_by_test_id("linked-lawyer").wait_for(state="detached")
    assert stack.db("chat").links.find_one({"_id": wa_id}) is None
    entry = stack.db("chat").audit.find_one({"action": "unlink_by_staff", "target": f"wa_id:{wa_id}"})
    assert entry["details"]["reason"] == "El licenciado informó por oficio que perdió su teléfono"


def test_a_number_the_api_refuses_shows_its_message_beside_the_field_and_no_code_is_sent(new_page, api, stack, graph):
    lawyer = api.lawyer("abogado.numero.corto", name="Lic. Número Corto", bar_number="27182")
    page = new_page()
    sign_in(page, stack, token=lawyer)
    page.goto("/mi-whatsapp")
    page.get_by_text("Ningún número vinculado.").wait_for()
    field = page.get_by_label("Número de WhatsApp")
    field.fill("12345")
    page.get_by_role("button", name="Enviarme un código por WhatsApp").click()
    expected = api.post_json("/api/v1/chat/link", {"wa_id": "12345"}, lawyer).json()["details"]["fields"]["wa_id"]
    assert_beside(page, field, "wa_id", " ".join(expected) if isinstance(expected, list) else expected)
    expect(field).to_have_value("12345")
    assert page.get_by_test_id("pending-link").count() == 0
    check_page(page, "mi whatsapp, número rechazado")
    assert stack.db("chat").link_codes.find_one({"_id": "abogado.numero.corto"}) is None
    assert graph.attempts_to("12345") == []
