"""Canned responses in a real browser against the real stack. An agent answers a WhatsApp message with the keyboard
alone: «/» at the start of the reply box lists the canned responses that match (a listbox the reply box owns,
aria-activedescendant following the arrows), Enter puts the chosen one's text in the box, and the loopback Graph API
server receives it. A supervisor reaches «Respuestas guardadas» from the chat's menu, is refused beside the field
for a shortcode the API refuses (nothing stored), adds one, changes its text and deletes it. Each page passes
axe-core and fits 360 px."""
import uuid

from playwright.sync_api import expect

from tests.support import whatsapp as wa
from tests.support.browser import check_page, sign_in, tab_to

LINE = wa.LINES[0]
BASE = "/api/v1/chat/canned-responses"


def press(page, name, key="Enter", **kwargs):
    tab_to(page, name, **kwargs)
    page.keyboard.press(key)


def active_option(page):
    box = page.get_by_label("Respuesta", exact=True)
    active = box.get_attribute("aria-activedescendant")
    assert active, "the reply box names no active option"
    option = page.locator(f"#{active}")
    assert option.get_attribute("role") == "option" and option.get_attribute("aria-selected") == "true"
    return option.get_attribute("data-shortcode")


def test_an_agent_answers_with_a_canned_response_chosen_with_the_keyboard(new_page, api, stack, graph):
    supervisor = stack.token("supervisora.picker", "chat_supervisor", name="Supervisora Picker")
    prefix = "h" + uuid.uuid4().hex[:5]
    texts = {f"{prefix}-horario": "Nuestro horario es de lunes a viernes de 8:00 a 15:00.",
             f"{prefix}-hoy": "Hoy el juzgado atiende hasta las 13:00 por inventario."}


    def create(shortcode):
        created = api.post_json(BASE, {"shortcode": shortcode, "text": texts[shortcode]}, supervisor)
        assert created.status_code == 201, created.text

    create(f"{prefix}-horario")
    agent = stack.token("agente.picker", "chat_agent", name="Agente Picker")
    conversation_id, wa_id = wa.open_conversation(stack, LINE, "¿A qué hora cierran hoy?", name="Lic. Marta Díaz")
    page = new_page()
    sign_in(page, stack, token=agent)
    page.goto(f"/chat/conversacion/{conversation_id}")
    page.get_by_role("heading", name="Conversación con Lic. Marta Díaz", level=1).wait_for()
    create(f"{prefix}-hoy")  # added while the page is open: the «/» reads them again
    box = page.get_by_label("Respuesta", exact=True)
    assert box.get_attribute("aria-autocomplete") == "list"
    tab_to(page, "Respuesta", exact=True)
    page.keyboard.type("/" + prefix)
    listbox = page.get_by_role("listbox", name="Respuestas guardadas")
    listbox.wait_for()
    assert box.get_attribute("aria-controls") == listbox.get_attribute("id")
    options = listbox.get_by_role("option")
    assert sorted(options.evaluate_all("os => os.map(o => o.dataset.shortcode)")) == sorted(texts)
    assert "2 respuestas guardadas coinciden" in page.get_by_test_id("canned-status").inner_text()
    first = active_option(page)
    check_page(page, "conversación con la lista de respuestas guardadas")
    page.get_by_label("Respuesta", exact=True).focus()
    # the arrows move through the list (and wrap), the focus stays in the box
    page.keyboard.press("ArrowDown")
    second = active_option(page)
    assert second != first
    page.keyboard.press("ArrowDown")
    assert active_option(page) == first
    page.keyboard.press("ArrowUp")
    assert active_option(page) == second
    # Escape closes it; typing more narrows it and opens it again
    page.keyboard.press("Escape")
    listbox.wait_for(state="detached")
    assert box.get_attribute("aria-activedescendant") is None
    page.keyboard.type("-ho")
    listbox.wait_for()
    assert options.count() == 2
    page.keyboard.type("y")
    expect(options).to_have_count(1)  # no eval: the page's CSP refuses it
    assert active_option(page) == f"{prefix}-hoy"
    page.keyboard.press("Enter")
    listbox.wait_for(state="detached")
    assert box.input_value() == texts[f"{prefix}-hoy"]
    assert page.evaluate("document.activeElement.id") == "respuesta"
    # the agent completes it and sends it
    page.keyboard.press("End")
    page.keyboard.type(" Saludos.")
    press(page, "Enviar", exact=True)
    [sent] = graph.wait_for(wa_id)
    assert sent.body["text"]["body"] == texts[f"{prefix}-hoy"] + " Saludos."
    page.locator(".chat-message-out [data-status='sent']").wait_for()
    assert box.input_value() == ""
    check_page(page, "conversación respondida con una respuesta guardada")


def test_a_shortcode_sent_as_typed_goes_out_expanded_and_an_unknown_one_is_refused_beside_the_box(new_page, api,
                                                                                                   stack, graph):
    supervisor = stack.token("supervisora.picker", "chat_supervisor", name="Supervisora Picker")
    shortcode = "p" + uuid.uuid4().hex[:6]
    assert api.post_json(BASE, {"shortcode": shortcode, "text": "Su escrito quedó recibido."},
                         supervisor).status_code == 201
    agent = stack.token("agente.picker", "chat_agent", name="Agente Picker")
    conversation_id, wa_id = wa.open_conversation(stack, LINE, "¿Recibieron mi escrito?", name="Lic. Luis Paz")
    page = new_page()
    sign_in(page, stack, token=agent)
    page.goto(f"/chat/conversacion/{conversation_id}")
    page.get_by_role("heading", name="Conversación con Lic. Luis Paz", level=1).wait_for()
    tab_to(page, "Respuesta", exact=True)
    page.keyboard.type("/no-existe-" + shortcode)
    press(page, "Enviar", exact=True)
    error = page.locator("[data-field-error='text']")
    error.wait_for()
    assert f"«/no-existe-{shortcode}»" in error.inner_text() and "//" in error.inner_text()
    assert stack.db("chat").messages.count_documents({"conversation_id": conversation_id, "direction": "out"}) == 0
    assert graph.attempts_to(wa_id) == []
    tab_to(page, "Respuesta", exact=True, backwards=True)
    page.keyboard.press("Control+A")
    page.keyboard.type(f"/{shortcode} Gracias.")  # a blank closes the list: the API expands it
    press(page, "Enviar", exact=True)
    [sent] = graph.wait_for(wa_id)
    assert sent.body["text"]["body"] == "Su escrito quedó recibido. Gracias."
    page.get_by_test_id("message-text").get_by_text("Su escrito quedó recibido. Gracias.").wait_for()


def test_a_supervisor_adds_changes_and_deletes_a_canned_response(new_page, api, stack):
    page = new_page()
    sign_in(page, stack, sub="supervisora.chat")
    press(page, "Respuestas guardadas")
    page.get_by_role("heading", name="Respuestas guardadas", level=1).wait_for()
    current = page.locator("#navegacion [aria-current='page']")
    assert current.count() == 1 and current.inner_text() == "Respuestas guardadas"
    check_page(page, "respuestas guardadas")
    shortcode = "r" + uuid.uuid4().hex[:6]
    stored = stack.db("chat").canned_responses
    # a shortcode the API refuses: beside «Atajo», nothing stored
    count = stored.count_documents({})
    tab_to(page, "Atajo", exact=True)
    page.keyboard.type("Horario General")
    tab_to(page, "Texto", exact=True)
    page.keyboard.type("Atendemos de <b>8</b> a 15.")
    press(page, "Agregar la respuesta")
    page.locator("[data-field-error='shortcode'], [data-field-error='text']").first.wait_for()
    assert stored.count_documents({}) == count
    check_page(page, "respuestas guardadas con errores")
    tab_to(page, "Atajo", exact=True, backwards=True)
    page.keyboard.press("Control+A")
    page.keyboard.type(shortcode)
    tab_to(page, "Texto", exact=True)
    page.keyboard.press("Control+A")
    page.keyboard.type("Atendemos de *8:00* a 15:00, de lunes a viernes.")
    press(page, "Agregar la respuesta")
    item = page.locator(f"li[data-shortcode='{shortcode}']")
    item.wait_for()
    assert page.get_by_test_id("canned-notice").inner_text() == f"Se agregó /{shortcode}."
    doc = stored.find_one({"_id": shortcode})
    assert doc["text"] == "Atendemos de *8:00* a 15:00, de lunes a viernes."
    assert doc["created_by"]["sub"] == "supervisora.chat"
    listed = api.get(BASE, stack.token("agente.lista", "chat_agent", name="Agente Lista")).json()["items"]
    assert shortcode in [i["shortcode"] for i in listed]
    # among many, the search finds it; change its text
    tab_to(page, "Buscar", exact=True)
    page.keyboard.type(shortcode)
    page.get_by_test_id("canned-shown").get_by_text("1 de").wait_for()
    press(page, f"Cambiar /{shortcode}")
    # the focus goes to the text (moved after the render: expect() waits for it)
    expect(page.get_by_label(f"Texto de /{shortcode}", exact=True)).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("Atendemos de 8:00 a 15:30.")
    press(page, "Guardar el texto")
    page.get_by_test_id("canned-notice").get_by_text(f"Se cambió el texto de /{shortcode}.").wait_for()
    item.get_by_test_id("canned-text").get_by_text("Atendemos de 8:00 a 15:30.").wait_for()
    assert stored.find_one({"_id": shortcode})["text"] == "Atendemos de 8:00 a 15:30."
    check_page(page, "respuestas guardadas tras un cambio")
    # delete it, asked once more
    press(page, f"Borrar /{shortcode}")
    expect(page.get_by_role("button", name=f"Sí, borrar /{shortcode}")).to_be_focused()
    page.keyboard.press("Enter")
    page.get_by_test_id("canned-notice").get_by_text(f"Se borró /{shortcode}.").wait_for()
    item.wait_for(state="detached")
    assert stored.find_one({"_id": shortcode}) is None
