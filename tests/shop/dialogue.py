"""One helper for the dialogue tests: a conversation's messages read into a thread state, stored between turns."""

from __future__ import annotations

from aya.shop.state import ThreadState, load_state, save_state
from aya.shop.understanding import CatalogTerms, parse
from aya.shop.understanding.dialogue import update


def said_with(terms: CatalogTerms, *messages: str) -> ThreadState:
    """The state after ``messages``, each understood with the catalog's ``terms`` and stored as a thread stores it."""
    state = ThreadState()
    for text in messages:
        update(state, parse(text, terms=terms))
        metadata: dict[str, object] = {}
        save_state(metadata, state)  # as the thread stores it between turns
        state = load_state(metadata)
    return state
