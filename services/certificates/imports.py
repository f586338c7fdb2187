"""Historical records from a CSV file: every row checked as a record typed by hand would be, all or nothing.
Plain functions (no I/O): the store says which rows' convictions exist already."""
import csv
import io
import datetime

from marshmallow import ValidationError

from contracts.certificates import RecordFieldsSchema
from services.certificates import domain
from services.runtime.errors import flatten_messages

_SCHEMA = RecordFieldsSchema()


def parse(text: str, today: datetime.date):
    """(rows, rejected): the rows that pass as records, and for every other row its line and its errors.
    The header must name exactly ``domain.CSV_COLUMNS`` (any order)."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        return [], [{"row": 1, "errors": {"_file": "El archivo está vacío."}}]
    except csv.Error as exc:
        return [], [{"row": 1, "errors": {"_file": f"CSV mal formado: {exc}"}}]
    missing = [c for c in domain.CSV_COLUMNS if c not in header]
    extra = [c for c in header if c not in domain.CSV_COLUMNS]
    if missing or extra or len(set(header)) != len(header):
        errors = {}
        if missing:
            errors["_header"] = "Faltan columnas: " + ", ".join(missing) + "."
        if extra or len(set(header)) != len(header):
            errors["_header_extra"] = "Columnas no permitidas o repetidas: " + ", ".join(extra or header) + "."
        return [], [{"row": 1, "errors": errors}]
    rows, rejected, seen = [], [], {}
    line = 1
    try:
        for values in reader:
            line += 1
            if not any(v.strip() for v in values):
                continue
            if len(rows) + len(rejected) >= domain.MAX_IMPORT_ROWS:
                rejected.append({"row": line, "errors": {"_file": f"Máximo {domain.MAX_IMPORT_ROWS} filas."}})
                break
            if len(values) != len(header):
                rejected.append({"row": line, "errors": {"_row": f"Tiene {len(values)} columnas; se esperan "
                                                                   f"{len(header)}."}})
                continue
            raw = dict(zip(header, (v.strip() for v in values)))
            raw["offences"] = [o.strip() for o in raw["offences"].split(domain.OFFENCE_SEPARATOR) if o.strip()]
            try:
                fields = _SCHEMA.load(raw)
            except ValidationError as exc:
                rejected.append({"row": line, "errors": flatten_messages(exc.messages)})
                continue
            problem = domain.dates_problem(fields["sentence_date"], fields["final_date"], today)
            if problem:
                rejected.append({"row": line, "errors": problem})
                continue
            key = domain.record_key({k: str(v) if k.endswith("date") else v for k, v in fields.items()})
            if key in seen:
                rejected.append({"row": line, "errors": {"case_number": f"Repite la condena de la fila {seen[key]}."}})
                continue
            seen[key] = line
            rows.append((line, key, fields))
    except csv.Error as exc:
        rejected.append({"row": line + 1, "errors": {"_file": f"CSV mal formado: {exc}"}})
    return rows, rejected


def already_recorded(rows, existing_keys):
    """The rejections of rows whose conviction the registry already holds."""
    return [{"row": line, "errors": {"case_number": "Esa persona ya tiene registrado un antecedente por ese "
                                                    "proceso."}}
            for line, key, _ in rows if key in existing_keys]
