"""``ShopAssistant``: Aya plugged into the chat server (the :class:`~aya.assistants.Assistant` seam).

Each turn runs the one agent through the shared run loop (:func:`aya.assistants.run_agent`) with the shop's hooks:
the agent is built from the turn's input (the dialogue state is updated once with the new message; the offline
model is built from it; MCP servers connected right now), a tripped safety guardrail gives its safety answer,
follow-up chips come after an answer that showed products, and the thread state is saved last. The run context
(:class:`~aya.shop.agent.AyaRunContext`) carries the catalog search, the thread state (pet profile, products shown,
searches run) and the ChatKit ``AgentContext`` the tools stream widgets through. Card actions are handled by
:mod:`aya.shop.actions`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import Any

from agents import (
    Agent,
    InputGuardrailTripwireTriggered,
    Model,
    OutputGuardrailTripwireTriggered,
    Tool,
    TResponseInputItem,
)
from agents.mcp import MCPServer
from chatkit.actions import Action
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ThreadItemDoneEvent,
    ThreadStreamEvent,
    WidgetItem,
)

from aya.assistants import Turn, run_agent
from aya.core.settings import Settings
from aya.search.models import ProductSearch
from aya.shop import actions
from aya.shop.agent import AyaRunContext, build_agent
from aya.shop.followups import followups_widget, suggest_followups
from aya.shop.models import build_model, run_config
from aya.shop.offline import OfflineModel
from aya.shop.policy import Conversation
from aya.shop.safety import emergency
from aya.shop.safety.guardrails import SafetyAnswer, last_user_text
from aya.shop.safety.output import GuardedModel
from aya.shop.safety.store_policy import load_policy
from aya.shop.state import load_state
from aya.shop.understanding import CatalogTerms, parse
from aya.shop.understanding.dialogue import update
from aya.shop.understanding.similarity import IntentClassifier, TextEmbedder, intent_of

logger = logging.getLogger("aya.shop")

MAX_TURNS = 6


class ShopAssistant:
    """Aya for the chat server: ``respond(turn)`` and ``action(turn, action, sender)``."""

    def __init__(
        self,
        settings: Settings,
        search: ProductSearch,
        *,
        model: Model | None = None,
        responses_api: bool | None = None,
        embedder: TextEmbedder | None = None,
    ) -> None:
        """``embedder``: the search's embedder (MiniLM), shared to classify by similarity the messages no rule reads
        (offline model only); without it, the intents' keywords decide."""
        self.settings = settings
        self.search = search
        self.model = model if model is not None else build_model(settings)
        # safety: every model's replies pass the output guard; the guardrails wrap the agent (aya.shop.safety)
        self.policy = load_policy(settings.store_policy_file)
        emergency.warm()
        self.agent: Agent[AyaRunContext] = build_agent(GuardedModel(self.model), policy=self.policy)
        self._mcp_servers: Callable[[], list[MCPServer]] | None = None
        # With the Responses API a new message is sent alone with previous_response_id (server-side history).
        self.responses_api = (
            responses_api
            if responses_api is not None
            else model is None and settings.effective_model_provider == "openai"
        )
        self.run_config = run_config(settings)
        self.terms = CatalogTerms()
        self._terms_loaded = False
        self.intents = IntentClassifier(
            embedder if isinstance(self.model, OfflineModel) else None,
            threshold=settings.intent_similarity_threshold,
        )

    async def warm_up(self) -> None:
        """Embed the intents' example utterances (once per process, in the embedder's worker thread)."""
        if isinstance(self.model, OfflineModel):
            await self.intents.warm()

    async def _load_terms(self) -> None:
        """Teach understanding the catalog's brands and product lines (once, lazily: the catalog may be ingested
        later), from ``ProductSearch.facets()``."""
        if self._terms_loaded:
            return
        try:
            facets = await self.search.facets()
        except Exception:  # a catalog that cannot answer yet just means no brand names this turn
            logger.warning("could not read the catalog's facets", exc_info=True)
            return
        if facets.brands:
            self.terms = CatalogTerms.of(
                [b.value for b in facets.brands], [(f.brand, f.line) for f in facets.product_lines if f.count >= 3]
            )
            if isinstance(self.model, OfflineModel):
                self.model.policy.terms = self.terms
            self._terms_loaded = True

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

    def run_context(self, turn: Turn) -> AyaRunContext:
        username = getattr(turn.context, "username", None)
        state = load_state(turn.thread.metadata, username=username)
        return AyaRunContext(search=self.search, state=state, chat=turn.agent_context())

    @property
    def reads_images(self) -> bool:
        """Whether the model sees attached photos: OpenAI's models do; the offline model and an OpenAI-compatible
        server (which may be text-only) are not trusted to."""
        return not isinstance(self.model, OfflineModel) and self.settings.effective_model_provider == "openai"

    def photo_notice(self, turn: Turn) -> AssistantMessageItem | None:
        """Said first when the shopper attached a photo the model cannot look at: never pretend to have seen it."""
        message = turn.input
        images = [a.name for a in (message.attachments if message else []) if a.type == "image"]
        if not images or self.reads_images:
            return None
        names = ", ".join(images)
        text = (
            f"I can't look at photos here, so I can't see what's in {names}. "
            "Could you type the product name, or the words on the label (brand, recipe, size)? "
            "Then I'll find it or something like it."
        )
        return AssistantMessageItem(
            id=turn.store.generate_item_id("message", turn.thread, turn.context),
            thread_id=turn.thread.id,
            created_at=datetime.now(),
            content=[AssistantMessageContent(text=text, annotations=[])],
        )

    async def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        notice = self.photo_notice(turn)
        if notice is not None:
            yield ThreadItemDoneEvent(item=notice)
            message = turn.input
            if message is not None and not "".join(getattr(c, "text", "") for c in message.content).strip():
                return  # only a photo: nothing else to answer
        await self._load_terms()
        ctx = self.run_context(turn)
        assert ctx.chat is not None
        shown_before: list[str] = []

        async def agent_for(agent_input: list[TResponseInputItem]) -> Agent[AyaRunContext]:
            # The dialogue state is updated ONCE with this message: the offline model of this turn is built from
            # it, remote models read it in their instructions.
            ctx.user_text = last_user_text(agent_input)
            agent = self.turn_agent()
            parsed = parse(Conversation.from_input(agent_input).last_user, terms=self.terms)
            update(ctx.state, parsed)
            shown_before[:] = [p.id for p in ctx.state.shown]
            if isinstance(self.model, OfflineModel):
                # rules first: only a message no rule read is classified by similarity to example utterances
                intent = await intent_of(self.intents, parsed)
                agent = agent.clone(model=GuardedModel(self.model.for_turn(ctx.state, parsed, intent)))
            return agent

        async def after_run() -> AsyncIterator[ThreadStreamEvent]:
            if [p.id for p in ctx.state.shown] != shown_before:
                followups = self.followups(turn, ctx)
                if followups is not None:
                    yield ThreadItemDoneEvent(item=followups)

        async for event in run_agent(
            agent_for,
            turn,
            context=ctx,
            chat=ctx.chat,
            responses_api=self.responses_api,
            run_config=self.run_config,
            max_turns=MAX_TURNS,
            on_tripwire=lambda tripped: tripwire_answer(tripped).text,
            after_run=after_run,
            save=ctx.save,
        ):
            yield event

    def followups(self, turn: Turn, ctx: AyaRunContext) -> WidgetItem | None:
        """Follow-up chips under an answer that showed products (see :mod:`aya.shop.followups`)."""
        state = ctx.state
        species = [state.profile.species] if state.profile.species else []
        # "For my other cat" only when another pet of the same species is known (never for a dog after cat food).
        same_kind = [p for p in state.pets if p.species in (None, state.profile.species)]
        suggestions = suggest_followups(
            state.shown, species=species, food_types=state.profile.food_types, pets=1 + len(same_kind)
        )
        if not suggestions:
            return None
        return WidgetItem(
            id=turn.store.generate_item_id("message", turn.thread, turn.context),
            thread_id=turn.thread.id,
            created_at=datetime.now(),
            widget=followups_widget(suggestions),
        )

    async def action(
        self, turn: Turn, action: Action[str, Any], sender: WidgetItem | None
    ) -> AsyncIterator[ThreadStreamEvent]:
        ctx = self.run_context(turn)
        async for event in actions.handle(ctx, turn.thread, action.type, action.payload, turn.store, turn.context):
            yield event


def tripwire_answer(tripped: InputGuardrailTripwireTriggered | OutputGuardrailTripwireTriggered) -> SafetyAnswer:
    """The answer a tripped safety guardrail carries (see :mod:`aya.shop.safety.guardrails`)."""
    info = tripped.guardrail_result.output.output_info
    answer = info if isinstance(info, SafetyAnswer) else getattr(info, "answer", None)
    if isinstance(answer, SafetyAnswer):
        return answer
    return SafetyAnswer("correction", "Sorry, I can't answer that safely. Please ask your vet.")
