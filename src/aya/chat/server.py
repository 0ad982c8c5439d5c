"""``AyaChatServer``: the ChatKit protocol over Aya's stores, with the SDK's pitfalls closed.

``handle(body, context)`` is the one entry point (``POST /chatkit``):

1. parse the body once (400 naming the field, see ``requests.py``);
2. preflight the request against the store *before* anything streams: an unknown thread, item or attachment is a 404
   (another user's looks the same), a client-tool output without a pending call or a retry from a non-user item is a
   400, new content for a locked or closed thread is a 409 — the SDK would otherwise fail after HTTP 200;
3. run it through the SDK (its streaming and non-streaming handlers); non-streaming errors become status codes.

While streaming: the first message titles the thread; item ids that are not ours (``__fake_id__`` from Chat
Completions, fixed ids from scripted models) are remapped to fresh ``msg_…``/``tc_…`` ids so stored items never collide;
a client that disconnects gets its partial assistant message saved (``handle_stream_cancelled``, shielded from the
cancellation) and the thread stays usable. The assistant itself is a collaborator (``assistant.py``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import os
import re
import weakref
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, assert_never

import anyio
from chatkit.actions import Action
from chatkit.errors import ErrorCode
from chatkit.server import ChatKitServer, NonStreamingResult, StreamingResult
from chatkit.store import NotFoundError, StoreItemType
from chatkit.types import (
    AttachmentsCreateReq,
    AttachmentsDeleteReq,
    AudioInput,
    ClientToolCallItem,
    ErrorEvent,
    FeedbackKind,
    InputTranscribeReq,
    ItemsFeedbackReq,
    ItemsListReq,
    StructuredInputItem,
    SyncCustomActionResponse,
    ThreadItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemRemovedEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    ThreadsAddClientToolOutputReq,
    ThreadsAddStructuredInputReq,
    ThreadsAddUserMessageReq,
    ThreadsCreateReq,
    ThreadsCustomActionReq,
    ThreadsDeleteReq,
    ThreadsGetByIdReq,
    ThreadsListReq,
    ThreadsRetryAfterItemReq,
    ThreadsSyncCustomActionReq,
    ThreadStreamEvent,
    ThreadsUpdateReq,
    TranscriptionResult,
    UserMessageInput,
    UserMessageItem,
    WidgetItem,
    is_streaming_req,
)

from aya.chat.assistant import Assistant, Transcriber, Turn
from aya.chat.attachments import FileAttachmentStore
from aya.chat.history import AyaItemConverter, forget_previous_response
from aya.chat.requests import parse_request
from aya.chat.sql_store import MAX_PAGE
from aya.chat.store import AyaStore
from aya.chat.titles import title_from_message
from aya.core.context import RequestContext
from aya.core.errors import AyaError, BadRequest, Conflict, NotConfigured, NotFound
from aya.core.settings import Settings

logger = logging.getLogger("aya.chat")

_OWN_ID = re.compile(r"^[a-z]+_[0-9a-f]{22}$")
_MAX_TITLE = 200


class AyaChatServer(ChatKitServer[RequestContext]):
    store: AyaStore

    def __init__(
        self,
        *,
        store: AyaStore,
        attachments: FileAttachmentStore,
        settings: Settings,
        assistant: Assistant,
        transcriber: Transcriber | None = None,
        max_running_turns: int | None = None,
    ) -> None:
        super().__init__(store=store, attachment_store=attachments)
        self.store = store
        self.attachments = attachments
        self.settings = settings
        self.assistant = assistant
        self.transcriber = transcriber  # set by the voice component when speech-to-text is available
        # Assistant turns running at once in this process; more wait (their first events are already sent).
        self._turn_slots = asyncio.Semaphore(max_running_turns or running_turns_for(settings))
        # One stream at a time per thread in this process: a second message waits for the first answer, so items
        # never interleave and the thread's metadata (pet profile, products shown) is never saved over.
        self._thread_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    # --- the entry point -------------------------------------------------------------------------------------------
    async def handle(self, body: bytes, context: RequestContext) -> StreamingResult | NonStreamingResult:
        request = parse_request(body)
        logger.info("chatkit %s by %s", request.type, context.user_id)
        await self._preflight(request, context)
        if isinstance(request, ThreadsDeleteReq):
            return NonStreamingResult(await self._delete_thread(request.params.thread_id, context))
        try:
            # Dispatch the already-parsed request. ``ChatKitServer.process()`` would parse again and build a new
            # ``TypeAdapter(ChatKitReq)`` per request (~20 ms of CPU each); these two methods are what it calls
            # (openai-chatkit is pinned ~=1.6.5 for this).
            if is_streaming_req(request):
                return StreamingResult(self._stream(request, context))
            return NonStreamingResult(await self._process_non_streaming(request, context))
        except AyaError:
            raise
        except NotFoundError as exc:
            raise NotFound(str(exc) or "not found") from exc
        except NotImplementedError as exc:
            raise NotConfigured(f"{request.type} is not supported by this server") from exc
        except ValueError as exc:
            raise BadRequest(str(exc)) from exc

    def _thread_lock(self, request: Any) -> asyncio.Lock | None:
        thread_id = getattr(getattr(request, "params", None), "thread_id", None)
        if not isinstance(thread_id, str):
            return None  # threads.create: a new thread nobody else can reach yet
        lock = self._thread_locks.get(thread_id)
        if lock is None:
            lock = self._thread_locks[thread_id] = asyncio.Lock()
        return lock

    async def _stream(self, request: Any, context: RequestContext) -> AsyncGenerator[bytes, None]:
        """The SDK's stream, ending with an ``error`` event (not a broken response) if something fails after all."""
        lock = self._thread_lock(request)
        try:
            async with lock or contextlib.nullcontext():
                async for chunk in self._process_streaming(request, context):
                    yield chunk
        except Exception:  # already logged by the SDK; e.g. the thread was deleted while this request started
            event = ErrorEvent(code=ErrorCode.STREAM_ERROR, allow_retry=True)
            yield b"data: " + self._serialize(event) + b"\n\n"

    # --- validation before anything streams ------------------------------------------------------------------------
    async def _thread(self, thread_id: str, context: RequestContext) -> ThreadMetadata:
        try:
            return await self.store.load_thread(thread_id, context)
        except NotFoundError as exc:
            raise NotFound(f"thread {thread_id} not found", field="params.thread_id") from exc

    async def _item(self, thread_id: str, item_id: str, context: RequestContext) -> ThreadItem:
        try:
            return await self.store.load_item(thread_id, item_id, context)
        except NotFoundError as exc:
            raise NotFound(f"item {item_id} not found in thread {thread_id}", field="params.item_id") from exc

    async def _writable_thread(self, thread_id: str, context: RequestContext) -> ThreadMetadata:
        thread = await self._thread(thread_id, context)
        if thread.status.type != "active":
            reason = f": {thread.status.reason}" if thread.status.reason else ""
            raise Conflict(f"thread {thread_id} is {thread.status.type}{reason}", field="params.thread_id")
        return thread

    async def _check_input(self, message: UserMessageInput, context: RequestContext) -> None:
        if not message.content and not message.attachments:
            raise BadRequest("params.input: a message needs content or attachments", field="params.input.content")
        for index, attachment_id in enumerate(message.attachments):
            try:
                attachment = await self.store.load_attachment(attachment_id, context)
            except NotFoundError as exc:
                raise NotFound(
                    f"attachment {attachment_id} not found", field=f"params.input.attachments.{index}"
                ) from exc
            if not (attachment.metadata or {}).get("uploaded", False):
                raise BadRequest(
                    f"attachment {attachment_id} was registered but its content was never uploaded",
                    field=f"params.input.attachments.{index}",
                )

    async def _check_sender(self, thread_id: str, item_id: str | None, context: RequestContext) -> None:
        if item_id is None:
            return
        if not isinstance(await self._item(thread_id, item_id, context), WidgetItem):
            raise BadRequest(f"item {item_id} is not a widget; actions come from widgets", field="params.item_id")

    async def _preflight(self, request: Any, context: RequestContext) -> None:
        match request:
            case ThreadsCreateReq():
                await self._check_input(request.params.input, context)
            case ThreadsAddUserMessageReq():
                await self._writable_thread(request.params.thread_id, context)
                await self._check_input(request.params.input, context)
            case ThreadsAddClientToolOutputReq():
                thread = await self._writable_thread(request.params.thread_id, context)
                last = await self.store.load_thread_items(thread.id, None, 1, "desc", context)
                if not (
                    last.data and isinstance(last.data[0], ClientToolCallItem) and last.data[0].status == "pending"
                ):
                    raise BadRequest(
                        f"thread {thread.id} has no pending client tool call to take this output",
                        field="params.result",
                    )
            case ThreadsAddStructuredInputReq():
                await self._writable_thread(request.params.thread_id, context)
                item = await self._item(request.params.thread_id, request.params.item_id, context)
                if not isinstance(item, StructuredInputItem):
                    raise BadRequest(f"item {item.id} is not a structured input", field="params.item_id")
                if item.status != "pending":
                    raise Conflict(f"structured input {item.id} was already {item.status}", field="params.item_id")
            case ThreadsRetryAfterItemReq():
                thread = await self._writable_thread(request.params.thread_id, context)
                item = await self._item(request.params.thread_id, request.params.item_id, context)
                if not isinstance(item, UserMessageItem):
                    raise BadRequest(f"item {item.id} is not a user message; retry after one", field="params.item_id")
                if forget_previous_response(thread):  # the last response includes the items the retry removes
                    await self.store.save_thread(thread, context)
            case ThreadsCustomActionReq() | ThreadsSyncCustomActionReq():
                await self._writable_thread(request.params.thread_id, context)
                await self._check_sender(request.params.thread_id, request.params.item_id, context)
            case ThreadsGetByIdReq() | ThreadsDeleteReq():
                await self._thread(request.params.thread_id, context)
            case ThreadsUpdateReq():
                await self._thread(request.params.thread_id, context)
                if len(request.params.title) > _MAX_TITLE:
                    raise BadRequest(f"title is longer than {_MAX_TITLE} characters", field="params.title")
            case ItemsListReq():
                await self._thread(request.params.thread_id, context)
                _check_limit(request.params.limit)
            case ThreadsListReq():
                _check_limit(request.params.limit)
            case ItemsFeedbackReq():
                await self._thread(request.params.thread_id, context)
                if not request.params.item_ids:
                    raise BadRequest("item_ids must name at least one item", field="params.item_ids")
                for item_id in request.params.item_ids:
                    await self._item(request.params.thread_id, item_id, context)
            case AttachmentsCreateReq():
                self.attachments.validate(request.params)
            case AttachmentsDeleteReq():
                try:
                    await self.store.load_attachment(request.params.attachment_id, context)
                except NotFoundError as exc:
                    raise NotFound(
                        f"attachment {request.params.attachment_id} not found", field="params.attachment_id"
                    ) from exc
            case InputTranscribeReq():
                try:
                    base64.b64decode(request.params.audio_base64, validate=True)
                except (binascii.Error, ValueError) as exc:
                    raise BadRequest("audio_base64 is not valid base64", field="params.audio_base64") from exc
                if self.transcriber is None:
                    raise NotConfigured("speech-to-text is not available on this server")
            case _:
                assert_never(request)

    async def _delete_thread(self, thread_id: str, context: RequestContext) -> bytes:
        attachments = await self.store.thread_attachments(thread_id, context)
        try:
            await self.store.delete_thread(thread_id, context)
        except NotFoundError as exc:
            raise NotFound(f"thread {thread_id} not found", field="params.thread_id") from exc
        await self.attachments.delete_files([a.id for a in attachments], context)
        return b"{}"

    # --- the SDK's hooks -------------------------------------------------------------------------------------------
    def _turn(self, thread: ThreadMetadata, message: UserMessageItem | None, context: RequestContext) -> Turn:
        return Turn(
            thread=thread,
            input=message,
            context=context,
            store=self.store,
            converter=AyaItemConverter(self.attachments, context),
            history_max_items=self.settings.history_max_items,
        )

    async def respond(
        self, thread: ThreadMetadata, input_user_message: UserMessageItem | None, context: RequestContext
    ) -> AsyncIterator[ThreadStreamEvent]:
        if input_user_message is not None and thread.title is None:
            thread.title = title_from_message(input_user_message)
        turn = self._turn(thread, input_user_message, context)
        async with self._turn_slots:
            async for event in self._own_ids(self.assistant.respond(turn), thread, context):
                yield event

    async def action(
        self, thread: ThreadMetadata, action: Action[str, Any], sender: WidgetItem | None, context: RequestContext
    ) -> AsyncIterator[ThreadStreamEvent]:
        turn = self._turn(thread, None, context)
        async with self._turn_slots:
            async for event in self._own_ids(self.assistant.action(turn, action, sender), thread, context):
                yield event

    async def sync_action(
        self, thread: ThreadMetadata, action: Action[str, Any], sender: WidgetItem | None, context: RequestContext
    ) -> SyncCustomActionResponse:
        handler = getattr(self.assistant, "sync_action", None)
        if handler is None:
            raise BadRequest(f"action {action.type!r} cannot run synchronously here", field="params.action.type")
        result: SyncCustomActionResponse = await handler(self._turn(thread, None, context), action, sender)
        return result

    async def add_feedback(
        self, thread_id: str, item_ids: list[str], feedback: FeedbackKind, context: RequestContext
    ) -> None:
        await self.store.add_feedback(thread_id, item_ids, feedback, context)
        logger.info("feedback %s on %d item(s) of %s", feedback, len(item_ids), thread_id)

    async def transcribe(self, audio_input: AudioInput, context: RequestContext) -> TranscriptionResult:
        if self.transcriber is None:
            raise NotConfigured("speech-to-text is not available on this server")
        return TranscriptionResult(text=await self.transcriber(audio_input.data, audio_input.mime_type))

    async def handle_stream_cancelled(
        self, thread: ThreadMetadata, pending_items: list[ThreadItem], context: RequestContext
    ) -> None:
        # The request is being cancelled: shield the saves, or every await below would be cancelled again.
        with anyio.CancelScope(shield=True):
            logger.info("stream cancelled on %s; saving %d pending item(s)", thread.id, len(pending_items))
            await super().handle_stream_cancelled(thread, pending_items, context)
            forget_previous_response(thread)
            await self.store.save_thread(thread, context)

    # --- ids -------------------------------------------------------------------------------------------------------
    async def _own_ids(
        self, events: AsyncIterator[ThreadStreamEvent], thread: ThreadMetadata, context: RequestContext
    ) -> AsyncIterator[ThreadStreamEvent]:
        """Give every item Aya's own id: ids from the model (``__fake_id__`` for every message and tool call with
        Chat Completions, fixed ids from scripted models) repeat, and a repeated id would overwrite a stored item."""
        mapping: dict[str, str] = {}  # model id -> Aya id, for the item most recently started under that id
        streaming: set[str] = set()  # model ids added but not done yet

        def fresh(item: ThreadItem) -> str:
            kind: StoreItemType = "message"
            if item.type == "client_tool_call":
                kind = "tool_call"
            elif item.type == "workflow":
                kind = "workflow"
            return self.store.generate_item_id(kind, thread, context)

        async for event in events:
            match event:
                case ThreadItemAddedEvent(item=item) if not _OWN_ID.match(item.id):
                    mapping[item.id] = fresh(item)
                    streaming.add(item.id)
                    event = ThreadItemAddedEvent(item=item.model_copy(update={"id": mapping[item.id]}))
                case ThreadItemDoneEvent(item=item) if not _OWN_ID.match(item.id):
                    if item.id not in streaming:
                        mapping[item.id] = fresh(item)
                    streaming.discard(item.id)
                    event = ThreadItemDoneEvent(item=item.model_copy(update={"id": mapping[item.id]}))
                case ThreadItemUpdatedEvent() if event.item_id in mapping:
                    event = event.model_copy(update={"item_id": mapping[event.item_id]})
                case ThreadItemRemovedEvent() if event.item_id in mapping:
                    event = ThreadItemRemovedEvent(item_id=mapping[event.item_id])
            yield event


def running_turns_for(settings: Settings) -> int:
    """How many assistant turns run at once: ``AYA_MAX_RUNNING_TURNS``, else by the model's kind of work.

    The offline model is CPU-bound in this process: past a couple of turns per core they only slow each other down
    (and delay every stream's first event). A remote model mostly waits on the network, so many turns can overlap.
    """
    if settings.max_running_turns is not None:
        return settings.max_running_turns
    if settings.effective_model_provider == "offline":
        return 2 * (os.cpu_count() or 1)
    return 64


def _check_limit(limit: int | None) -> None:
    if limit is not None and not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}", field="params.limit")
