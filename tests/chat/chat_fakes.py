"""Fakes at the model boundary only (the Agents SDK's ScriptedModel), plus an HTTP client for the ChatKit protocol.

Everything else in the chat tests is real: the app, the stores, HTTP, the SDK's event pipeline.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
from agents import Agent, ModelSettings, RunContextWrapper, function_tool
from agents.models.interface import ModelTracing
from agents.testing import ModelCall, ModelStep, ScriptedModel, assistant_message, function_call
from chatkit.agents import AgentContext, ClientToolCall
from chatkit.types import ThreadStreamEvent
from chatkit.widgets import Card, Text
from fastapi import FastAPI
from pydantic import TypeAdapter

from aya.chat.assistant import AgentAssistant, Turn
from aya.chat.server import AyaChatServer
from aya.core.context import RequestContext
from aya.core.settings import Settings
from aya.web.app import create_app

EVENT = TypeAdapter(ThreadStreamEvent)


def last_user_text(call: ModelCall) -> str:
    """The text of the newest user message in a recorded model call."""
    for item in reversed(call.input if isinstance(call.input, list) else []):
        if isinstance(item, dict) and item.get("role") == "user":
            content = item.get("content")
            if isinstance(content, str):
                return content
            texts = [c.get("text", "") for c in content or [] if isinstance(c, dict) and c.get("type") == "input_text"]
            if texts:
                return texts[0]
    return ""


def fake_echo_model(turns: int = 1000, *, item_id: str = "scripted-message") -> ScriptedModel:
    """A scripted fake of the model: call n answers 'Echo n: <newest user text>' (with a fixed, colliding item id)."""
    counter = iter(range(1, turns + 1))

    def echo(call: ModelCall) -> Any:
        return [assistant_message(f"Echo {next(counter)}: {last_user_text(call)}", item_id=item_id)]

    return ScriptedModel([ModelStep.respond(echo) for _ in range(turns)])


async def scripted_events(output: Sequence[Any]) -> list[Any]:
    """The Responses stream events ScriptedModel produces for ``output`` (its public streaming path)."""
    model = ScriptedModel([list(output)])
    return [
        event
        async for event in model.stream_response(
            None,
            [],
            ModelSettings(),
            [],
            None,
            [],
            ModelTracing.DISABLED,
            previous_response_id=None,
            conversation_id=None,
            prompt=None,
        )
    ]


def stream_then_block(first: str, second: str, release: asyncio.Event | None = None) -> ModelStep:
    """A fake model step: message ``first`` completes, ``second`` starts streaming, then the model stalls.

    The stall ends only when ``release`` is set (never, by default): the test decides when the stream is interrupted.
    """

    async def factory(call: ModelCall) -> AsyncIterator[Any]:
        output = [assistant_message(first, item_id="m1"), assistant_message(second, item_id="m2")]
        events = await scripted_events(output)
        for event in events:
            yield event
            if event.type == "response.output_text.delta" and event.item_id == "m2":
                break
        await (release or asyncio.Event()).wait()

    return ModelStep.stream(factory)


@function_tool
async def get_location(ctx: RunContextWrapper[AgentContext[Any]]) -> str:
    """Ask the browser for the shopper's location (a client tool)."""
    ctx.context.client_tool_call = ClientToolCall(name="get_location", arguments={"precision": "city"})
    return "asked the client"


@function_tool
async def show_card(ctx: RunContextWrapper[AgentContext[Any]], title: str) -> str:
    """Show a product card widget."""
    await ctx.context.stream_widget(Card(children=[Text(value=title)]), copy_text=title)
    return "shown"


def fake_assistant(model: ScriptedModel, *, tools: Sequence[Any] = (), stop_on_tool: bool = False) -> AgentAssistant:
    """The production ``AgentAssistant`` running an agent whose model is a scripted fake."""

    def factory(turn: Turn) -> Agent[AgentContext[Any]]:
        name = turn.context.username or "shopper"
        return Agent(
            name="Aya",
            instructions=f"You help {name} choose pet food.",
            model=model,
            tools=list(tools),
            tool_use_behavior="stop_on_first_tool" if stop_on_tool else "run_llm_again",
        )

    return AgentAssistant(factory)


def tool_then_text(tool: str, args: dict[str, Any], text: str) -> list[ModelStep]:
    return [
        ModelStep(output=[function_call(tool, args, call_id="call_1")]),
        ModelStep(output=[assistant_message(text)]),
    ]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[FastAPI]:
    """Run the app's lifespan in one task of its own (components enter and exit cancel scopes in the same task)."""
    started = asyncio.Event()
    stop = asyncio.Event()
    failure: list[BaseException] = []

    async def run() -> None:
        try:
            async with app.router.lifespan_context(app):
                started.set()
                await stop.wait()
        except BaseException as exc:
            failure.append(exc)
            started.set()
            raise

    task = asyncio.create_task(run())
    await started.wait()
    if failure:
        await task
    try:
        yield app
    finally:
        stop.set()
        await task


@asynccontextmanager
async def asgi_client(settings: Settings, assistant: Any, user: str = "alice") -> AsyncIterator[ChatClient]:
    """The real app (lifespan and all) behind an httpx ASGI transport, with ``assistant`` installed."""
    app = create_app(settings)
    app.state.resources.extras["assistant"] = assistant
    async with lifespan(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield ChatClient(http, user, app=app)


class ChatClient:
    """Speaks the ChatKit protocol to a running app (ASGI transport or real HTTP) as a given user."""

    def __init__(
        self, http: httpx.AsyncClient, user: str = "alice", username: str | None = None, app: FastAPI | None = None
    ) -> None:
        self.http = http
        self.user = user
        self.username = username
        self.app = app

    async def status(self, type_: str, **params: Any) -> tuple[int, Any]:
        response = await self.raw({"type": type_, "params": params})
        return response.status_code, response.json()

    def as_user(self, user: str) -> ChatClient:
        return ChatClient(self.http, user, app=self.app)

    @property
    def server(self) -> AyaChatServer:
        assert self.app is not None
        return self.app.state.resources.extras["chat_server"]  # type: ignore[no-any-return]

    @property
    def context(self) -> RequestContext:
        return RequestContext(user_id=self.user)

    @property
    def headers(self) -> dict[str, str]:
        headers = {"user-id": self.user, "session-id": f"ses-{self.user}", "content-type": "application/json"}
        if self.username:
            headers["username"] = self.username
        return headers

    async def raw(self, body: bytes | str | dict[str, Any]) -> httpx.Response:
        content = json.dumps(body) if isinstance(body, dict) else body
        return await self.http.post("/chatkit", content=content, headers=self.headers)

    async def call(self, type_: str, **params: Any) -> Any:
        response = await self.raw({"type": type_, "params": params})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        return response.json()

    async def stream(self, type_: str, **params: Any) -> list[Any]:
        """Every event of a streamed request, each validated by the SDK's own ``TypeAdapter(ThreadStreamEvent)``."""
        response = await self.raw({"type": type_, "params": params})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream")
        return parse_sse(response.text)


def parse_sse(text: str) -> list[Any]:
    events = []
    for block in text.split("\n\n"):
        if block.startswith("data: "):
            events.append(EVENT.validate_json(block[len("data: ") :]))
    return events


def message(text: str, attachments: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "content": [{"type": "input_text", "text": text}],
        "attachments": list(attachments),
        "inference_options": {},
    }


def of_type(events: Sequence[Any], kind: str) -> list[Any]:
    return [e for e in events if e.type == kind]


Responder = Callable[[ModelCall], Any]
