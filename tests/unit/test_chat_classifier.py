"""The complaint classifier: its folding and cues, and its precision and recall on the labelled messages.

Two sets, in tests/data: ``chat_messages.tsv`` (365 messages, written alongside the rules: the development
set) and ``chat_messages_holdout.tsv`` (50 messages written after the rules were set, a control). The goal
(complaints: recall >= 0.9, precision >= 0.8) is asserted on the development set; the control's figures are
printed (``pytest -s``), because they are what the rules are worth on messages they were not written for
(see the README)."""
import pytest

from services.chat.classifier import CONSULTA, QUEJA, SUGERENCIA, classify, fold
from tests.support.classifier_sets import DEVELOPMENT, HOLDOUT, figures, labelled


def test_the_development_set_is_large_and_balanced_enough():
    rows = labelled(DEVELOPMENT)
    assert len(rows) >= 300
    assert {label for label, _ in rows} == {QUEJA, CONSULTA, SUGERENCIA}
    assert len({text for _, text in rows}) == len(rows)  # no message twice


def test_complaints_on_the_development_set_meet_the_goal():
    precision, recall, accuracy = figures(labelled(DEVELOPMENT))
    print(f"\nclasificador, conjunto de desarrollo: quejas precisión {precision:.2f}, exhaustividad {recall:.2f}; "
          f"exactitud (3 clases) {accuracy:.2f}")
    assert recall >= 0.9 and precision >= 0.8


def test_the_control_set_figures_are_reported():
    rows = labelled(HOLDOUT)
    precision, recall, accuracy = figures(rows)
    print(f"\nclasificador, conjunto de control ({len(rows)} mensajes): quejas precisión {precision:.2f}, "
          f"exhaustividad {recall:.2f}; exactitud (3 clases) {accuracy:.2f}")
    assert len(rows) >= 50


def test_folding_removes_accents_case_repeats_and_chat_spellings():
    assert fold("¡Pésimooo SERVICIO!! xq nadien contesta?") == "pesimo servicio porque nadie contesta"
    assert fold("Llevo 3 semanas q no me atienden") == "llevo 3 semanas que no me atienden"


@pytest.mark.parametrize("text,label,cue", [
    ("Llevo tres semanas esperando y nadie contesta", QUEJA, "sin_respuesta"),
    ("llevo 3 semans esperando y nadien contesta", QUEJA, "tiempo_transcurrido"),
    ("Gracias por nada, sigo sin respuesta", QUEJA, "sarcasmo"),
    ("No es queja, solo pregunto el horario", CONSULTA, None),
    ("No estoy inconforme, ¿a qué hora abren?", CONSULTA, None),
    ("¿Cuál es el plazo para interponer el recurso de queja?", CONSULTA, None),
    ("Sería bueno que abrieran los sábados", SUGERENCIA, "seria_bueno"),
    ("Sugiero que respondan más rápido, llevo dos semanas esperando y nadie contesta", QUEJA, "sin_respuesta"),
])
def test_rules_and_the_cues_they_record(text, label, cue):
    result = classify(text)
    assert result.label == label, result
    if cue:
        assert cue in result.cues
