"""The chat's web channel in a real browser against the real stack: a lawyer writes to the court from «Chat con el
tribunal» with the keyboard alone; the agent finds it in the inbox marked as a web conversation with the lawyer's name
and bar number, without the WhatsApp-only parts (24-hour window, templates), and answers; the answer appears on the
lawyer's page without a reload, and nothing reached the loopback Graph API; the lawyer's page having read it, the
agent's shows the reply «Leído» without a reload. Texts are shown as written (markup is text). Each page passes
axe-core and fits 360 px."""
import re

from playwright.sync_api import expect

from tests.support import whatsapp as wa
from tests.support.browser import check_page, sign_in, tab_to

WEB_LINE = wa.LINES[0]


def press(page, name, key="Enter", **kwargs):
    tab_to(page, name, **kwargs)
    page.keyboard.press(key)


def wait_live(page):
    page.locator("[data-testid='live-state'][data-state='live']").wait_for()


def test_a_lawyer_writes_from_the_portal_and_sees_the_court_s_answer_live(new_page, api, stack, graph):
    lawyer = api.lawyer("abogada.chatweb", name="Lcda. Marta Chacón", bar_number="27182")
    page = new_page()
    sign_in(page, stack, token=lawyer)
    press(page, "Chat con el tribunal")
    page.get_by_role("heading", name="Chat con el tribunal", level=1).wait_for()
    page.get_by_text("Aún no ha escrito al tribunal.").wait_for()
    wait_live(page)
    check_page(page, "chat con el tribunal, vacío")
    # an empty message is refused beside its field, nothing stored
    press(page, "Enviar", exact=True)
    page.locator("[data-field-error='text']").wait_for()
    assert stack.db("chat").conversations.find_one({"wa_id": "web:abogada.chatweb"}) is None
    text = "Buenos días <b>tribunal</b> <script>alert('x')</script>, ¿ya resolvieron mi amparo?"
    tab_to(page, "Su mensaje")
    page.keyboard.type(text)
    press(page, "Enviar", exact=True)
    mine = page.locator("[data-author='lawyer']").first
    mine.wait_for()
    assert mine.get_by_test_id("message-text").inner_text() == text
    assert page.locator("[data-testid='web-messages'] script, [data-testid='web-messages'] b").count() == 0
    assert page.get_by_label("Su mensaje").input_value() == ""
    page.evaluate("window.__sinRecargar = true")
    check_page(page, "chat con el tribunal, con un mensaje")
    conversation = stack.db("chat").conversations.find_one({"wa_id": "web:abogada.chatweb"})
    assert conversation["channel"] == "web" and conversation["line"] == WEB_LINE

    # the agent: the inbox shows it as a web conversation, with the lawyer's name and bar number
    agent = new_page()
    sign_in(agent, stack, token=stack.token("agente.chatweb", "chat_agent", name="Agente Chat Web"))
    agent.goto("/chat?canal=web")
    assert agent.get_by_label("Canal").input_value() == "web"
    item = agent.locator(f"[data-conversation='{conversation['_id']}']")
    item.wait_for()
    assert item.get_by_test_id("channel").inner_text() == "Chat web"
    assert "27182" in item.inner_text() and "Lcda. Marta Chacón" in item.inner_text()
    check_page(agent, "bandeja con una conversación web")
    agent.goto(f"/chat/conversacion/{conversation['_id']}")
    agent.get_by_role("heading", name="Conversación con Lcda. Marta Chacón", level=1).wait_for()
    wait_live(agent)
    assert "27182" in agent.get_by_test_id("web-lawyer").inner_text()
    assert agent.get_by_test_id("channel").inner_text() == "Chat web"
    assert agent.get_by_test_id("window").count() == 0  # no 24-hour window on the web
    assert agent.get_by_role("button", name="Usar una plantilla aprobada").count() == 0
    agent.get_by_test_id("web-channel-note").wait_for()
    check_page(agent, "conversación web")
    tab_to(agent, "Respuesta", exact=True)
    agent.keyboard.type("Su amparo se admitió ayer; la resolución está en su casillero.")
    press(agent, "Enviar", exact=True)
    sent = agent.locator(".chat-message-out").filter(has_text="Su amparo se admitió ayer")
    # delivered as it is stored (nothing goes to WhatsApp), and read at once if the lawyer's open page read it already
    expect(sent.get_by_test_id("message-status")).to_have_text(re.compile(r"^Estado: (Entregado|Leído)$"))

    # the lawyer's page shows it without a reload
    answer = page.locator("[data-author='court']").filter(has_text="Su amparo se admitió ayer")
    answer.wait_for(timeout=8_000)
    assert "Tribunal" in answer.inner_text() and "Agente Chat Web" not in answer.inner_text()
    assert page.evaluate("window.__sinRecargar") is True
    check_page(page, "chat con el tribunal, con la respuesta")
    # the lawyer's page read it: the agent's page shows it read, live, as a WhatsApp read receipt would
    expect(sent.get_by_test_id("message-status")).to_have_text("Estado: Leído")
    expect(sent.locator("[data-status='read']")).to_have_count(1)
    reply = stack.db("chat").messages.find_one({"conversation_id": conversation["_id"], "direction": "out",
                                                "automatic": None})
    assert reply["status"] == "read" and reply["status_at"]["read"] >= reply["status_at"]["delivered"]
    assert stack.db("chat").messages.find_one({"conversation_id": conversation["_id"],
                                               "direction": "in"})["status"] == "received"
    with graph.lock:
        assert not [a for a in graph.attempts if "Su amparo se admitió" in str(a.body)]
