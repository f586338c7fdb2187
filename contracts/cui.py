"""The CUI (Código Único de Identificación, RENAP): the one rule every service checks it with (certificates
for its registry and citizens, filings for the convictions a court declares final).

13 digits ``NNNNNNNN V DD MM``: an eight-digit number, its check digit ``V``, the department ``DD`` (01-22)
and the municipality ``MM`` of birth (or of registration, for the naturalised) within that department.

- **Check digit**: the first eight digits weighted 2, 3, 4, 5, 6, 7, 8, 9 from the left (the first digit
  ×2, the eighth ×9), summed, modulo 11, must equal ``V``. A remainder of 10 cannot be written in one digit:
  RENAP does not assign such numbers, so it is invalid. RENAP does not publish the formula in a document of
  its own; this order is the one the public validators use (stdnum-js ``src/gt/cui.ts``, the PyPI package
  ``cui-gt``, the ``nationid`` specification) and the only one consistent with their published examples:
  stdnum-js's tests (``src/gt/cui.spec.ts``) hold ``1587564440904`` and ``1580352240101`` valid and
  ``1680352240101`` a checksum error; ``nationid`` lists ``1234567890101`` and ``9876543220101`` valid and
  ``1234567800101`` invalid. Weighting from the right (first digit ×9) rejects ``1580352240101`` (remainder
  7), so it is not RENAP's.
- **Municipalities per department** (``MUNICIPALITIES``): the codes of RENAP's list, numbered from 01 in
  each department; 340 in all since 2015, when Congress created Sipacate (Escuintla, 14th) and Petatán
  (Huehuetenango, 33rd). The counts are those of the public validators above (which date from the 338
  before 2015) with those two added; the total of 340 agrees with the press (La Hora, "el municipio número
  340 del país").
"""
import re
from dataclasses import dataclass
from typing import Optional

from marshmallow import ValidationError, fields, validate

DEPARTMENTS = {
    "01": ("Guatemala", 17), "02": ("El Progreso", 8), "03": ("Sacatepéquez", 16), "04": ("Chimaltenango", 16),
    "05": ("Escuintla", 14), "06": ("Santa Rosa", 14), "07": ("Sololá", 19), "08": ("Totonicapán", 8),
    "09": ("Quetzaltenango", 24), "10": ("Suchitepéquez", 21), "11": ("Retalhuleu", 9), "12": ("San Marcos", 30),
    "13": ("Huehuetenango", 33), "14": ("Quiché", 21), "15": ("Baja Verapaz", 8), "16": ("Alta Verapaz", 17),
    "17": ("Petén", 14), "18": ("Izabal", 5), "19": ("Zacapa", 11), "20": ("Chiquimula", 11), "21": ("Jalapa", 7),
    "22": ("Jutiapa", 17),
}
MUNICIPALITIES = {code: count for code, (_, count) in DEPARTMENTS.items()}
CUI_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9)
CUI_PATTERN = r"^[0-9]{13}$"
CUI_FORM = re.compile(CUI_PATTERN)


@dataclass(frozen=True)
class CuiProblem:
    part: str      # "format", "check_digit", "department", "municipality"
    message: str   # Spanish, for people


def cui_check_digit(first_eight: str) -> int:
    """The remainder the ninth digit must equal (10 means no valid CUI starts with these eight digits)."""
    return sum(int(digit) * weight for digit, weight in zip(first_eight, CUI_WEIGHTS)) % 11


def cui_problem(value) -> Optional[CuiProblem]:
    """None if ``value`` is a valid CUI; else which part is wrong and why."""
    if not isinstance(value, str) or not CUI_FORM.match(value):
        return CuiProblem("format", "El CUI debe tener exactamente 13 dígitos, sin espacios ni guiones.")
    expected = cui_check_digit(value[:8])
    if expected == 10 or expected != int(value[8]):
        return CuiProblem("check_digit", "El dígito verificador (noveno dígito) del CUI no corresponde a los "
                                         "ocho primeros.")
    department, municipality = value[9:11], int(value[11:13])
    if department not in DEPARTMENTS:
        return CuiProblem("department", "Los dígitos 10 y 11 del CUI deben ser un departamento de 01 a 22.")
    name, count = DEPARTMENTS[department]
    if not 1 <= municipality <= count:
        return CuiProblem("municipality", f"Los dígitos 12 y 13 del CUI deben ser un municipio de {name} "
                                          f"(01 a {count:02d}).")
    return None


def mask_cui(cui: str) -> str:
    """Every digit hidden but the last four."""
    return "*" * (len(cui) - 4) + cui[-4:]


# --- as a contract field -----------------------------------------------------------------------------------
def _cui_rule(value):
    problem = cui_problem(value)
    if problem is not None:
        raise ValidationError(problem.message)


def cui_field(**kwargs):
    """A CUI: 13 digits in the document; the check digit, department and municipality checked here."""
    return fields.String(validate=[validate.Regexp(CUI_PATTERN, error="El CUI debe tener exactamente 13 dígitos."),
                                   _cui_rule],
                         metadata={"description": "CUI (13 dígitos): número, dígito verificador, departamento "
                                                  "y municipio según RENAP"}, **kwargs)
