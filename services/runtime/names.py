"""Names as people search them: one rule for every search by name (the public look-ups' parties, the notarial
protocol's grantors).

A name is folded (accents and tildes dropped, so "Peña" is "pena" and "Pérez" is "perez"; case folded) and cut
into words; a query matches a name when each of its words is a word of the name, or the beginning of one
(partial words), in any order. What is indexed is each word and each of its beginnings (``beginnings``), so a
search is an exact match on an indexed array, never an unanchored regular expression.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from services.runtime.court_calendar import RuleError

MAX_PREFIX_LENGTH = 20   # a word's beginnings are indexed up to this many characters
MAX_QUERY_WORDS = 8      # words of a query beyond these are not looked for
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """``text`` without accents, tildes or diaereses (ñ is n), case folded."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", stripped.casefold())


def words(text: str) -> list[str]:
    """The folded words of ``text``, once each, in order (punctuation separates words)."""
    return list(dict.fromkeys(_WORD.findall(fold(text))))


def beginnings(word_list: Iterable[str]) -> list[str]:
    """Every beginning of every word (1 to MAX_PREFIX_LENGTH characters), once each."""
    found = {}
    for word in word_list:
        for end in range(1, min(len(word), MAX_PREFIX_LENGTH) + 1):
            found[word[:end]] = None
    return list(found)


def query_words(q: str) -> list[str]:
    """The words a search looks for (at most MAX_QUERY_WORDS, each cut to MAX_PREFIX_LENGTH characters), or a
    RuleError when ``q`` has no letter or digit."""
    found = [word[:MAX_PREFIX_LENGTH] for word in words(q)][:MAX_QUERY_WORDS]
    if not found:
        raise RuleError("invalid_query", "La búsqueda debe contener al menos una letra o un número.", "q")
    return list(dict.fromkeys(found))
