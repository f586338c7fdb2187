"""The labelled chat messages of tests/data and the complaint classifier's figures on them (the unit tests
assert the goal on the development set; ``make bench`` prints both sets' figures)."""
from pathlib import Path

from services.chat.classifier import CONSULTA, QUEJA, SUGERENCIA, classify

DATA = Path(__file__).resolve().parents[1] / "data"
DEVELOPMENT = "chat_messages.tsv"        # written alongside the rules
HOLDOUT = "chat_messages_holdout.tsv"    # written after the rules were set: the control


def labelled(name):
    """[(label, text)] of one labelled set."""
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("\t")
            assert label in (QUEJA, CONSULTA, SUGERENCIA), line
            rows.append((label, text))
    return rows


def figures(rows, positive=QUEJA):
    """(precision, recall) of ``positive`` and the accuracy over the three labels."""
    predicted = [(label, classify(text).label) for label, text in rows]
    tp = sum(1 for label, got in predicted if label == positive and got == positive)
    fp = sum(1 for label, got in predicted if label != positive and got == positive)
    fn = sum(1 for label, got in predicted if label == positive and got != positive)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    accuracy = sum(1 for label, got in predicted if label == got) / len(rows)
    return precision, recall, accuracy
