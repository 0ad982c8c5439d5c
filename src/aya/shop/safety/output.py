"""The output guard: every model's reply is made honest before the shopper sees it, whichever model wrote it.

:class:`GuardedModel` wraps any Agents SDK ``Model`` (OpenAI Responses, Chat Completions, the offline model). Tool
calls pass through untouched and at once; the text of an assistant message is held until the message is complete,
then :func:`fix_reply` runs and the fixed text is streamed (one delta) with the original item and response ids, so
ChatKit, the stored thread and ``previous_response_id`` all see the same, fixed message. :func:`fix_reply`:

- removes empty fields (:func:`aya.shop.safety.claims.clean_text`: "by  ($14.99)", "Calories: - vs -");
- passes on every safety note the tools returned this turn that the reply left out (a vet diet's "needs your vet's
  authorization", why a vegan food was not shown to a cat, the vet note of a diagnosed condition).

The SDK output guardrail (:mod:`.guardrails`) then checks claims about ingredients on the fixed text.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

from agents import Model, ModelResponse, ModelSettings
from agents.agent_output import AgentOutputSchemaBase
from agents.handoffs import Handoff
from agents.items import TResponseInputItem, TResponseStreamEvent
from agents.models.interface import ModelTracing
from agents.tool import Tool
from openai.types.responses import (
    ResponseCompletedEvent,
    ResponseContentPartDoneEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
)

from aya.shop.safety.claims import clean_text

__all__ = ["GuardedModel", "fix_reply", "turn_notes"]

_VET = re.compile(r"vet'?s? (authori[sz]ation|approval|prescription)|prescribed by (a|your) vet", re.IGNORECASE)


def turn_notes(items: str | Sequence[Any]) -> list[str]:
    """The safety notes (and vet-diet cautions) in the tool results of the current turn (after the last user
    message), in order, without repeats."""
    if isinstance(items, str):
        return []
    notes: list[str] = []
    for item in list(items):
        role = _get(item, "role")
        if role == "user":
            notes = []
        elif _get(item, "type") == "function_call_output":
            output = _get(item, "output")
            text = output if isinstance(output, str) else ""
            if '"safety_notes"' not in text:
                continue
            try:
                data = json.loads(text)
            except ValueError:
                continue
            for note in data.get("safety_notes", []) if isinstance(data, dict) else []:
                if isinstance(note, str) and note not in notes:
                    notes.append(note)
    return notes


def _said(text: str, note: str) -> bool:
    """Whether the reply already says what ``note`` says (the vet-authorization point, or the note's own words)."""
    if note.startswith(("Veterinary (prescription) diets", "Veterinary diets in this")) and _VET.search(text):
        return True
    head = re.sub(r"[^a-z ]", "", note.lower())[:60]
    body = re.sub(r"[^a-z ]", "", text.lower())
    return head in body


def fix_reply(text: str, notes: Sequence[str]) -> str:
    """The reply with empty fields removed and every unsaid safety note appended (see the module docstring)."""
    fixed = clean_text(text)
    missing = [n for n in notes if not _said(fixed, n)]
    if missing:
        fixed = fixed.rstrip() + "\n\n" + " ".join(missing)
    return fixed


def _get(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, dict) else getattr(item, key, None)


def _fix_message(item: Any, notes: Sequence[str]) -> Any:
    if not isinstance(item, ResponseOutputMessage):
        return item
    content = []
    for part in item.content:
        if isinstance(part, ResponseOutputText):
            part = part.model_copy(update={"text": fix_reply(part.text, notes)})
        content.append(part)
    return item.model_copy(update={"content": content})


class GuardedModel(Model):
    """Any model, with :func:`fix_reply` applied to its messages (tool calls untouched)."""

    def __init__(self, inner: Model) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:  # the wrapped model's own attributes (e.g. the offline policy)
        return getattr(self.inner, name)

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        **kwargs: Any,
    ) -> ModelResponse:
        response = await self.inner.get_response(
            system_instructions, input, model_settings, tools, output_schema, handoffs, tracing, **kwargs
        )
        notes = turn_notes(input)
        response.output = [_fix_message(item, notes) for item in response.output]
        return response

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        **kwargs: Any,
    ) -> AsyncIterator[TResponseStreamEvent]:
        notes = turn_notes(input)
        held: dict[tuple[str, int], list[str]] = {}  # (item id, content index) -> text deltas held back
        fixed: dict[tuple[str, int], str] = {}
        last_delta: dict[tuple[str, int], Any] = {}
        async for event in self.inner.stream_response(
            system_instructions, input, model_settings, tools, output_schema, handoffs, tracing, **kwargs
        ):
            match event:
                case ResponseTextDeltaEvent():
                    key = (event.item_id, event.content_index)
                    held.setdefault(key, []).append(event.delta)
                    last_delta[key] = event
                    continue
                case ResponseTextDoneEvent():
                    key = (event.item_id, event.content_index)
                    text = fixed.setdefault(key, fix_reply(event.text, notes))
                    if held.pop(key, None) is not None:
                        yield _delta(last_delta[key], text)
                    yield event.model_copy(update={"text": text})
                    continue
                case ResponseContentPartDoneEvent() if isinstance(event.part, ResponseOutputText):
                    key = (event.item_id, event.content_index)
                    text = fixed.setdefault(key, fix_reply(event.part.text, notes))
                    if held.pop(key, None) is not None:  # Chat Completions streams no output_text.done
                        yield _delta(last_delta[key], text)
                    yield event.model_copy(update={"part": event.part.model_copy(update={"text": text})})
                    continue
                case ResponseOutputItemDoneEvent():
                    item = _fix_message(event.item, notes)
                    for key in [k for k in held if k[0] == getattr(item, "id", None)]:
                        held.pop(key)
                        part = item.content[key[1]] if key[1] < len(item.content) else None
                        yield _delta(last_delta[key], getattr(part, "text", ""))
                    yield event.model_copy(update={"item": item})
                    continue
                case ResponseCompletedEvent():
                    output = [_fix_message(i, notes) for i in event.response.output]
                    response = event.response.model_copy(update={"output": output})
                    yield event.model_copy(update={"response": response})
                    continue
                case _:
                    yield event

    async def close(self) -> None:
        await self.inner.close()

    def get_retry_advice(self, request: Any) -> Any:
        return self.inner.get_retry_advice(request)


def _delta(template: Any, text: str) -> Any:
    """One text delta carrying the whole fixed text, in place of the deltas held back."""
    return template.model_copy(update={"delta": text})
