"""Typo correction for shopper words: "senoir" -> senior, "pupy" -> puppy, "urinery" -> urinary.

Only a word that no table knows and that is not an English word is corrected, and only to a word of the shopper
vocabulary at most one edit away (two for words of seven letters or more; a swap of two letters is one edit). A known
shopper word is never turned into another word ("uti" stays "uti"), and brand or breed names are left to their own
matchers (they are passed in as known words), and so are chat words ("hows", "wats", "lol").

Typos keep their first letter: a short word (under seven letters) is never corrected to a word that starts with
another letter ("wats" is not "cats", "morn" not "corn", "wich" not "rich"). A word closer to another English word
than to the shopper word is a typo of that English word, not of ours ("recieve" is "receive", not "recipe"):
``english`` are those words (the vocabulary's own left out).
"""

from __future__ import annotations

import re

from rapidfuzz import process
from rapidfuzz.distance import OSA

_WORD = re.compile(r"[a-z]{4,}")


def correct(norm: str, vocabulary: tuple[str, ...], known: frozenset[str], english: tuple[str, ...] = ()) -> str:
    """``norm`` with each unknown word replaced by the closest vocabulary word, when one is close enough."""
    out: list[str] = []
    last = 0
    for m in _WORD.finditer(norm):
        word = m.group(0)
        if word in known:
            continue
        limit = 2 if len(word) >= 7 else 1
        hit = process.extractOne(word, vocabulary, scorer=OSA.distance, score_cutoff=limit)
        if hit is None or hit[0] == word:
            continue
        if len(word) < 7 and hit[0][0] != word[0]:
            continue  # "wats" -> "cats": a typo keeps its first letter
        closer = hit[1] - 1
        other = process.extractOne(word, english, scorer=OSA.distance, score_cutoff=closer) if closer else None
        if other is not None:
            continue  # closer to another English word: "recieve" is "receive", not "recipe"
        out.append(norm[last : m.start()])
        out.append(hit[0])
        last = m.end()
    if not out:
        return norm
    out.append(norm[last:])
    return "".join(out)
