"""The assistant seam: what the chat server asks of an assistant, and the run loop every agent assistant shares.

A leaf package below ``shop`` (it imports only ``core`` and the SDKs), so ``shop`` (Aya), ``automation`` (Aya Ops) and
``chat`` (the server that routes to them) all use the same :class:`Turn`, :class:`Assistant` and :func:`run_agent`.
"""

from aya.assistants.base import (
    ActionHandler,
    AgentAssistant,
    AgentFactory,
    Assistant,
    action_as_hidden_context,
)
from aya.assistants.registry import ASSISTANT_KEY, DEFAULT_ASSISTANT, AssistantRegistry, UnknownAssistant
from aya.assistants.run import run_agent
from aya.assistants.turn import Turn

__all__ = [
    "ASSISTANT_KEY",
    "DEFAULT_ASSISTANT",
    "ActionHandler",
    "AgentAssistant",
    "AgentFactory",
    "Assistant",
    "AssistantRegistry",
    "Turn",
    "UnknownAssistant",
    "action_as_hidden_context",
    "run_agent",
]
