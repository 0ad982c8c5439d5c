"""The run loop every Agents SDK assistant shares: one streamed run turned into ChatKit events.

What differs between assistants comes in as explicit hooks (none of them knows a shop or an ops agent):

- ``agent`` may be a function of the turn's model input that builds the agent for this turn (an assistant that
  reads the new message first, e.g. to update its dialogue state and build an offline model from it);
- ``on_tripwire`` turns a tripped guardrail into the text of a replacement answer;
- ``after_run`` adds events once the run is over (follow-up widgets);
- ``save`` keeps the assistant's state with the thread, last.

Output guardrails and server-side history: the SDK refuses output guardrails with ``previous_response_id`` (what
the model said cannot be taken back from the server's history). Then the run goes without them and the loop runs
them itself on the final output, after the answer was shown; a tripped one adds its replacement answer as a message
of its own (through ``on_tripwire``).
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

from agents import (
    Agent,
    InputGuardrailTripwireTriggered,
    OutputGuardrail,
    OutputGuardrailTripwireTriggered,
    RunConfig,
    Runner,
    TResponseInputItem,
)
from agents.result import RunResultStreaming
from chatkit.agents import AgentContext, stream_agent_response
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadStreamEvent,
)

from aya.assistants.turn import Turn

Tripwire = InputGuardrailTripwireTriggered | OutputGuardrailTripwireTriggered
AgentForInput = Callable[[list[TResponseInputItem]], "Agent[Any] | Awaitable[Agent[Any]]"]
TripwireAnswer = Callable[[Tripwire], str]
AfterRun = Callable[[], AsyncIterator[ThreadStreamEvent]]


async def run_agent(
    agent: Agent[Any] | AgentForInput,
    turn: Turn,
    *,
    context: Any,
    chat: AgentContext[Any],
    responses_api: bool,
    run_config: RunConfig,
    max_turns: int,
    on_tripwire: TripwireAnswer | None = None,
    after_run: AfterRun | None = None,
    save: Callable[[], None] | None = None,
) -> AsyncIterator[ThreadStreamEvent]:
    """Run ``agent`` for ``turn`` and yield its ChatKit events.

    ``context`` is the run context the tools receive (the ChatKit ``AgentContext`` itself, or an assistant's own
    context that carries it as ``chat``); ``chat`` is the ChatKit context widgets stream through. The input is the
    thread's history, or only the new message with ``previous_response_id`` when ``responses_api``; the run's last
    response id is remembered on the thread. A consumer that stops early cancels the run.

    ``agent`` is the agent, or a function of this turn's model input that builds it (sync or async). Without
    ``on_tripwire`` a tripped guardrail propagates (as the SDK raises it); with it, the returned text is said instead
    of the run's answer (ChatKit has removed what the run had shown). ``after_run`` yields events after the run (also
    after a tripwire); ``save`` runs last, before the response id is remembered.
    """
    agent_input, previous = await turn.agent_input(responses_api=responses_api)
    if not isinstance(agent, Agent):
        built = agent(agent_input)
        agent = await built if inspect.isawaitable(built) else built
    assert isinstance(agent, Agent)
    deferred: list[OutputGuardrail[Any]] = []
    if previous is not None and (agent.output_guardrails or run_config.output_guardrails):
        deferred = [*(run_config.output_guardrails or []), *agent.output_guardrails]
        agent = agent.clone(output_guardrails=[])
        run_config = dataclasses.replace(run_config, output_guardrails=None)
    result = Runner.run_streamed(
        agent,
        agent_input,
        context=context,
        previous_response_id=previous,
        run_config=run_config,
        max_turns=max_turns,
    )
    answered = False  # a guardrail's answer replaced the run's
    try:
        async for event in stream_agent_response(chat, result):
            yield event
    except (InputGuardrailTripwireTriggered, OutputGuardrailTripwireTriggered) as tripped:
        if on_tripwire is None:
            raise
        answered = True
        async for event in say(chat, on_tripwire(tripped)):
            yield event
    finally:
        if not result.is_complete:
            result.cancel()
    if deferred and result.is_complete and not answered:
        reviewed = await _review(deferred, agent, result)
        if reviewed is not None:
            if on_tripwire is None:
                raise reviewed
            async for event in say(chat, on_tripwire(reviewed)):
                yield event
    if after_run is not None:
        async for event in after_run():
            yield event
    if save is not None:
        save()
    if responses_api:
        turn.remember_response(result.last_response_id)


async def _review(
    guardrails: list[OutputGuardrail[Any]], agent: Agent[Any], result: RunResultStreaming
) -> OutputGuardrailTripwireTriggered | None:
    """The output guardrails the SDK could not run, on the final output (the first that trips, if any)."""
    if result.final_output is None:
        return None
    for guardrail in guardrails:
        outcome = await guardrail.run(result.context_wrapper, agent, result.final_output)
        if outcome.output.tripwire_triggered:
            return OutputGuardrailTripwireTriggered(outcome)
    return None


async def say(chat: AgentContext[Any], text: str) -> AsyncIterator[ThreadStreamEvent]:
    """One assistant message, as the SDK streams one (added, then done): stored with the thread like any other."""
    item = AssistantMessageItem(
        id=chat.generate_id("message"),
        thread_id=chat.thread.id,
        content=[AssistantMessageContent(text=text)],
        created_at=datetime.now(),
    )
    yield ThreadItemAddedEvent(item=item.model_copy(update={"content": []}))
    yield ThreadItemDoneEvent(item=item)
