"""The shared run loop's hooks (:func:`aya.assistants.run_agent`): the agent built from the turn's input, a tripped
guardrail's replacement answer, output guardrails run after the run when the SDK refuses them (server-side history
with ``previous_response_id``), events after the run, saving, and the response id remembered.

The SDK's runner and ChatKit's event pipeline are real, over a real SQLite chat store; the model is the SDK's
scripted fake (the only fake, at the OpenAI boundary). The turn is a small implementation of the ``Turn`` protocol
whose input (and response to continue) the test chooses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from agents import (
    Agent,
    GuardrailFunctionOutput,
    InputGuardrail,
    OutputGuardrail,
    OutputGuardrailTripwireTriggered,
    RunConfig,
    RunContextWrapper,
    TResponseInputItem,
)
from agents.testing import ModelStep, ScriptedModel, assistant_message
from chatkit.agents import AgentContext
from chatkit.types import ProgressUpdateEvent, ThreadMetadata, ThreadStreamEvent, UserMessageItem

from aya.assistants import Turn, run_agent
from aya.chat.sqlite_db import open_sqlite_store
from aya.core.context import RequestContext

USER = RequestContext(user_id="alice")
NEW_MESSAGE: list[TResponseInputItem] = [{"role": "user", "content": "is it chicken free?"}]


@dataclass
class ScriptedTurn:
    """A ``Turn`` over a real store whose model input is chosen by the test."""

    thread: ThreadMetadata
    store: Any
    previous: str | None = None
    input: UserMessageItem | None = None
    remembered: list[str | None] = field(default_factory=list)

    @property
    def context(self) -> RequestContext:
        return USER

    def agent_context(self) -> AgentContext[RequestContext]:
        return AgentContext(thread=self.thread, store=self.store, request_context=USER)

    async def agent_input(self, *, responses_api: bool) -> tuple[list[TResponseInputItem], str | None]:
        return list(NEW_MESSAGE), self.previous if responses_api else None

    def remember_response(self, response_id: str | None) -> None:
        self.remembered.append(response_id)

    def without_input(self) -> ScriptedTurn:
        return self


THREAD = ThreadMetadata(id="thr_1", created_at=datetime.now(), metadata={})


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Any]:
    store = await open_sqlite_store(tmp_path / "threads.sqlite3")
    await store.save_thread(THREAD, context=USER)
    yield store
    await store.close()


def _turn(store: Any, previous: str | None = None) -> ScriptedTurn:
    return ScriptedTurn(thread=THREAD.model_copy(deep=True), store=store, previous=previous)


def _says_chicken_free() -> OutputGuardrail[Any]:
    async def check(ctx: RunContextWrapper[Any], agent: Agent[Any], output: Any) -> GuardrailFunctionOutput:
        return GuardrailFunctionOutput(output_info="claim", tripwire_triggered="chicken free" in str(output))

    return OutputGuardrail(guardrail_function=check, name="no_claims")


def _agent(answer: str, **kwargs: Any) -> tuple[Agent[Any], ScriptedModel]:
    model = ScriptedModel([ModelStep.respond(lambda call: [assistant_message(answer)])])
    return Agent(name="Test", instructions="test", model=model, **kwargs), model


def _texts(events: list[ThreadStreamEvent]) -> list[str]:
    return [
        part.text
        for e in events
        if e.type == "thread.item.done" and e.item.type == "assistant_message"
        for part in e.item.content
    ]


async def _run(turn: Turn, agent: Any, *, responses_api: bool, **hooks: Any) -> list[ThreadStreamEvent]:
    chat = turn.agent_context()
    return [
        event
        async for event in run_agent(
            agent,
            turn,
            context=chat,
            chat=chat,
            responses_api=responses_api,
            run_config=RunConfig(tracing_disabled=True),
            max_turns=3,
            **hooks,
        )
    ]


async def test_with_previous_response_id_output_guardrails_run_after_the_run(store: Any) -> None:
    agent, model = _agent("Yes, it is chicken free.", output_guardrails=[_says_chicken_free()])
    turn = _turn(store, previous="resp_before")
    tripped: list[Any] = []
    saved: list[bool] = []

    async def after_run() -> AsyncIterator[ThreadStreamEvent]:
        yield ProgressUpdateEvent(text="after the run")

    def on_tripwire(exc: Any) -> str:
        tripped.append(exc)
        return "Let me correct that: it contains chicken fat."

    events = await _run(
        turn, agent, responses_api=True, on_tripwire=on_tripwire, after_run=after_run, save=lambda: saved.append(True)
    )
    # the SDK would refuse the guardrail with previous_response_id: the run went without it, the loop ran it after
    assert _texts(events) == ["Yes, it is chicken free.", "Let me correct that: it contains chicken fat."]
    assert len(model.calls) == 1 and model.calls[0].previous_response_id == "resp_before"
    assert isinstance(tripped[0], OutputGuardrailTripwireTriggered)
    assert tripped[0].guardrail_result.output.output_info == "claim"
    assert events[-1].type == "progress_update" and saved == [True]
    assert len(turn.remembered) == 1
    assert agent.output_guardrails  # the agent given is not changed


async def test_a_tripped_deferred_guardrail_without_a_handler_raises(store: Any) -> None:
    agent, _ = _agent("It is chicken free.", output_guardrails=[_says_chicken_free()])
    with pytest.raises(OutputGuardrailTripwireTriggered):
        await _run(_turn(store, previous="resp_before"), agent, responses_api=True)


async def test_an_answer_the_guardrail_accepts_is_kept(store: Any) -> None:
    agent, _ = _agent("It has chicken fat.", output_guardrails=[_says_chicken_free()])
    events = await _run(_turn(store, previous="resp_before"), agent, responses_api=True, on_tripwire=lambda e: "no")
    assert _texts(events) == ["It has chicken fat."]


async def test_without_server_side_history_the_sdk_runs_the_guardrail_and_the_answer_is_replaced(store: Any) -> None:
    agent, _ = _agent("It is chicken free.", output_guardrails=[_says_chicken_free()])
    events = await _run(_turn(store), agent, responses_api=False, on_tripwire=lambda e: "It contains chicken fat.")
    assert _texts(events)[-1] == "It contains chicken fat."
    assert "It is chicken free." not in _texts(events)


async def test_the_agent_is_built_from_the_turn_input_and_an_input_tripwire_is_answered(store: Any) -> None:
    async def refuse(ctx: RunContextWrapper[Any], agent: Agent[Any], given: Any) -> GuardrailFunctionOutput:
        return GuardrailFunctionOutput(output_info="emergency", tripwire_triggered=True)

    agent, model = _agent("never said", input_guardrails=[InputGuardrail(guardrail_function=refuse)])
    agent = agent.clone(input_guardrails=[InputGuardrail(guardrail_function=refuse, run_in_parallel=False)])
    seen: list[list[TResponseInputItem]] = []

    def build(agent_input: list[TResponseInputItem]) -> Agent[Any]:
        seen.append(agent_input)
        return agent

    events = await _run(_turn(store), build, responses_api=False, on_tripwire=lambda e: "Call your vet right now.")
    assert seen == [NEW_MESSAGE]
    assert _texts(events) == ["Call your vet right now."]
    assert model.calls == ()
