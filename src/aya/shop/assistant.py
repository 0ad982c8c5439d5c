"""``ShopAssistant``: Aya plugged into the chat server (the ``Assistant`` seam of :mod:`aya.chat.assistant`).

Each turn runs the one agent with ``Runner.run_streamed`` and turns the run into ChatKit events with
``chatkit.agents.stream_agent_response``; the run context (:class:`~aya.shop.agent.AyaRunContext`) carries the
catalog search, the thread state (pet profile and products shown, from the thread metadata) and the ChatKit
``AgentContext`` the tools stream widgets through. Card actions are handled by :mod:`aya.shop.actions`.

The chat package is not imported here (imports run chat -> shop): a turn is anything shaped like
:class:`TurnLike`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, Protocol

from agents import Agent, Model, Runner, Tool, TResponseInputItem
from agents.mcp import MCPServer
from chatkit.actions import Action
from chatkit.agents import AgentContext, stream_agent_response
from chatkit.types import ThreadMetadata, ThreadStreamEvent, WidgetItem

from aya.core.settings import Settings
from aya.search.models import ProductSearch, SearchQuery
from aya.shop import actions
from aya.shop.agent import AyaRunContext, build_agent
from aya.shop.models import build_model, run_config
from aya.shop.offline import OfflineModel
from aya.shop.state import load_state

logger = logging.getLogger("aya.shop")

MAX_TURNS = 6


class _RequestLike(Protocol):
    @property
    def username(self) -> str | None: ...


class TurnLike(Protocol):
    """What a turn offers (see ``aya.chat.assistant.Turn``)."""

    thread: ThreadMetadata

    @property
    def context(self) -> Any: ...

    @property
    def store(self) -> Any: ...

    def agent_context(self) -> AgentContext[Any]: ...

    async def agent_input(self, *, responses_api: bool) -> tuple[list[TResponseInputItem], str | None]: ...

    def remember_response(self, response_id: str | None) -> None: ...


class ShopAssistant:
    """Aya for the chat server: ``respond(turn)`` and ``action(turn, action, sender)``."""

    def __init__(
        self,
        settings: Settings,
        search: ProductSearch,
        *,
        model: Model | None = None,
        responses_api: bool | None = None,
    ) -> None:
        self.settings = settings
        self.search = search
        self.model = model if model is not None else build_model(settings)
        self.agent: Agent[AyaRunContext] = build_agent(self.model)
        self._mcp_servers: Callable[[], list[MCPServer]] | None = None
        # With the Responses API a new message is sent alone with previous_response_id (server-side history).
        self.responses_api = (
            responses_api
            if responses_api is not None
            else model is None and settings.effective_model_provider == "openai"
        )
        self.run_config = run_config(settings)
        self._brands_loaded = not isinstance(self.model, OfflineModel)

    async def _load_brands(self) -> None:
        """Teach the offline model the catalog's brand names (once, lazily: the catalog may be ingested later)."""
        if self._brands_loaded or not isinstance(self.model, OfflineModel):
            return
        brands = await catalog_brands(self.search)
        if brands:
            self.model.policy.brands = tuple(brands)
            self._brands_loaded = True

    def use_mcp(self, servers: Callable[[], list[MCPServer]], tools: Sequence[Tool] = ()) -> None:
        """Plug in external MCP servers (asked at every turn: they come and go) and extra tools (``aya.mcp``)."""
        self._mcp_servers = servers
        self.agent = self.agent.clone(
            tools=[*self.agent.tools, *tools], mcp_config={"include_server_in_tool_names": True}
        )

    def turn_agent(self) -> Agent[AyaRunContext]:
        """The agent for one turn: with the MCP servers connected right now, if any."""
        servers = self._mcp_servers() if self._mcp_servers is not None else []
        return self.agent.clone(mcp_servers=servers) if servers else self.agent

    def run_context(self, turn: TurnLike) -> AyaRunContext:
        username = getattr(turn.context, "username", None)
        state = load_state(turn.thread.metadata, username=username)
        return AyaRunContext(search=self.search, state=state, chat=turn.agent_context())

    async def respond(self, turn: TurnLike) -> AsyncIterator[ThreadStreamEvent]:
        await self._load_brands()
        ctx = self.run_context(turn)
        assert ctx.chat is not None
        agent_input, previous = await turn.agent_input(responses_api=self.responses_api)
        result = Runner.run_streamed(
            self.turn_agent(),
            agent_input,
            context=ctx,
            previous_response_id=previous,
            run_config=self.run_config,
            max_turns=MAX_TURNS,
        )
        try:
            async for event in stream_agent_response(ctx.chat, result):
                yield event
        finally:
            if not result.is_complete:
                result.cancel()
        ctx.save()
        if self.responses_api:
            turn.remember_response(result.last_response_id)

    async def action(
        self, turn: TurnLike, action: Action[str, Any], sender: WidgetItem | None
    ) -> AsyncIterator[ThreadStreamEvent]:
        ctx = self.run_context(turn)
        async for event in actions.handle(ctx, turn.thread, action.type, action.payload, turn.store, turn.context):
            yield event


async def catalog_brands(search: ProductSearch, *, limit: int = 1000) -> list[str]:
    """Brand names present in the catalog, gathered from broad searches (best effort, bounded: 24 searches)."""
    seen: dict[str, None] = {}
    for species in ("dog", "cat"):
        for food_type in (None, "dry", "wet"):
            for sort in ("relevance", "price", "price_desc", "rating"):
                filters: dict[str, Any] = {"species": species}
                if food_type:
                    filters["food_type"] = [food_type]
                query = SearchQuery.model_validate({"text": "", "filters": filters, "k": 100, "sort": sort})
                try:
                    result = await search.search(query)
                except Exception:  # a catalog that cannot answer yet just means no brand names
                    logger.warning("could not list catalog brands", exc_info=True)
                    return list(seen)
                for hit in result.hits:
                    if hit.product.brand:
                        seen.setdefault(hit.product.brand, None)
                if len(seen) >= limit:
                    return list(seen)[:limit]
    return list(seen)
