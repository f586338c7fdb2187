// Register a conviction by hand (UNAP). The API checks everything (the whole CUI rule, dates not in the future,
// the same person and case only once) and names the field it refuses.
import { api } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { Link, navigate } from "../../router.jsx";
import { PageHeader } from "../../ui.jsx";
import { joinListErrors } from "./common.jsx";

const EMPTY = { name: "", id_number: "", case_number: "", court: "", offences: "", penalty: "", sentence_date: "", final_date: "" };
const FIELDS = Object.keys(EMPTY);

export default function AddRecordPage() {
  const form = useForm(EMPTY);
  const save = form.submit(async (values) => {
    const body = {
      ...values,
      id_number: values.id_number.replace(/\s+/g, ""),
      offences: values.offences.split(/[;\n]/).map((o) => o.trim()).filter(Boolean),
    };
    for (const key of ["sentence_date", "final_date"]) if (!body[key]) delete body[key];
    let record;
    try {
      record = await api.post("/api/v1/criminal-records", body);
    } catch (error) {
      throw joinListErrors(error, ["offences"]);
    }
    navigate(`/registro/antecedentes/${record.record_id}?nuevo=1`);
  });
  return (
    <>
      <PageHeader title="Agregar un antecedente">
        <p class="lead">
          Una condena firme, tal como consta en la sentencia. <Link href="/registro">Volver al registro</Link>
        </p>
      </PageHeader>
      <form class="card" onSubmit={save} noValidate>
        <FormErrors form={form} fields={FIELDS} />
        <Field form={form} name="name" label="Nombre completo" autoComplete="off" />
        <Field form={form} name="id_number" label="CUI" hint="13 dígitos." inputMode="numeric" autoComplete="off" />
        <Field form={form} name="case_number" label="Número del proceso penal" autoComplete="off" />
        <Field form={form} name="court" label="Tribunal que dictó la sentencia" />
        <Field form={form} name="offences" label="Delitos" hint="Uno por línea, o separados por «;»." as="textarea" rows={3} />
        <Field form={form} name="penalty" label="Pena impuesta" />
        <Field form={form} name="sentence_date" label="Fecha de la sentencia" type="date" />
        <Field form={form} name="final_date" label="Fecha en que quedó firme" type="date" />
        <button type="submit" disabled={form.busy}>
          Registrar el antecedente
        </button>
      </form>
    </>
  );
}
