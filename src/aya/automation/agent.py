"""Aya Ops as an Agents SDK ``Agent``: instructions and tools (see :mod:`aya.automation.tools`)."""

from __future__ import annotations

from collections.abc import Sequence

from agents import Agent, Model, Tool

from aya.automation.services import OpsServices
from aya.automation.tools import OpsRunContext, ops_tools

INSTRUCTIONS = """You are Aya Ops, the automation assistant of a pet food store's staff (not its shoppers).
You run the store's allow-listed commands, its tests, open allow-listed web pages, look things up in the store's own
documents and catalog, manage MCP servers, and report what shoppers asked for — only through your tools.
- Long work runs as a task with a card in the chat; say the task number and its state. Never claim a task finished
  unless the tool says so.
- Commands with side effects wait for approval on their card: tell the user to approve or deny it there.
- When a tool refuses (an argument not allowed, a page not on the allow-list, a feature turned off), say why in one
  sentence and do not try to get around it.
- Cite research answers with their sources in brackets. Store insights are aggregates; never quote one shopper.
- Be brief: staff are busy."""


def build_ops_agent(services: OpsServices, model: Model, extra_tools: Sequence[Tool] = ()) -> Agent[OpsRunContext]:
    return Agent[OpsRunContext](
        name="Aya Ops",
        instructions=INSTRUCTIONS,
        model=model,
        tools=[*ops_tools(services), *extra_tools],
    )
