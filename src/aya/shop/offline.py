"""``OfflineModel``: an Agents SDK ``Model`` that runs on this machine with no network and no weights.

It is built for each turn from the thread's dialogue state (:meth:`OfflineModel.for_turn`: the state already updated
with the message, and the message's understanding), lets :class:`~aya.shop.policy.Policy` decide the next step from
them and this turn's tool results, and returns it exactly as a hosted model would: a function call item, or an
assistant message streamed as text deltas. So the agent loop, the tools, the widgets and ChatKit streaming run the
same code path as with OpenAI. Its instructions are not read: the state is data, not text.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from agents import ModelResponse, ModelSettings, Usage
from agents.agent_output import AgentOutputSchemaBase
from agents.handoffs import Handoff
from agents.items import TResponseInputItem, TResponseOutputItem, TResponseStreamEvent
from agents.models.interface import Model, ModelTracing
from agents.tool import Tool
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseUsage,
)
from openai.types.responses.response_prompt_param import ResponsePromptParam
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails

from aya.shop.policy import Conversation, Policy, ReplyStep, Step, ToolStep
from aya.shop.state import ThreadState
from aya.shop.understanding import CatalogTerms, Parsed
from aya.shop.understanding.dialogue import update
from aya.shop.understanding.similarity import IntentGuess

MODEL_NAME = "aya-offline"
_DELTA_WORDS = 4


class LocalModel(Model):
    """An Agents SDK ``Model`` computed on this machine (the shop's and the staff's offline models): a subclass returns
    a turn's output items from :meth:`turn_output`; ``get_response`` answers with them and ``stream_response`` replays
    them as the Responses stream a hosted model sends, so agent, tools, widgets and streaming are the same code path."""

    def turn_output(
        self, system_instructions: str | None, input: str | list[TResponseInputItem], tools: list[Tool]
    ) -> list[TResponseOutputItem]:
        raise NotImplementedError

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> ModelResponse:
        output = self.turn_output(system_instructions, input, tools)
        return ModelResponse(output=output, usage=Usage(requests=1), response_id=None)

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> AsyncIterator[TResponseStreamEvent]:
        for event in stream_events(self.turn_output(system_instructions, input, tools)):
            yield event


class OfflineModel(LocalModel):
    """Deterministic rule-based model. ``brands`` are the catalog's brand names, so shoppers can ask for them (the
    assistant replaces them with the catalog's facets, brands and lines, via :attr:`policy`)."""

    def __init__(self, brands: Sequence[str] = (), *, policy: Policy | None = None) -> None:
        self.policy = policy or Policy(CatalogTerms.of(brands))
        self.state: ThreadState | None = None
        self.parsed: Parsed | None = None
        self.intent: IntentGuess | None = None

    def for_turn(self, state: ThreadState, parsed: Parsed, intent: IntentGuess | None = None) -> OfflineModel:
        """This model for one turn: ``state`` already holds the message (see ``dialogue.update``); ``intent`` is
        the message's intent by similarity when no rule read it (see :mod:`aya.shop.understanding.similarity`)."""
        model = OfflineModel(policy=self.policy)
        model.state, model.parsed, model.intent = state, parsed, intent
        return model

    def decide(self, system_instructions: str | None, input: str | list[TResponseInputItem]) -> Step:
        conv = Conversation.from_input(input)
        state, parsed = self.state, self.parsed
        if state is None or parsed is None:  # used on its own (no assistant): the message against an empty thread
            state, parsed = ThreadState(), self.policy.parse(conv.last_user)
            update(state, parsed)
            self.state, self.parsed = state, parsed
        return self.policy.next_step(conv, state, parsed, self.intent)

    def _output(self, step: Step, tools: list[Tool]) -> list[TResponseOutputItem]:
        if isinstance(step, ToolStep) and any(getattr(t, "name", None) == step.name for t in tools):
            call_id = f"call_{uuid.uuid4().hex[:24]}"
            return [
                ResponseFunctionToolCall(
                    id=f"fc_{uuid.uuid4().hex[:24]}",
                    call_id=call_id,
                    type="function_call",
                    name=step.name,
                    arguments=json.dumps(step.arguments, separators=(",", ":")),
                    status="completed",
                )
            ]
        text = step.text if isinstance(step, ReplyStep) else "Sorry, I can't do that right now."
        return [_message(text)]

    def turn_output(
        self, system_instructions: str | None, input: str | list[TResponseInputItem], tools: list[Tool]
    ) -> list[TResponseOutputItem]:
        return self._output(self.decide(system_instructions, input), tools)


def _message(text: str) -> ResponseOutputMessage:
    return ResponseOutputMessage(
        id=f"msg_{uuid.uuid4().hex[:24]}",
        type="message",
        role="assistant",
        status="completed",
        content=[ResponseOutputText(type="output_text", text=text, annotations=[], logprobs=[])],
    )


def _chunks(text: str) -> list[str]:
    words = text.split(" ")
    return [
        " ".join(words[i : i + _DELTA_WORDS]) + (" " if i + _DELTA_WORDS < len(words) else "")
        for i in range(0, len(words), _DELTA_WORDS)
    ]


def _response(output: list[TResponseOutputItem], status: Any) -> Response:
    return Response(
        id=f"resp_{uuid.uuid4().hex[:24]}",
        created_at=0,
        model=MODEL_NAME,
        object="response",
        output=output,
        tool_choice="auto",
        tools=[],
        top_p=None,
        parallel_tool_calls=False,
        status=status,
        usage=ResponseUsage(
            input_tokens=0,
            output_tokens=0,
            total_tokens=0,
            input_tokens_details=InputTokensDetails.model_validate({"cached_tokens": 0, "cache_write_tokens": 0}),
            output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
        ),
    )


def stream_events(output: list[TResponseOutputItem]) -> list[TResponseStreamEvent]:
    """The Responses stream events a hosted model would send for ``output``: created, items, deltas, completed."""
    events: list[Any] = []
    seq = 0

    def add(event: Any) -> None:
        nonlocal seq
        events.append(event)
        seq += 1

    final = _response(list(output), "completed")
    add(ResponseCreatedEvent(type="response.created", response=_response([], "in_progress"), sequence_number=seq))
    add(
        ResponseInProgressEvent(type="response.in_progress", response=_response([], "in_progress"), sequence_number=seq)
    )
    for index, item in enumerate(output):
        if isinstance(item, ResponseFunctionToolCall):
            pending = item.model_copy(update={"arguments": "", "status": "in_progress"})
            add(
                ResponseOutputItemAddedEvent(
                    type="response.output_item.added", item=pending, output_index=index, sequence_number=seq
                )
            )
            item_id = item.id or item.call_id
            add(
                ResponseFunctionCallArgumentsDeltaEvent(
                    type="response.function_call_arguments.delta",
                    item_id=item_id,
                    output_index=index,
                    delta=item.arguments,
                    sequence_number=seq,
                )
            )
            add(
                ResponseFunctionCallArgumentsDoneEvent.model_validate(
                    {
                        "type": "response.function_call_arguments.done",
                        "item_id": item_id,
                        "output_index": index,
                        "arguments": item.arguments,
                        "name": item.name,
                        "sequence_number": seq,
                    }
                )
            )
        elif isinstance(item, ResponseOutputMessage):
            pending_msg = item.model_copy(update={"content": [], "status": "in_progress"})
            add(
                ResponseOutputItemAddedEvent(
                    type="response.output_item.added", item=pending_msg, output_index=index, sequence_number=seq
                )
            )
            for content_index, part in enumerate(item.content):
                if not isinstance(part, ResponseOutputText):
                    continue
                empty = ResponseOutputText(type="output_text", text="", annotations=[], logprobs=[])
                add(
                    ResponseContentPartAddedEvent(
                        type="response.content_part.added",
                        item_id=item.id,
                        output_index=index,
                        content_index=content_index,
                        part=empty,
                        sequence_number=seq,
                    )
                )
                for chunk in _chunks(part.text):
                    add(
                        ResponseTextDeltaEvent(
                            type="response.output_text.delta",
                            item_id=item.id,
                            output_index=index,
                            content_index=content_index,
                            delta=chunk,
                            logprobs=[],
                            sequence_number=seq,
                        )
                    )
                add(
                    ResponseTextDoneEvent(
                        type="response.output_text.done",
                        item_id=item.id,
                        output_index=index,
                        content_index=content_index,
                        text=part.text,
                        logprobs=[],
                        sequence_number=seq,
                    )
                )
                add(
                    ResponseContentPartDoneEvent(
                        type="response.content_part.done",
                        item_id=item.id,
                        output_index=index,
                        content_index=content_index,
                        part=part,
                        sequence_number=seq,
                    )
                )
        add(
            ResponseOutputItemDoneEvent(
                type="response.output_item.done", item=item, output_index=index, sequence_number=seq
            )
        )
    add(ResponseCompletedEvent(type="response.completed", response=final, sequence_number=seq))
    return events
