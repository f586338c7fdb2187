"""The chat supervisor's dashboard in a real browser against the real stack. Conversations come in as Meta posts
them (signed webhooks): a question answered by a person, resolved and rated 4 in the survey; a complaint; a labelled
question on another line; all assigned to one agent of this test, so the agent filter isolates them. The supervisor
reaches the dashboard with the keyboard, the accessible tables show the seeded figures (the same as the API's
report), a line filter changes them, both CSV links download the report of the same period and filters; a 503 and
a refused period show their messages; axe-core and 360 px. An agent has no such page."""
import csv
import io

from playwright.sync_api import expect

from tests.support import whatsapp as wa
from tests.support.browser import check_page, sign_in, tab_to
from tests.support.polling import wait

MEXICALI, TIJUANA = wa.LINES[0], wa.LINES[1]
AGENT = "agente.tablero"


def press(page, name, key="Enter", **kwargs):
    tab_to(page, name, **kwargs)
    page.keyboard.press(key)


def assign(api, token, conversation_id, agent=AGENT):
    response = api.post_json(f"/api/v1/chat/conversations/{conversation_id}/assign", {"agent": agent}, token)
    assert response.status_code == 200, response.text


def seed(stack, api, graph, supervisor, agent):
    """Three conversations of AGENT: answered, resolved and rated 4; a complaint; a labelled one on Tijuana."""
    assert api.get("/api/v1/chat/lines", agent).status_code == 200  # has used the inbox: can be assigned
    answered, wa_id = wa.open_conversation(stack, MEXICALI, "Buenos días, ¿dónde consulto mi expediente?",
                                           name="Lic. Ana Tablero")
    assign(api, supervisor, answered)
    reply = api.post_json(f"/api/v1/chat/conversations/{answered}/messages", {"text": "En el portal, con su usuario."},
                          agent)
    assert reply.status_code == 202, reply.text
    graph.wait_for(wa_id, 1)
    resolved = api.post_json(f"/api/v1/chat/conversations/{answered}/status", {"status": "resolved"}, agent)
    assert resolved.status_code == 200, resolved.text
    survey = graph.wait_for(wa_id, 2)[1].body
    row = survey["interactive"]["action"]["sections"][0]["rows"][1]  # 5, 4, 3, 2, 1
    assert row["title"].startswith("4")
    tap = wa.messages_payload(MEXICALI, wa_id, [wa.message(
        wa_id, "interactive", {"type": "list_reply", "list_reply": {"id": row["id"], "title": row["title"]}},
        context={"from": "5216632032197", "id": "wamid.SURVEY"})])
    assert wa.WebhookSender(stack.url).send(tap).status_code == 200
    wait(lambda: (stack.db("chat").conversations.find_one({"_id": answered})["csat"] or {}).get("score") == 4,
         what="the survey's answer")
    complaint, _ = wa.open_conversation(stack, MEXICALI, "Quiero presentar una queja, nadie contesta en el juzgado",
                                        name="Lic. Beto Tablero")
    assign(api, supervisor, complaint)
    wait(lambda: stack.db("chat").conversations.find_one({"_id": complaint}).get("complaint"), what="the complaint")
    labelled, _ = wa.open_conversation(stack, TIJUANA, "¿A qué hora es la audiencia de mañana?", name="Lic. Carla")
    assign(api, supervisor, labelled)
    labels = api.post_json(f"/api/v1/chat/conversations/{labelled}/labels", {"labels": ["audiencias"]}, agent)
    assert labels.status_code == 200, labels.text
    return answered, complaint, labelled


def cell(page, table, key, column=0):
    return page.get_by_test_id(table).locator(f"tr[data-key='{key}'] td").nth(column).inner_text()


def figures(page, table):
    return {row.get_attribute("data-key"): row.locator("td").first.inner_text()
            for row in page.get_by_test_id(table).locator("tbody tr").all()}


def test_the_supervisor_reads_the_seeded_figures_filters_and_downloads_the_csv(new_page, api, stack, graph):
    supervisor = stack.token("supervisora.tablero", "chat_supervisor", name="Supervisora Tablero")
    agent = stack.token(AGENT, "chat_agent", name="Agente Tablero")
    answered, complaint, labelled = seed(stack, api, graph, supervisor, agent)
    expected = api.get("/api/v1/chat/reports", supervisor, params={"agent": AGENT}).json()
    assert expected["volumes"] == {"conversations": 3, "messages_in": 4, "messages_out": 2, "resolved": 1}

    page = new_page()
    sign_in(page, stack, token=supervisor)
    press(page, "Tablero del chat")
    page.get_by_role("heading", name="Tablero de la supervisión del chat", level=1).wait_for()
    page.get_by_test_id("dashboard").wait_for()
    # the period the API used (the last 30 days) is the picker's
    assert page.get_by_label("Desde").input_value() == expected["period"]["from"]
    assert page.get_by_label("Hasta (incluido)").input_value() == expected["period"]["to"]
    # the agent of this test: exactly the seeded conversations
    tab_to(page, "Agente", exact=True)
    page.get_by_label("Agente", exact=True).select_option(AGENT)
    press(page, "Actualizar el tablero")
    page.wait_for_url(f"**agente={AGENT}**")
    expect(page.get_by_test_id("volumes").locator("tr[data-key='conversations'] td")).to_have_text("3")
    assert figures(page, "volumes") == {"conversations": "3", "messages_in": "4", "messages_out": "2", "resolved": "1"}
    times = page.get_by_test_id("chart-times")
    assert times.locator("tr[data-key='first_response'] td").first.inner_text() == "1"
    assert times.locator("tr[data-key='resolution'] td").first.inner_text() == "1"
    median = times.locator("tr[data-key='first_response'] td").nth(1).get_attribute("data-seconds")
    assert float(median) == expected["first_response"]["median_seconds"]
    csat = page.get_by_test_id("chart-csat")
    assert {k: csat.locator(f"tr[data-key='{k}'] td").inner_text() for k in "12345"} == {
        "1": "0", "2": "0", "3": "0", "4": "1", "5": "0"}
    assert page.get_by_test_id("csat-average").inner_text() == "4 de 5"
    assert "1 respuesta de 1 encuesta enviada" in page.get_by_test_id("csat-summary").inner_text()
    assert page.get_by_test_id("complaints-total").locator("strong").inner_text() == "1"
    [area] = expected["complaints"]["by_area"]
    assert page.get_by_test_id("chart-complaints").locator(f"tr[data-key='{area['area']}'] td").inner_text() == "1"
    assert page.get_by_test_id("chart-labels").locator("tr[data-key='audiencias'] td").inner_text() == "1"
    sla = page.get_by_test_id("chart-sla")
    assert {k: sla.locator(f"tr[data-key='{k}'] td").inner_text() for k in ("first_response", "resolution")} == {
        k: str(expected["sla"][k]) for k in ("first_response", "resolution")}
    today = expected["by_day"][-1]
    assert today["conversations"] == 3
    press(page, "Ver las cifras de cada día")
    assert page.get_by_test_id("by-day").locator(f"tr[data-key='{today['day']}'] td").first.inner_text() == "3"
    assert page.locator("svg.chart").count() >= 7 and page.locator("[style]").count() == 0
    check_page(page, "tablero del chat")

    # a line's filter changes the figures: only the labelled conversation is Tijuana's
    tab_to(page, "Línea", exact=True, backwards=True)
    page.get_by_label("Línea", exact=True).select_option(TIJUANA)
    press(page, "Actualizar el tablero")
    expect(page.get_by_test_id("volumes").locator("tr[data-key='conversations'] td")).to_have_text("1")
    assert figures(page, "volumes") == {"conversations": "1", "messages_in": "1", "messages_out": "0", "resolved": "0"}
    assert page.get_by_test_id("complaints-total").locator("strong").inner_text() == "0"
    assert page.get_by_test_id("csat-average").inner_text() == "sin respuestas"

    # the CSV links: the same period and filters, with the session's cookie
    tab_to(page, "Descargar el resumen (CSV)", backwards=True)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    summary = dict(list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))[1:])
    assert summary["volumes.conversations"] == "1" and summary["complaints.total"] == "0"
    assert summary["period.from"] == expected["period"]["from"] and summary["period.to"] == expected["period"]["to"]
    tab_to(page, "Descargar una fila por conversación (CSV)")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert [(r["conversation_id"], r["agent"], r["line"], r["labels"]) for r in rows] == [
        (labelled, AGENT, TIJUANA, "audiencias")]


def test_errors_show_the_apis_message_and_an_unavailable_service(new_page, stack):
    page = new_page()
    sign_in(page, stack, sub="supervisora.chat")
    page.route("**/api/v1/chat/reports*", lambda route: route.fulfill(status=503, body=""))
    page.goto("/tablero-del-chat")
    error = page.get_by_test_id("load-error")
    error.wait_for()
    assert "El servicio no está disponible, intente de nuevo." in error.inner_text()
    page.unroute("**/api/v1/chat/reports*")
    page.goto("/tablero-del-chat?desde=2026-12-06&hasta=2026-12-01")
    field = page.locator("[data-field-error='from']")
    field.wait_for()
    assert field.inner_text() == "La fecha inicial no puede ser posterior a la final."
    assert page.get_by_label("Desde").get_attribute("aria-invalid") == "true"
    check_page(page, "tablero con un período rechazado")


def test_an_agent_has_no_dashboard(new_page, stack):
    page = new_page()
    sign_in(page, stack, token=stack.token("agente.sin.tablero", "chat_agent", name="Agente Sin Tablero"))
    assert page.get_by_role("link", name="Bandeja del chat").count() >= 1
    assert page.get_by_role("link", name="Tablero del chat").count() == 0
    page.goto("/tablero-del-chat")
    page.get_by_role("heading", name="Sin permiso", level=1).wait_for()
    assert page.get_by_test_id("dashboard").count() == 0
