"""The run loop every Agents SDK assistant shares: one streamed run turned into ChatKit events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from agents import Agent, RunConfig, Runner
from chatkit.agents import AgentContext, stream_agent_response
from chatkit.types import ThreadStreamEvent

from aya.assistants.turn import Turn


async def run_agent(
    agent: Agent[Any],
    turn: Turn,
    *,
    context: Any,
    chat: AgentContext[Any],
    responses_api: bool,
    run_config: RunConfig,
    max_turns: int,
) -> AsyncIterator[ThreadStreamEvent]:
    """Run ``agent`` for ``turn`` and yield its ChatKit events.

    ``context`` is the run context the tools receive (the ChatKit ``AgentContext`` itself, or an assistant's own
    context that carries it as ``chat``); ``chat`` is the ChatKit context widgets stream through. The input is the
    thread's history, or only the new message with ``previous_response_id`` when ``responses_api``; the run's last
    response id is remembered on the thread. A consumer that stops early cancels the run.
    """
    agent_input, previous = await turn.agent_input(responses_api=responses_api)
    result = Runner.run_streamed(
        agent,
        agent_input,
        context=context,
        previous_response_id=previous,
        run_config=run_config,
        max_turns=max_turns,
    )
    try:
        async for event in stream_agent_response(chat, result):
            yield event
    finally:
        if not result.is_complete:
            result.cancel()
    if responses_api:
        turn.remember_response(result.last_response_id)
