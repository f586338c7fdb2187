"""Names as people search them: one rule for every search by name (the public look-ups' parties, the notarial
protocol's grantors).

A name is folded (accents and tildes dropped, so "Peña" is "pena" and "Pérez" is "perez"; case folded) and cut
into words; a query matches a name when each of its words is a word of the name, or the beginning of one
(partial words), in any order. What is indexed is each word and each of its beginnings (``beginnings``), so a
search is an exact match on an indexed array, never an unanchored regular expression.

Searching millions of names: a word's beginnings alone make a poor index (a search for "María José López García"
would read every name holding "lopez" to find the few holding all four). Each named thing is therefore also keyed
by pairs and trios of its words' stems (``search_keys``): a search reads the one key of its most telling words
(``search_key``) and applies the exact rule (``name_index``) only to what holds it.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from typing import Any, Iterable, Mapping, Optional

from services.runtime.court_calendar import RuleError

MAX_PREFIX_LENGTH = 20   # a word's beginnings are indexed up to this many characters
MAX_QUERY_WORDS = 8      # words of a query beyond these are not looked for
SEARCH_STEM = 3          # a search key holds a word's first three letters (its stem), or the whole word
SEARCH_PAIR_WORDS = 8    # a name's first words that are paired; a longer name is also keyed LONG_NAME
LONG_NAME = "*"
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


# --- searching many names -----------------------------------------------------------------------------------------
def name_index(named: Iterable[Mapping[str, Any]]) -> list[dict]:
    """What a search compares with each of ``named`` (mappings with a ``name``: a case's parties, a deed's
    grantors): its words and their beginnings."""
    index = []
    for item in named or ():
        item_words = words(item.get("name") or "")
        index.append({"words": item_words, "prefixes": beginnings(item_words)})
    return index


def _pairs(items: list[str]) -> list[str]:
    return [" ".join(sorted((a, b))) for i, a in enumerate(items) for b in items[i + 1:] if a != b]


def _triples(items: list[str]) -> list[str]:
    distinct = list(dict.fromkeys(items))
    return [" ".join(sorted(trio)) for trio in itertools.combinations(distinct, 3)]


def search_keys(named: Iterable[Mapping[str, Any]], whole_words: bool = True) -> list[str]:
    """The keys a record is found by (one multikey index), so that a search reads only the records one of whose
    names holds its most telling words: per name, each word (``=pena``), its 2- and 3-letter stems
    (``~pe``, ``~pen``), each pair and each trio of stems (``~gom pen``, ``~gom jos pen``) and each pair of whole
    words (``=gomez pena``). A name of more than SEARCH_PAIR_WORDS words is also keyed LONG_NAME (its later words
    are not paired: searches look at those records too). Without ``whole_words`` only the stems' keys (for a
    search that never asks for whole words first: ``search_key(..., whole=False)``), a smaller index."""
    keys: dict[str, None] = {}
    for item in named or ():
        item_words = words(item.get("name") or "")
        for word in item_words:
            if whole_words:
                keys["=" + word] = None
            keys["~" + word[:2]] = None
            keys["~" + word[:SEARCH_STEM]] = None
        paired = item_words[:SEARCH_PAIR_WORDS]
        stems = [w[:SEARCH_STEM] for w in paired]
        for pair in _pairs(stems):
            keys["~" + pair] = None
        for trio in _triples(stems):
            keys["~" + trio] = None
        for pair in _pairs(paired) if whole_words else ():
            keys["=" + pair] = None
        if len(item_words) > SEARCH_PAIR_WORDS:
            keys[LONG_NAME] = None
    return list(keys)


def search_key(wanted: list[str], whole: bool) -> Optional[str]:
    """The one key a search by ``wanted`` (query words) reads, or None when no word has two letters (then the
    search must read another index). ``whole``: the words must be whole words; else they may begin words."""
    ranked = sorted(wanted, key=len, reverse=True)
    if whole:
        return "=" + " ".join(sorted(ranked[:2]))
    stems = list(dict.fromkeys(w[:SEARCH_STEM] for w in ranked if len(w) >= SEARCH_STEM))
    if len(stems) >= 2:  # the stems of the (up to) three longest words: the fewer records hold them all
        return "~" + " ".join(sorted(stems[:3]))
    if stems:
        return "~" + stems[0]
    if len(ranked[0]) >= 2:
        return "~" + ranked[0][:2]
    return None
