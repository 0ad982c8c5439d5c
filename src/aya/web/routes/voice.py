"""Voice routes: ``GET /voice/config``, ``POST /voice/realtime/session`` and the offline pipeline's ``/voice/ws``.

``setup`` publishes the shared speech models (``resources.voice_models``, loaded lazily by the first voice session, on
a worker thread), the Text tab's dictation (``resources.transcriber``, given to the chat server when the chat component
builds it) and the Realtime minter with its HTTP client (closed by the lifespan).

WebSocket identity: browsers cannot set headers on a WebSocket, so besides the usual headers and the ``aya_session``
cookie, ``/voice/ws`` accepts ``ticket``, a short-lived single-use ticket from ``POST /voice/ticket``
(:mod:`aya.web.tickets`), and in dev mode ``user_id``/``session_id``/``username`` query parameters (as trusted as the
dev headers). A session token in the URL is refused: it would land in access logs.

Realtime minting is limited per user, per client address and by a daily budget for the whole server
(``AYA_REALTIME_RATE_PER_USER``, ``AYA_REALTIME_RATE_PER_IP``, ``AYA_REALTIME_DAILY_BUDGET``).
"""

from __future__ import annotations

import contextlib
import logging
from contextlib import AsyncExitStack
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, FastAPI, Query, Request, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from aya.assistants import DEFAULT_ASSISTANT
from aya.automation.assistant import NAME as OPS
from aya.automation.relay import VOICE_INSTRUCTIONS, realtime_ops_tools
from aya.core.context import RequestContext
from aya.core.errors import AyaError, NotConfigured, NotFound, RateLimited, Unauthorized
from aya.core.settings import Settings
from aya.shop.tools import ProductSummary
from aya.voice.assistant import ChatKitAssistant, ProductLookup
from aya.voice.dictation import make_transcriber
from aya.voice.frames import SAMPLE_RATE_IN
from aya.voice.protocol import ErrorEvent
from aya.voice.realtime import Persona, RealtimeMinter, RealtimeSecret
from aya.voice.session import VoiceModels, VoiceSession
from aya.voice.stt import SpeechToText
from aya.voice.transcripts import TranscriptItem, save_transcript
from aya.voice.vocabulary import catalog_brands
from aya.web.auth import CurrentUserDep, client_ip, identify
from aya.web.deps import SettingsDep
from aya.web.resources import Resources

logger = logging.getLogger("aya.web")

router = APIRouter()


async def setup(app: FastAPI, resources: Resources, stack: AsyncExitStack) -> None:
    settings = resources.settings
    models = VoiceModels(tts_engine=settings.tts_engine)
    resources.voice_models = models
    # The Text tab's dictation (ChatKit input.transcribe) uses the same offline speech-to-text.
    resources.transcriber = make_transcriber(lambda: _load_stt(resources))
    client = httpx.AsyncClient()
    stack.push_async_callback(client.aclose)
    resources.realtime_minter = RealtimeMinter(settings, client)


@router.get("/voice/config", summary="Which voice mode this server runs, for the Voice tab")
async def voice_config(settings: SettingsDep) -> dict[str, Any]:
    return {
        "mode": settings.effective_voice_mode,
        "realtime_model": settings.realtime_model if settings.effective_voice_mode == "realtime" else None,
        "tts_engine": settings.tts_engine,
        "sample_rate_in": SAMPLE_RATE_IN,
        "websocket_path": "/voice/ws",
    }


AssistantQuery = Annotated[
    Literal["aya", "ops"], Query(description="aya: the shop's assistant; ops: Aya Ops (staff and admins only)")
]


def _persona(resources: Resources, user: RequestContext, assistant: str) -> Persona | None:
    """``None`` for Aya (the shop's persona); Aya Ops' instructions and tools for staff; 404 for anyone else."""
    if assistant != OPS:
        return None
    if not user.is_staff:
        raise NotFound("Aya Ops not found")  # Aya Ops does not exist for shoppers
    if resources.ops is None:
        raise NotConfigured("Aya Ops is not running")
    return Persona(instructions=VOICE_INSTRUCTIONS, tools=realtime_ops_tools(resources.ops), workflow="Aya Ops voice")


@router.post("/voice/realtime/session", summary="Mint an ephemeral OpenAI Realtime client secret (never the key)")
async def realtime_session(request: Request, user: CurrentUserDep, assistant: AssistantQuery = "aya") -> RealtimeSecret:
    resources: Resources = request.app.state.resources
    minter: RealtimeMinter | None = resources.realtime_minter
    if minter is None:
        raise NotConfigured("voice is not running")
    persona = _persona(resources, user, assistant)
    settings = resources.settings
    if settings.effective_voice_mode == "realtime":  # otherwise the minter answers 503 and nothing is spent
        limiter = resources.limiter
        await limiter.hit(settings.realtime_rate_per_user, "realtime-user", user.user_id, what="voice sessions")
        await limiter.hit(settings.realtime_rate_per_ip, "realtime-ip", client_ip(request), what="voice sessions")
        if settings.realtime_daily_budget <= 0:
            raise RateLimited("Realtime voice sessions are switched off on this server (AYA_REALTIME_DAILY_BUDGET)")
        await limiter.hit(
            f"{settings.realtime_daily_budget}/day", "realtime-all", what="voice sessions today on this server"
        )
    return await minter.mint(user.user_id, user.display_name, persona)


@router.post("/voice/ticket", summary="A single-use ticket (60 s) authenticating /voice/ws without a token in its URL")
async def voice_ticket(request: Request, user: CurrentUserDep) -> dict[str, Any]:
    tickets = request.app.state.resources.tickets
    return {"ticket": tickets.issue(user), "expires_in": int(tickets.ttl_s)}


@router.post("/voice/realtime/items", summary="Save one finished Realtime transcript into the caller's thread")
async def realtime_item(item: TranscriptItem, request: Request, user: CurrentUserDep) -> dict[str, str]:
    store = request.app.state.resources.chat_store
    if item.assistant == OPS and not user.is_staff:
        raise NotFound("Aya Ops not found")
    if store is None:
        raise NotConfigured("the chat store is not running")
    return {"thread_id": await save_transcript(store, user, item)}


class _Handshake:
    """The parts of a request that ``aya.web.auth.identify`` reads, built from a WebSocket handshake."""

    def __init__(self, websocket: WebSocket, settings: Settings) -> None:
        headers = {k.lower(): v for k, v in websocket.headers.items()}
        query = websocket.query_params
        if settings.auth_mode != "token":
            for name, param in (("user-id", "user_id"), ("session-id", "session_id"), ("username", "username")):
                if name not in headers and query.get(param):
                    headers[name] = query[param]
        self.headers = headers
        self.cookies = websocket.cookies
        self.client = websocket.client  # the role check trusts listed users only from loopback in dev mode
        self.base_url = str(websocket.base_url).replace("ws", "http", 1)


def origin_allowed(websocket: WebSocket, settings: Settings) -> bool:
    """Browsers always send Origin on a WebSocket handshake: accept our own host and the CORS origins only
    (a page on another site must not open a voice session with the shopper's cookie)."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser
    host = websocket.headers.get("host", "")
    return origin.split("://", 1)[-1] == host or origin in settings.cors_origins


async def websocket_context(websocket: WebSocket, resources: Resources) -> RequestContext | None:
    """The identity of a WebSocket: a ticket, else the headers, cookie or (dev mode) query parameters."""
    settings = resources.settings
    query = websocket.query_params
    if "token" in query:
        raise Unauthorized("session tokens are not accepted in URLs: get a ticket from POST /voice/ticket")
    ticket = query.get("ticket")
    if ticket is not None:
        context = await resources.tickets.redeem(ticket)
        if context is None:
            raise Unauthorized("the voice ticket is unknown, used or expired: get a new one from POST /voice/ticket")
        return context
    return identify(_Handshake(websocket, settings), settings)  # type: ignore[arg-type]


async def _with_brands(resources: Resources) -> VoiceModels:
    models = resources.voice_models
    assert models is not None, "the voice component sets the models up first"
    if models.stt is None and resources.search is not None and not models.brands:
        models.brands = await catalog_brands(resources.search)
    return models


async def _load_stt(resources: Resources) -> SpeechToText:
    return await (await _with_brands(resources)).load_stt()


async def _models(resources: Resources) -> VoiceModels:
    models = await _with_brands(resources)
    await models.load()
    return models


def _product_lookup(resources: Resources) -> ProductLookup | None:
    search = resources.search
    if search is None:
        return None

    async def lookup(ids: list[str]) -> list[dict[str, Any]]:
        return [ProductSummary.of(p).model_dump(mode="json") for p in await search.get(ids)]

    return lookup


@router.websocket("/voice/ws")
async def voice_ws(websocket: WebSocket) -> None:
    resources: Resources = websocket.app.state.resources
    settings = resources.settings
    if not origin_allowed(websocket, settings):
        await websocket.close(code=4403, reason="origin not allowed")
        return
    try:
        context = await websocket_context(websocket, resources)
    except AyaError as exc:
        await websocket.close(code=4401, reason=exc.message[:120])
        return
    if context is None:
        await websocket.close(code=4401, reason="authentication required")
        return
    assistant = websocket.query_params.get("assistant") or DEFAULT_ASSISTANT
    if assistant not in (DEFAULT_ASSISTANT, OPS) or (assistant == OPS and not context.is_staff):
        await websocket.close(code=4404, reason="not found")  # Aya Ops does not exist for shoppers
        return
    await websocket.accept()

    async def send_text(text: str) -> None:
        if websocket.application_state is WebSocketState.CONNECTED:
            await websocket.send_text(text)

    async def send_bytes(data: bytes) -> None:
        if websocket.application_state is WebSocketState.CONNECTED:
            await websocket.send_bytes(data)

    server = resources.chat_server
    if server is None or resources.voice_models is None:
        await send_text(ErrorEvent(code="not_configured", message="the chat server is not running").model_dump_json())
        await websocket.close(code=1011)
        return
    try:
        models = await _models(resources)
    except Exception:
        logger.exception("voice models could not be loaded")
        await send_text(ErrorEvent(code="models", message="the speech models could not be loaded").model_dump_json())
        await websocket.close(code=1011)
        return
    assert models.stt is not None and models.tts is not None
    session = VoiceSession(
        stt=models.stt,
        tts=models.tts,
        assistant=ChatKitAssistant(server, context, lookup=_product_lookup(resources), assistant=assistant),
        send_bytes=send_bytes,
        send_text=send_text,
        thread_id=websocket.query_params.get("thread_id") or None,
    )

    async def receive() -> bytes | str | None:
        try:
            message = await websocket.receive()
        except (WebSocketDisconnect, RuntimeError):
            return None
        if message["type"] == "websocket.disconnect":
            return None
        if message.get("bytes") is not None:
            return message["bytes"]  # type: ignore[no-any-return]
        return message.get("text")

    logger.info("voice session started for %s", context.user_id)
    try:
        await session.run(receive)
    except WebSocketDisconnect:
        pass
    finally:
        logger.info("voice session ended for %s", context.user_id)
        if websocket.application_state is WebSocketState.CONNECTED:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await websocket.close()
