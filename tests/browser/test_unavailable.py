"""A service that does not answer, in real Chromium against the real stack: every form of the portal that writes
(or looks a code up) shows «El servicio no está disponible, intente de nuevo.» and keeps every value typed and every
file chosen, so the same action can be sent again. The forms are grouped by the service that answers them: that
service is stopped once, all its forms are sent, and it is started again before the next group.

A stopped service leaves its request queue on the broker: the gateway waits for it until its RPC timeout and answers
504 (services/runtime/rpc.py); the portal shows the same message for a 503. The request waits in the queue and is
done when the service is back, so what these forms send is made of the test's own cases, numbers and codes only."""
import dataclasses
import datetime
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.support import whatsapp as wa
from tests.support.browser import sign_in
from tests.support.certificates import new_cui, officer, record_body
from tests.support.pdfgen import make_pdf
from tests.support.protocol import deposit, metadata, new_notary, officer as archive_officer, today

UNAVAILABLE = "El servicio no está disponible, intente de nuevo."
CIVIL, OTHER_CIVIL, PENAL = "01001", "01002", "01010"
WAIT_MS = 30_000  # the gateway's RPC timeout (5 s on the test stack) and a loaded machine


@dataclasses.dataclass
class Filled:
    """A form filled in and ready to send: ``values`` {label: value} and ``files`` {label of a file input: names}
    must all still be there after the failure; ``chosen`` are the names a PDF drop zone lists."""
    page: object
    form: object
    button: str
    path: str  # the path of the request that sends it
    values: dict
    method: str = "POST"
    files: dict = dataclasses.field(default_factory=dict)
    chosen: tuple = ()


def form_of(page, label):
    return page.locator("form").filter(has=page.get_by_label(label, exact=True))


def fill(form, values):
    for label, value in values.items():
        field = form.get_by_label(label, exact=True)
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def pdf_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(make_pdf(seed=f"{name}-{uuid.uuid4().hex}"))
    return path


def lawyer_actor():
    tag = uuid.uuid4().hex[:8]
    return {"sub": f"lic-espera-{tag}", "role": "lawyer", "name": f"Lic. Espera {tag}",
            "bar_number": str(50000 + int(tag[:4], 16) % 9999)}


# --- filings ----------------------------------------------------------------------------------------------------
def open_case(new_page, api, stack, tmp_path):
    page = new_page()
    sign_in(page, stack, actor=lawyer_actor())
    page.goto("/mis-expedientes/nuevo")
    page.get_by_label("Tribunal").locator(f"option[value='{CIVIL}']").wait_for(state="attached")
    form = form_of(page, "Asunto")
    values = {"Tribunal": CIVIL, "Asunto": "Cobro que espera al servicio", "Nombre de la parte 1": "Acreedora Espera, S.A.",
              "Nombre de la parte 2": "Deudor Espera", "Parte que usted representa": "Acreedora Espera, S.A."}
    fill(form, values)
    form.get_by_label("Demanda y anexos (PDF)").set_input_files(str(pdf_file(tmp_path, "demanda-espera.pdf")))
    return Filled(page, form, "Presentar la demanda", "/api/v1/cases", values, chosen=("demanda-espera.pdf",))


def civil_case(api):
    return api.accepted_case(api.lawyer(), api.clerk(CIVIL), CIVIL)["case_number"]


def issue_resolution(new_page, api, stack, tmp_path):
    number = civil_case(api)
    page = new_page()
    sign_in(page, stack, token=api.judge(CIVIL))
    page.goto(f"/tribunal/expedientes/{number}/resolucion")
    form = form_of(page, "Resumen")
    values = {"Clase de resolución": "auto", "Resumen": "Auto que espera al servicio",
              "Plazo en días hábiles (opcional)": "5"}
    fill(form, values)
    form.get_by_label("La resolución firmada (PDF)").set_input_files(str(pdf_file(tmp_path, "auto-espera.pdf")))
    return Filled(page, form, "Emitir la resolución", f"/api/v1/cases/{number}/resolutions", values,
                  files={"La resolución firmada (PDF)": ["auto-espera.pdf"]})


def schedule_hearing(new_page, api, stack, tmp_path):
    number = civil_case(api)
    page = new_page()
    sign_in(page, stack, token=api.clerk(CIVIL))
    page.goto(f"/tribunal/expedientes/{number}/audiencia")
    form = form_of(page, "Sala")
    day = datetime.date.today() + datetime.timedelta(days=40)
    values = {"Clase de audiencia": "conciliacion", "Día": day.isoformat(), "Hora (hora de Guatemala)": "10:30",
              "Duración en minutos": "45", "Sala": f"Sala {uuid.uuid4().hex[:8]}",
              "Notas (opcional)": "Audiencia que espera al servicio"}
    fill(form, values)
    return Filled(page, form, "Programar la audiencia", f"/api/v1/cases/{number}/hearings", values)


def reserve(new_page, api, stack, tmp_path):
    number = civil_case(api)
    page = new_page()
    sign_in(page, stack, token=api.judge(CIVIL))
    page.goto(f"/tribunal/expedientes/{number}/reserva")
    form = form_of(page, "Motivo de la reserva")
    values = {"Motivo de la reserva": "Protección de un menor (espera)"}
    fill(form, values)
    return Filled(page, form, "Reservar el expediente", f"/api/v1/cases/{number}/reserve", values)


def appearance(new_page, api, stack, tmp_path):
    parties = [{"name": "Querellante Espera", "role": "querellante"}, {"name": "Sindicado Espera", "role": "sindicado"}]
    opened = api.new_case(api.lawyer(), PENAL, matter="penal", subject="Querella que espera", parties=parties,
                          represents="Querellante Espera")
    assert api.review(api.clerk(PENAL), opened["receipt"]["filing_id"]).status_code == 200
    number = opened["case_number"]
    page = new_page()
    sign_in(page, stack, actor=lawyer_actor())
    page.goto(f"/mis-expedientes/apersonarse?expediente={number}")
    page.get_by_test_id("appearance-case").wait_for()
    form = form_of(page, "Resumen del escrito")
    values = {"Parte que usted representa": "Sindicado Espera", "Resumen del escrito": "Me apersono (espera)"}
    fill(form, values)
    form.get_by_label("El escrito de apersonamiento y sus anexos (PDF)").set_input_files(
        str(pdf_file(tmp_path, "apersonamiento-espera.pdf")))
    return Filled(page, form, "Presentar el apersonamiento", f"/api/v1/cases/{number}/filings", values,
                  chosen=("apersonamiento-espera.pdf",))


# --- certificates (the registry and the Archive of Protocols) ----------------------------------------------------
def add_record(new_page, api, stack, tmp_path):
    body = record_body(new_cui(), name="Persona Espera")
    page = new_page()
    sign_in(page, stack, token=officer(stack))
    page.goto("/registro/nuevo")
    form = form_of(page, "Nombre completo")
    values = {"Nombre completo": body["name"], "CUI": body["id_number"], "Número del proceso penal": body["case_number"],
              "Tribunal que dictó la sentencia": body["court"], "Delitos": "Robo agravado", "Pena impuesta": body["penalty"],
              "Fecha de la sentencia": body["sentence_date"], "Fecha en que quedó firme": body["final_date"]}
    fill(form, values)
    return Filled(page, form, "Registrar el antecedente", "/api/v1/criminal-records", values)


def cancel_record(new_page, api, stack, tmp_path):
    created = api.post_json("/api/v1/criminal-records", record_body(new_cui(), name="Persona Por Cancelar"),
                            officer(stack))
    assert created.status_code == 201, created.text
    record_id = created.json()["record_id"]
    page = new_page()
    sign_in(page, stack, token=officer(stack))
    page.goto(f"/registro/antecedentes/{record_id}")
    form = form_of(page, "Resolución que la ordena")
    values = {"Motivo de la cancelación": "rehabilitacion",
              "Resolución que la ordena": "Auto del Juzgado de Ejecución Penal (espera)"}
    fill(form, values)
    form.get_by_label("La resolución del tribunal (PDF)").set_input_files(
        str(pdf_file(tmp_path, "rehabilitacion-espera.pdf")))
    return Filled(page, form, "Cancelar el antecedente", f"/api/v1/criminal-records/{record_id}/cancel", values,
                  files={"La resolución del tribunal (PDF)": ["rehabilitacion-espera.pdf"]})


def import_records(new_page, api, stack, tmp_path):
    csv = "\n".join(["name,id_number,case_number,court,offences,penalty,sentence_date,final_date",
                     f"Fila Espera,{new_cui()},01010-2019-00009,Juzgado Primero Penal,Hurto,1 año,2019-01-10,2019-02-10"])
    page = new_page()
    sign_in(page, stack, token=officer(stack))
    page.goto("/registro/importar")
    form = form_of(page, "El contenido del CSV")
    values = {"El contenido del CSV": csv}
    fill(form, values)
    return Filled(page, form, "Importar", "/api/v1/criminal-records/import", values)


def archive_review(new_page, api, stack, tmp_path):
    bar_number, notary = new_notary(api, stack, name="Notaria Espera Ortiz")
    deposited = deposit(api, notary, metadata(1, authorized_at=today()))
    assert deposited.status_code == 201, deposited.text
    page = new_page()
    sign_in(page, stack, token=archive_officer(stack))
    page.goto("/protocolo/revision")
    page.get_by_label("Colegiado del notario").fill(bar_number)
    page.get_by_label("Año", exact=True).fill(str(today().year))
    page.get_by_role("button", name="Ver el año").click()
    label = "Motivo para observar el n.º 1"
    form = form_of(page, label)
    values = {label: "Falta un folio (espera)"}
    fill(form, values)
    return Filled(page, form, "Observar el n.º 1", f"/api/v1/protocol/instruments/{deposited.json()['instrument_id']}/review",
                  values)


# --- chat ----------------------------------------------------------------------------------------------------
def chat_reply(new_page, api, stack, tmp_path):
    conversation_id, _ = wa.open_conversation(stack, wa.LINES[0], "¿Me responden cuando vuelva el servicio?")
    page = new_page()
    sign_in(page, stack, token=stack.token("agente.espera", "chat_agent", name="Agente Espera"))
    page.goto(f"/chat/conversacion/{conversation_id}")
    form = form_of(page, "Respuesta")
    values = {"Respuesta": "Le respondemos en cuanto podamos."}
    fill(form, values)
    return Filled(page, form, "Enviar", f"/api/v1/chat/conversations/{conversation_id}/messages", values)


def court_chat(new_page, api, stack, tmp_path):
    page = new_page()
    sign_in(page, stack, actor=lawyer_actor())
    page.goto("/chat-tribunal")
    page.get_by_text("Aún no ha escrito al tribunal.").wait_for()
    form = form_of(page, "Su mensaje")
    values = {"Su mensaje": "Consulta que espera al servicio"}
    fill(form, values)
    return Filled(page, form, "Enviar", "/api/v1/chat/web/messages", values)


def whatsapp_link(new_page, api, stack, tmp_path):
    page = new_page()
    sign_in(page, stack, actor=lawyer_actor())
    page.goto("/mi-whatsapp")
    page.get_by_text("Ningún número vinculado.").wait_for()
    form = form_of(page, "Número de WhatsApp")
    values = {"Número de WhatsApp": wa.new_wa_id()}
    fill(form, values)
    return Filled(page, form, "Enviarme un código por WhatsApp", "/api/v1/chat/link", values)


def canned_response(new_page, api, stack, tmp_path):
    page = new_page()
    sign_in(page, stack, token=stack.token("supervisora.espera", "chat_supervisor", name="Supervisora Espera"))
    page.goto("/chat/respuestas-guardadas")
    form = form_of(page, "Atajo")
    values = {"Atajo": f"espera-{uuid.uuid4().hex[:6]}", "Texto": "Texto guardado que espera al servicio."}
    fill(form, values)
    return Filled(page, form, "Agregar la respuesta", "/api/v1/chat/canned-responses", values)


def inquiry_answer(new_page, api, stack, tmp_path):
    conversation_id, _ = wa.open_conversation(stack, wa.LINES[0], "¿Ya resolvieron mi expediente civil?")
    agent = stack.token("agente.espera", "chat_agent", name="Agente Espera")
    asked = api.post_json(f"/api/v1/chat/conversations/{conversation_id}/inquiries",
                          {"court_id": OTHER_CIVIL, "question": "¿Se resolvió el expediente del señor Espera?"}, agent)
    assert asked.status_code == 201, asked.text
    inquiry_id = asked.json()["inquiry_id"]
    page = new_page()
    sign_in(page, stack, token=api.clerk(OTHER_CIVIL))
    page.goto("/tribunal/consultas")
    form = page.locator(f"[data-inquiry='{inquiry_id}'] form")
    values = {"Respuesta": "Sí, ayer se dictó sentencia."}
    fill(form, values)
    return Filled(page, form, "Responder", f"/api/v1/chat/inquiries/{inquiry_id}/answer", values)


# --- the mailbox (the court calendar) and the public look-ups -------------------------------------------------------
def closure(new_page, api, stack, tmp_path):
    # a Saturday: when the mailbox is back and does what waited in its queue, it refuses it and nothing is closed
    day = datetime.date(datetime.date.today().year + 3, 1, 1)
    day += datetime.timedelta(days=(5 - day.weekday()) % 7)
    page = new_page()
    sign_in(page, stack, sub="admin")
    page.goto("/admin/cierres")
    form = form_of(page, "Motivo")
    page.get_by_label("Tribunal").locator(f"option[value='{OTHER_CIVIL}']").wait_for(state="attached")
    values = {"Día del cierre": day.isoformat(), "Tribunal": OTHER_CIVIL, "Motivo": "Fumigación (espera)"}
    fill(form, values)
    return Filled(page, form, "Registrar el cierre", "/api/v1/calendar/closures", values)


def verify_by_code(new_page, api, stack, tmp_path):
    code = uuid.uuid4().hex + uuid.uuid4().hex
    page = new_page()
    page.goto("/verificar")
    form = form_of(page, "Código SHA-256 del documento")
    values = {"Código SHA-256 del documento": code}
    fill(form, values)
    return Filled(page, form, "Verificar", f"/api/v1/public/documents/{code}", values, method="GET")


# {service stopped: [(form, the status the gateway answers while it is stopped)]}
FORMS = {
    "filings": [(open_case, 504), (issue_resolution, 504), (schedule_hearing, 504), (reserve, 504), (appearance, 504)],
    "certificates": [(add_record, 504), (cancel_record, 504), (import_records, 504), (archive_review, 504)],
    "chat": [(chat_reply, 504), (court_chat, 504), (whatsapp_link, 504), (canned_response, 504),
             (inquiry_answer, 504)],
    "mailbox": [(closure, 504)],
    "queries": [(verify_by_code, 504)],
}


@pytest.mark.parametrize("service", FORMS)
def test_a_stopped_service_keeps_everything_typed_in_each_of_its_forms(service, new_page, api, stack, graph, tmp_path):
    filled = [(prepare(new_page, api, stack, tmp_path), status) for prepare, status in FORMS[service]]
    answers = {}

    def record(item):
        def answered(response):
            if response.request.method == item.method and urlsplit(response.url).path == item.path:
                answers.setdefault(item.path, response.status)
        return answered

    for item, _ in filled:
        item.page.on("response", record(item))
    process = stack.stack.processes[service]
    process.stop()
    try:
        for item, _ in filled:
            item.form.get_by_role("button", name=item.button).click()
        for item, status in filled:
            expect(item.form.get_by_test_id("form-error").get_by_text(UNAVAILABLE, exact=True)).to_be_visible(
                timeout=WAIT_MS)
            assert answers.get(item.path) == status, (item.path, answers.get(item.path))
            for label, value in item.values.items():
                expect(item.form.get_by_label(label, exact=True)).to_have_value(value)
            for label, names in item.files.items():
                field = item.form.get_by_label(label, exact=True)
                assert field.evaluate("input => Array.from(input.files, (file) => file.name)") == names, label
            for name in item.chosen:
                expect(item.form.get_by_test_id("chosen-files").get_by_text(name, exact=True)).to_be_visible()
    finally:
        process.start()
        stack.stack.wait(service)
