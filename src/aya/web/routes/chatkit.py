"""The chat component: ``POST /chatkit`` (the ChatKit protocol) and attachment uploads and downloads.

``setup`` opens the store chosen by the settings (SQLite in the data dir, or PostgreSQL), builds ``AyaChatServer`` with
its collaborators and publishes it as ``resources.chat_server`` (and the store as ``resources.chat_store``). It runs
after the components it takes from: the MCP servers (for Aya), the dictation (voice) and the other assistants
(``resources.assistants``, e.g. Aya Ops as ``"ops"``). An assistant placed in ``resources.assistant`` before start-up
replaces Aya as the default one (tests do this).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AsyncExitStack
from typing import Annotated

from chatkit.errors import CustomStreamError
from chatkit.server import StreamingResult
from chatkit.types import AttachmentCreateParams, ThreadStreamEvent
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from starlette.formparsers import MultiPartParser

from aya.assistants import DEFAULT_ASSISTANT, AssistantRegistry
from aya.chat.assistant import Assistant, Turn
from aya.chat.attachments import IMAGE_TYPES, FileAttachmentStore, attachment_secret
from aya.chat.server import AyaChatServer
from aya.chat.stores import open_store
from aya.core.errors import BadRequest, NotConfigured, PayloadTooLarge
from aya.core.settings import Settings
from aya.web.auth import CurrentUserDep, get_request_context
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


@router.post("/chatkit", summary="The ChatKit protocol (JSON or server-sent events)")
async def chatkit(request: Request, user: CurrentUserDep, server: ChatServerDep, settings: SettingsDep) -> Response:
    body = await read_body(request, settings.max_request_bytes)
    result = await server.handle(body, user)
    if isinstance(result, StreamingResult):
        return StreamingResponse(result, media_type="text/event-stream", headers=SSE_HEADERS)
    return Response(content=result.json, media_type="application/json")


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


@router.api_route("/api/attachments/{attachment_id}/upload", methods=["PUT", "POST"], summary="Upload (two-phase)")
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
    u: Annotated[str | None, Query(description="Owner, with sig: a signed preview link")] = None,
    sig: Annotated[str | None, Query(description="Signature of a preview link")] = None,
) -> FileResponse:
    if u is not None and sig is not None:
        owner = server.attachments.check_signature(attachment_id, u, sig)
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


# --- the assistant -----------------------------------------------------------------------------------------------
class _UnavailableAssistant:
    """Answers every turn with a clear error event (the shop's assistant or the catalog search is missing)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        raise CustomStreamError(f"The assistant is unavailable: {self.reason}.", allow_retry=False)
        yield  # pragma: no cover - makes this an async generator

    def action(self, turn: Turn, action: object, sender: object) -> AsyncIterator[ThreadStreamEvent]:
        return self.respond(turn)


def build_assistant(settings: Settings, resources: Resources) -> Assistant:
    """Aya (``aya.shop.assistant.ShopAssistant``) over the catalog search, with the configured model."""
    try:
        from aya.shop.assistant import ShopAssistant
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("aya.shop"):
            raise
        logger.warning("the shop assistant is not installed: chat answers with an error")
        return _UnavailableAssistant("the shop assistant is not installed")  # type: ignore[return-value]
    if resources.search is None:
        return _UnavailableAssistant("the product search is not running")  # type: ignore[return-value]
    assistant = ShopAssistant(settings, resources.search)
    if resources.mcp_registry is not None:
        from aya.web.routes.mcp import assistant_mcp

        servers, tools = assistant_mcp(resources)
        assistant.use_mcp(servers, tools)
    return assistant  # type: ignore[return-value]


async def setup(app: FastAPI, resources: Resources, stack: AsyncExitStack) -> None:
    settings = resources.settings
    store = await open_store(settings)
    stack.push_async_callback(store.close)
    secret_key = settings.secret_key.get_secret_value() if settings.secret_key else None
    secret = await asyncio.to_thread(attachment_secret, secret_key, settings.data_dir)
    attachments = FileAttachmentStore(
        settings.attachments_dir, store, max_bytes=settings.max_attachment_bytes, secret=secret
    )
    assistant = resources.assistant or build_assistant(settings, resources)
    server = AyaChatServer(
        store=store,
        attachments=attachments,
        settings=settings,
        assistants=AssistantRegistry({DEFAULT_ASSISTANT: assistant, **resources.assistants}),
        transcriber=resources.transcriber,
    )
    resources.chat_store = store
    resources.chat_server = server
