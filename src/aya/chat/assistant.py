"""The assistant seam as the chat server sees it.

The interface (:class:`Assistant`, :class:`Turn`) and the shared run loop live in the leaf package
:mod:`aya.assistants` so that ``shop`` and ``automation`` implement it without importing ``chat``; they are
re-exported here for the chat package's callers. :data:`Transcriber` is the chat server's own collaborator.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aya.assistants import (
    ActionHandler,
    AgentAssistant,
    AgentFactory,
    Assistant,
    Turn,
    action_as_hidden_context,
)

__all__ = [
    "ActionHandler",
    "AgentAssistant",
    "AgentFactory",
    "Assistant",
    "Transcriber",
    "Turn",
    "action_as_hidden_context",
]

Transcriber = Callable[[bytes, str], Awaitable[str]]
"""Speech to text for ``input.transcribe``: ``(audio bytes, mime type) -> text``; set by the voice component."""
