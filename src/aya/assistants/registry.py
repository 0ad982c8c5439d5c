"""Assistants by name, and which one owns a thread.

Every thread records the assistant that owns it in its metadata (``metadata["assistant"]``), set when the thread is
created through an endpoint (``/chatkit`` → ``aya``, ``/ops/chatkit`` → ``ops``); threads stored before this key
existed belong to the default assistant. The chat server routes every turn of a thread to its owner.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from chatkit.types import ThreadMetadata

from aya.assistants.base import Assistant

ASSISTANT_KEY = "assistant"
DEFAULT_ASSISTANT = "aya"


class UnknownAssistant(KeyError):
    """No assistant is registered under this name."""


class AssistantRegistry(Mapping[str, Assistant]):
    """An immutable name → :class:`Assistant` mapping with a default (the owner of threads that name none)."""

    def __init__(self, assistants: Mapping[str, Assistant], *, default: str = DEFAULT_ASSISTANT) -> None:
        if default not in assistants:
            raise ValueError(f"the default assistant {default!r} is not registered")
        self._assistants = dict(assistants)
        self.default = default

    def __getitem__(self, name: str) -> Assistant:
        try:
            return self._assistants[name]
        except KeyError:
            raise UnknownAssistant(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._assistants)

    def __len__(self) -> int:
        return len(self._assistants)

    def replace(self, name: str, assistant: Assistant) -> AssistantRegistry:
        """A registry with ``assistant`` under ``name`` (added or replaced)."""
        return AssistantRegistry({**self._assistants, name: assistant}, default=self.default)

    def owner(self, thread: ThreadMetadata) -> str:
        """The name of the assistant that owns ``thread`` (the default for threads that record none)."""
        name = thread.metadata.get(ASSISTANT_KEY)
        return name if isinstance(name, str) and name else self.default

    def claim(self, thread: ThreadMetadata, name: str) -> None:
        """Record ``name`` as the owner of a new thread."""
        if name not in self._assistants:
            raise UnknownAssistant(name)
        thread.metadata[ASSISTANT_KEY] = name
