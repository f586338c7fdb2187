// The canned responses as the chat's supervision keeps them (GET, POST, PUT, DELETE /api/v1/chat/canned-responses):
// the list (shortcode, text, who changed it last), a form to add one, and on each one its own form to change the text
// and a delete that asks once more. The API's 422 and 409 go beside the field they name. Agents use them from the
// reply box of a conversation («/»: CannedPicker.jsx).
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, useForm } from "../../forms.jsx";
import { Link } from "../../router.jsx";
import { formatDateTime, LoadError, Loading, PageHeader, useApi } from "../../ui.jsx";

const BASE = "/api/v1/chat/canned-responses";
const TEXT_HINT = "Texto plano para WhatsApp, hasta 1024 caracteres: sin < ni > y sin / al principio (use *negrita* o _cursiva_ de WhatsApp).";

function FormMessage({ form }) {
  if (!form.message) return null;
  return (
    <p class="notice notice-error" role="alert" tabIndex={-1} ref={form.summary} data-testid="form-error">
      {form.message}
    </p>
  );
}

function AddForm({ onAdded }) {
  const form = useForm({ shortcode: "", text: "" });
  const add = form.submit(async (values) => {
    const created = await api.post(BASE, { shortcode: values.shortcode.trim(), text: values.text });
    form.setValues({ shortcode: "", text: "" });
    onAdded(created);
  });
  return (
    <section class="card" aria-labelledby="titulo-agregar">
      <h2 id="titulo-agregar">Agregar una respuesta guardada</h2>
      <form onSubmit={add} noValidate>
        <FormMessage form={form} />
        <Field form={form} name="shortcode" id="atajo-nuevo" label="Atajo" maxLength={32} autoComplete="off"
          autoCapitalize="none" spellcheck={false}
          hint="Lo que el agente escribe después de / (por ejemplo horario): minúsculas sin tildes, dígitos, _ y -; hasta 32." />
        <Field form={form} name="text" id="texto-nuevo" label="Texto" as="textarea" rows={3} maxLength={1024}
          hint={TEXT_HINT} />
        <button type="submit" disabled={form.busy}>
          Agregar la respuesta
        </button>
      </form>
    </section>
  );
}

function CannedItem({ response, onChanged, onDeleted }) {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const form = useForm({ text: response.text });
  const confirm = useRef(null);
  const textId = `texto-${response.shortcode}`;
  useEffect(() => { // the keyboard follows what was asked: the text to change, or the question to answer
    if (editing) document.getElementById(textId)?.focus();
    if (confirming && confirm.current) confirm.current.focus();
  }, [editing, confirming]);
  const path = `${BASE}/${encodeURIComponent(response.shortcode)}`;
  const save = form.submit(async (values) => {
    onChanged(await api.put(path, { text: values.text }));
    setEditing(false);
  });
  const remove = form.submit(async () => {
    await api.delete(path);
    onDeleted(response);
  });
  const by = response.updated_by.name || response.updated_by.sub;
  return (
    <li class="canned-item" data-shortcode={response.shortcode}>
      <h3 class="canned-shortcode">/{response.shortcode}</h3>
      {!editing && <p class="chat-text" data-testid="canned-text">{response.text}</p>}
      <p class="hint">
        Último cambio: {by}, {formatDateTime(response.updated_at)}
      </p>
      <FormMessage form={form} />
      {editing ? (
        <form onSubmit={save} noValidate>
          <Field form={form} name="text" id={textId} label={`Texto de /${response.shortcode}`}
            as="textarea" rows={3} maxLength={1024} hint={TEXT_HINT} />
          <div class="actions">
            <button type="submit" disabled={form.busy}>
              Guardar el texto
            </button>
            <button type="button" class="button-secondary" onClick={() => {
              form.setValues({ text: response.text });
              form.setErrors({});
              form.setMessage(null);
              setEditing(false);
            }}>
              Cancelar
            </button>
          </div>
        </form>
      ) : confirming ? (
        <div class="actions" role="group" aria-label={`Confirmar el borrado de /${response.shortcode}`}>
          <p class="canned-confirm">¿Borrar /{response.shortcode}? Los mensajes ya enviados no cambian.</p>
          <button type="button" ref={confirm} onClick={remove} disabled={form.busy}>
            Sí, borrar /{response.shortcode}
          </button>
          <button type="button" class="button-secondary" onClick={() => setConfirming(false)}>
            No borrar
          </button>
        </div>
      ) : (
        <div class="actions">
          <button type="button" class="button-secondary button-small" onClick={() => setEditing(true)}>
            Cambiar /{response.shortcode}
          </button>
          <button type="button" class="button-secondary button-small" onClick={() => setConfirming(true)}>
            Borrar /{response.shortcode}
          </button>
        </div>
      )}
    </li>
  );
}

export default function CannedResponsesPage() {
  const list = useApi(() => api.get(BASE), []);
  const [notice, setNotice] = useState(null);
  const [search, setSearch] = useState("");
  const items = (list.data && list.data.items) || [];
  const wanted = search.trim().toLowerCase().replace(/^\//, "");
  const shown = wanted
    ? items.filter((r) => r.shortcode.includes(wanted) || r.text.toLowerCase().includes(wanted)) : items;
  const done = (text) => {
    setNotice(text);
    list.reload();
  };
  return (
    <>
      <p>
        <Link href="/chat">Volver a la bandeja</Link>
      </p>
      <PageHeader title="Respuestas guardadas">
        <p class="lead">
          Textos que los agentes ponen en una respuesta escribiendo / al principio y eligiendo uno, o enviando
          /atajo (se reemplaza por el texto). Los cambios valen para las respuestas que se envíen desde ahora.
        </p>
      </PageHeader>
      <p role="status" class="canned-notice" data-testid="canned-notice">
        {notice}
      </p>
      <AddForm onAdded={(created) => done(`Se agregó /${created.shortcode}.`)} />
      <section class="card" aria-labelledby="titulo-lista">
        <h2 id="titulo-lista">Guardadas ({items.length})</h2>
        {list.loading && !list.data && <Loading />}
        <LoadError error={list.error} retry={list.reload} />
        {list.data && items.length === 0 && <p class="empty">Todavía no hay respuestas guardadas.</p>}
        {items.length > 0 && (
          <div class="field">
            <label for="buscar-respuesta">Buscar</label>
            <p class="hint" id="buscar-respuesta-ayuda">
              Por atajo o por texto.
            </p>
            <input id="buscar-respuesta" type="search" value={search} autoComplete="off" aria-describedby="buscar-respuesta-ayuda"
              aria-controls="respuestas-guardadas" onInput={(event) => setSearch(event.currentTarget.value)} />
          </div>
        )}
        {wanted && (
          <p class="hint" role="status" data-testid="canned-shown">
            {shown.length === 0 ? "Ninguna coincide." : `${shown.length} de ${items.length}.`}
          </p>
        )}
        <ul class="plain-list" id="respuestas-guardadas" data-testid="canned-responses">
          {shown.map((response) => (
            <CannedItem key={`${response.shortcode}-${response.updated_at}`} response={response}
              onChanged={(changed) => done(`Se cambió el texto de /${changed.shortcode}.`)}
              onDeleted={(removed) => done(`Se borró /${removed.shortcode}.`)} />
          ))}
        </ul>
      </section>
    </>
  );
}
