"""The chat component: ``POST /chatkit`` (the ChatKit protocol) and attachment uploads and downloads.

``setup`` opens the store chosen by the settings (SQLite in the data dir, or PostgreSQL), builds ``AyaChatServer`` with
its collaborators and publishes it as ``resources.chat_server`` (and the store as ``resources.chat_store``). It runs
after the components it takes from: the MCP servers (for Aya), the dictation (voice) and the other assistants
(``resources.assistants``, e.g. Aya Ops as ``"ops"``). An assistant placed in ``resources.assistant`` before start-up
replaces Aya as the default one (tests do this).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AsyncExitStack
from typing import Annotated, Any

from chatkit.actions import Action
from chatkit.errors import CustomStreamError
from chatkit.server import StreamingResult
from chatkit.types import AttachmentCreateParams, ThreadStreamEvent, WidgetItem
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from starlette.formparsers import MultiPartParser

from aya.assistants import DEFAULT_ASSISTANT, Assistant, AssistantRegistry, Turn
from aya.chat.attachments import IMAGE_TYPES, FileAttachmentStore, attachment_secret
from aya.chat.server import AyaChatServer
from aya.chat.stores import open_store
from aya.core.context import RequestContext
from aya.core.errors import AyaError, BadRequest, NotConfigured, NotFound, PayloadTooLarge
from aya.core.settings import Settings
from aya.web.auth import CurrentUserDep, client_ip, get_request_context, identify
from aya.web.deps import SettingsDep
from aya.web.resources import Resources

logger = logging.getLogger("aya.web")

router = APIRouter()

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def get_chat_server(request: Request) -> AyaChatServer:
    server: AyaChatServer | None = request.app.state.resources.chat_server
    if server is None:
        raise NotConfigured("the chat server is not running")
    return server


ChatServerDep = Annotated[AyaChatServer, Depends(get_chat_server)]


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or 413 as soon as it passes ``limit`` bytes (Content-Length is checked first)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body of {declared} bytes exceeds the limit of {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"request body exceeds the limit of {limit} bytes")
    return bytes(body)


# Requests that run the assistant: each counts against the user's message quota (AYA_MESSAGE_RATE_PER_USER).
ASSISTANT_TURNS = frozenset(
    {
        "threads.create",
        "threads.add_user_message",
        "threads.add_client_tool_output",
        "threads.add_structured_input",
        "threads.retry_after_item",
        "threads.custom_action",
        "threads.sync_custom_action",
        "input.transcribe",
    }
)


def _request_type(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None  # the server names the problem
    kind = data.get("type") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) else None


@router.post("/chatkit", summary="The ChatKit protocol (JSON or server-sent events)")
async def chatkit(request: Request, user: CurrentUserDep, server: ChatServerDep, settings: SettingsDep) -> Response:
    body = await read_body(request, settings.max_request_bytes)
    kind = _request_type(body)
    if kind in ASSISTANT_TURNS:
        limiter = request.app.state.resources.limiter
        await limiter.hit(settings.message_rate_per_user, "messages", user.user_id, what="messages")
        await limiter.hit(settings.message_rate_per_ip, "messages-ip", client_ip(request), what="messages")
    elif kind == "attachments.create":
        await _limit_attachments_per_ip(request, settings)
    result = await server.handle(body, user)
    if isinstance(result, StreamingResult):
        return StreamingResponse(result, media_type="text/event-stream", headers=SSE_HEADERS)
    return Response(content=result.json, media_type="application/json")


async def _limit_attachments_per_ip(request: Request, settings: Settings) -> None:
    """Per client address too: identities are free, so the per-user limit and quota alone do not bound the disk."""
    limiter = request.app.state.resources.limiter
    await limiter.hit(settings.attachment_rate_per_ip, "attachments-ip", client_ip(request), what="attachments")


async def _chunks(data: bytes) -> AsyncGenerator[bytes, None]:
    yield data


async def _file_from_multipart(request: Request, body: bytes) -> tuple[str, str, bytes]:
    """``(filename, content type, bytes)`` of the ``file`` field of a multipart body."""
    parser = MultiPartParser(request.headers, _chunks(body), max_files=1, max_fields=10)
    form = await parser.parse()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise BadRequest("multipart upload needs a 'file' field", field="file")
    data = await upload.read()
    await upload.close()
    return upload.filename or "upload", upload.content_type or "application/octet-stream", data


@router.put("/api/attachments/{attachment_id}/upload", summary="Upload (two-phase)", operation_id="upload_attachment")
@router.post(
    "/api/attachments/{attachment_id}/upload", summary="Upload (two-phase, POST)", operation_id="upload_attachment_post"
)
async def upload_attachment(
    attachment_id: str, request: Request, user: CurrentUserDep, server: ChatServerDep, settings: SettingsDep
) -> Response:
    body = await read_body(request, settings.max_attachment_bytes + 64 * 1024)
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        _, _, body = await _file_from_multipart(request, body)
    attachment = await server.attachments.write(attachment_id, _chunks(body), user)
    return Response(content=server._serialize(attachment), media_type="application/json")


@router.post("/api/attachments", summary="Upload an attachment in one step (multipart 'file')")
async def direct_upload(
    request: Request, user: CurrentUserDep, server: ChatServerDep, settings: SettingsDep
) -> Response:
    body = await read_body(request, settings.max_attachment_bytes + 64 * 1024)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise BadRequest("send the file as multipart/form-data in a 'file' field", field="file")
    await _limit_attachments_per_ip(request, settings)
    name, mime_type, data = await _file_from_multipart(request, body)
    params = AttachmentCreateParams(name=name, size=len(data), mime_type=mime_type)
    attachment = await server.attachments.create_attachment(params, user)
    await server.store.save_attachment(attachment, user)
    attachment = await server.attachments.write(attachment.id, _chunks(data), user)
    return Response(content=server._serialize(attachment), media_type="application/json")


@router.get("/api/attachments/{attachment_id}", summary="The content of one of the caller's attachments")
async def get_attachment(
    attachment_id: str,
    request: Request,
    server: ChatServerDep,
    exp: Annotated[str | None, Query(max_length=20, description="Expiry (unix time) of a signed preview link")] = None,
    sig: Annotated[str | None, Query(max_length=64, description="Signature of a preview link")] = None,
) -> FileResponse:
    owner: RequestContext | None = None
    if exp is not None and sig is not None:
        try:
            owner = await server.attachments.check_signature(attachment_id, exp, sig)
        except NotFound:
            # an expired link still works for its owner, who sends the identity (our web client does)
            with contextlib.suppress(AyaError):
                owner = identify(request, request.app.state.settings)
            if owner is None:
                raise
    else:
        owner = get_request_context(request)
    attachment, path = await server.attachments.read(attachment_id, owner)
    inline = attachment.mime_type in IMAGE_TYPES
    return FileResponse(
        path,
        media_type=attachment.mime_type,
        filename=attachment.name,
        content_disposition_type="inline" if inline else "attachment",
        headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox", "Cache-Control": "private"},
    )


async def _sweep_forever(attachments: FileAttachmentStore) -> None:
    """Delete uploads never attached to a message, every quarter of their time to live (at most every 5 minutes)."""
    period = min(300.0, attachments.unattached_ttl_s / 4)
    while True:
        try:
            await attachments.sweep_unattached()
        except Exception:  # a failed sweep is retried next period; never kills the app
            logger.warning("sweeping unattached uploads failed", exc_info=True)
        await asyncio.sleep(period)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


# --- the assistant -----------------------------------------------------------------------------------------------
class _UnavailableAssistant:
    """Answers every turn with a clear error event (the shop's assistant or the catalog search is missing)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        raise CustomStreamError(f"The assistant is unavailable: {self.reason}.", allow_retry=False)
        yield  # pragma: no cover - makes this an async generator

    def action(
        self, turn: Turn, action: Action[str, Any], sender: WidgetItem | None
    ) -> AsyncIterator[ThreadStreamEvent]:
        return self.respond(turn)


def build_assistant(settings: Settings, resources: Resources) -> Assistant:
    """Aya (``aya.shop.assistant.ShopAssistant``) over the catalog search, with the configured model."""
    try:
        from aya.shop.assistant import ShopAssistant
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("aya.shop"):
            raise
        logger.warning("the shop assistant is not installed: chat answers with an error")
        return _UnavailableAssistant("the shop assistant is not installed")
    if resources.search is None:
        return _UnavailableAssistant("the product search is not running")
    assistant = ShopAssistant(settings, resources.search, embedder=resources.embedder)
    if resources.mcp_registry is not None:
        from aya.web.routes.mcp import assistant_mcp

        servers, tools = assistant_mcp(resources)
        assistant.use_mcp(servers, tools)
    return assistant


def _warm_up(assistant: Assistant, stack: AsyncExitStack) -> None:
    """Aya's intent examples are embedded at start-up, in the background (a few seconds of MiniLM in its worker
    thread), not on the first message no rule reads; the task is awaited (or cancelled) at shutdown."""
    try:
        from aya.shop.assistant import ShopAssistant
    except ModuleNotFoundError:
        return
    if isinstance(assistant, ShopAssistant):
        task = asyncio.create_task(assistant.warm_up(), name="aya-intents-warm-up")
        stack.push_async_callback(_cancel, task)


async def setup(app: FastAPI, resources: Resources, stack: AsyncExitStack) -> None:
    settings = resources.settings
    store = await open_store(settings)
    stack.push_async_callback(store.close)
    secret_key = settings.secret_key.get_secret_value() if settings.secret_key else None
    secret = await asyncio.to_thread(attachment_secret, secret_key, settings.data_dir)
    attachments = FileAttachmentStore(
        settings.attachments_dir,
        store,
        max_bytes=settings.max_attachment_bytes,
        secret=secret,
        quota_bytes=settings.attachment_quota_bytes,
        link_ttl_s=settings.signed_link_ttl_s,
        unattached_ttl_s=settings.unattached_upload_ttl_s,
        limiter=resources.limiter,
        create_rate=settings.attachment_rate_per_user,
    )
    sweeper = asyncio.create_task(_sweep_forever(attachments), name="aya-attachment-sweeper")
    stack.push_async_callback(_cancel, sweeper)
    assistant = resources.assistant or build_assistant(settings, resources)
    _warm_up(assistant, stack)
    coordination = resources.coordination
    server = AyaChatServer(
        store=store,
        attachments=attachments,
        settings=settings,
        assistants=AssistantRegistry({DEFAULT_ASSISTANT: assistant, **resources.assistants}),
        transcriber=resources.transcriber,
        turn_lock=coordination.turn_lock if coordination is not None else None,
    )
    resources.chat_store = store
    resources.chat_server = server
