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

Every turn (typed message, card action, retry) goes through :meth:`AyaChatServer._run_turn`: the continuity rule of
``history.py`` is sealed there once the turn's items are stored; a stored response OpenAI no longer has (400
``previous_response_not_found``) is forgotten and the turn rerun from stored history, once; other OpenAI failures
become a ``CustomStreamError`` the shopper can read (``aya.core.openai_api.explain``), with retry offered only where
retrying can help, and a log line naming status and code only.

Assistants are collaborators, registered by name (:class:`~aya.assistants.AssistantRegistry`): each endpoint serves
one (``handle(body, context, assistant="ops")``), a new thread records it as its owner, and every later request on a
thread is routed to its owner; a thread owned by another assistant is a 404 on this endpoint, and ``threads.list``
shows only this endpoint's threads.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import os
import re
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from typing import Any, assert_never

import anyio
from chatkit.actions import Action
from chatkit.errors import CustomStreamError, ErrorCode
from chatkit.server import DEFAULT_PAGE_SIZE, ChatKitServer, NonStreamingResult, StreamingResult
from chatkit.store import NotFoundError, StoreItemType
from chatkit.types import (
    AssistantMessageItem,
    AttachmentsCreateReq,
    AttachmentsDeleteReq,
    AudioInput,
    ClientToolCallItem,
    ErrorEvent,
    FeedbackKind,
    HiddenContextItem,
    InputTranscribeReq,
    ItemsFeedbackReq,
    ItemsListReq,
    Page,
    SDKHiddenContextItem,
    StructuredInputItem,
    SyncCustomActionResponse,
    Thread,
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

from aya.assistants import ASSISTANT_KEY, DEFAULT_ASSISTANT, AssistantRegistry, UnknownAssistant
from aya.chat.assistant import Assistant, Transcriber, Turn
from aya.chat.attachments import FileAttachmentStore
from aya.chat.coordination import LocalTurnLock, TurnLock
from aya.chat.history import AyaItemConverter, forget_previous_response, newest_item_id, seal_response
from aya.chat.requests import parse_request
from aya.chat.sql_store import MAX_PAGE
from aya.chat.store import AyaStore
from aya.chat.titles import title_from_message
from aya.core.context import RequestContext
from aya.core.errors import AyaError, BadRequest, Conflict, NotConfigured, NotFound
from aya.core.openai_api import explain, is_previous_response_missing, log_line
from aya.core.settings import Settings

logger = logging.getLogger("aya.chat")

_OWN_ID = re.compile(r"^[a-z]+_[0-9a-f]{22}$")
_MAX_TITLE = 200
_MAX_REASON = 1000
# Thread metadata key: assistant messages the shopper stopped (shown as "Stopped" after a reload); newest kept.
STOPPED_ITEMS = "stopped_items"
_MAX_STOPPED = 50
# The assistant served by the endpoint of the request being handled (set for the whole request, streams included).
_ENDPOINT: ContextVar[str | None] = ContextVar("aya_chat_endpoint", default=None)


class AyaChatServer(ChatKitServer[RequestContext]):
    store: AyaStore

    def __init__(
        self,
        *,
        store: AyaStore,
        attachments: FileAttachmentStore,
        settings: Settings,
        assistant: Assistant | None = None,
        assistants: AssistantRegistry | None = None,
        transcriber: Transcriber | None = None,
        max_running_turns: int | None = None,
        turn_lock: TurnLock | None = None,
    ) -> None:
        super().__init__(store=store, attachment_store=attachments)
        self.store = store
        self.attachments = attachments
        self.settings = settings
        if (assistant is None) == (assistants is None):
            raise ValueError("give AyaChatServer either one assistant or a registry of assistants")
        self.assistants = assistants if assistants is not None else AssistantRegistry({DEFAULT_ASSISTANT: assistant})  # type: ignore[dict-item]
        self.transcriber = transcriber  # set by the voice component when speech-to-text is available
        # Assistant turns running at once in this process; more wait (their first events are already sent).
        self._turn_slots = asyncio.Semaphore(max_running_turns or running_turns_for(settings))
        # One stream at a time per thread (across processes with PostgreSQL, see coordination.py): a second message
        # waits for the first answer, so items never interleave and the thread's metadata is never saved over.
        self.turn_lock: TurnLock = turn_lock or LocalTurnLock()

    @property
    def assistant(self) -> Assistant:
        """The default assistant (the one ``/chatkit`` serves)."""
        return self.assistants[self.assistants.default]

    @assistant.setter
    def assistant(self, assistant: Assistant) -> None:
        self.assistants = self.assistants.replace(self.assistants.default, assistant)

    # --- the entry point -------------------------------------------------------------------------------------------
    async def handle(
        self, body: bytes, context: RequestContext, *, assistant: str | None = None
    ) -> StreamingResult | NonStreamingResult:
        """Handle one ChatKit request on the endpoint of ``assistant`` (default: the registry's default)."""
        endpoint = assistant or self.assistants.default
        if endpoint not in self.assistants:
            raise NotConfigured(f"the {endpoint} assistant is not running")
        _ENDPOINT.set(endpoint)
        request = parse_request(body)
        logger.info("chatkit %s by %s on %s", request.type, context.user_id, endpoint)
        await self._preflight(request, context)
        if isinstance(request, ThreadsDeleteReq):
            return NonStreamingResult(await self._delete_thread(request.params.thread_id, context))
        if isinstance(request, ThreadsGetByIdReq):
            return NonStreamingResult(await self._thread_response(request.params.thread_id, context))
        if isinstance(request, ItemsFeedbackReq):
            params = request.params
            reason = _feedback_reason(request.metadata)
            await self.add_feedback(params.thread_id, params.item_ids, params.kind, context, reason=reason)
            return NonStreamingResult(b"{}")
        if isinstance(request, ThreadsListReq):
            return NonStreamingResult(await self._list_threads(request, context, endpoint))
        try:
            # Dispatch the already-parsed request. ``ChatKitServer.process()`` would parse again and build a new
            # ``TypeAdapter(ChatKitReq)`` per request (~20 ms of CPU each); these two methods are what it calls
            # (openai-chatkit is pinned ~=1.6.5 for this).
            if is_streaming_req(request):
                await self.turn_lock.check()  # a 503 now rather than an error event after HTTP 200
                return StreamingResult(self._stream(request, context, endpoint))
            return NonStreamingResult(await self._process_non_streaming(request, context))
        except AyaError:
            raise
        except NotFoundError as exc:
            raise NotFound(str(exc) or "not found") from exc
        except NotImplementedError as exc:
            raise NotConfigured(f"{request.type} is not supported by this server") from exc
        except ValueError as exc:
            raise BadRequest(str(exc)) from exc

    async def events(
        self, body: bytes, context: RequestContext, *, assistant: str | None = None
    ) -> AsyncIterator[ThreadStreamEvent]:
        """A streaming request for in-process callers (voice): the same checks, per-thread order and persistence as
        :meth:`handle`, but the typed events instead of their SSE bytes. Non-streaming requests are a 400."""
        endpoint = assistant or self.assistants.default
        if endpoint not in self.assistants:
            raise NotConfigured(f"the {endpoint} assistant is not running")
        _ENDPOINT.set(endpoint)
        request = parse_request(body)
        if not is_streaming_req(request):
            raise BadRequest(f"{request.type} does not stream", field="type")
        await self._preflight(request, context)
        return self._typed_stream(request, context, endpoint)

    async def _typed_stream(
        self, request: Any, context: RequestContext, endpoint: str
    ) -> AsyncIterator[ThreadStreamEvent]:
        _ENDPOINT.set(endpoint)
        lock = self._thread_lock(request, endpoint)
        try:
            async with lock:
                async for event in self._process_streaming_impl(request, context):
                    yield event
        except Exception:
            logger.exception("error while streaming events in-process")
            yield ErrorEvent(code=ErrorCode.STREAM_ERROR, allow_retry=True)

    def _thread_lock(self, request: Any, endpoint: str | None = None) -> AbstractAsyncContextManager[None]:
        """The thread's turn (``turn_lock``: in-process, or PostgreSQL advisory locks across workers)."""
        if isinstance(request, ThreadsCustomActionReq) and endpoint is not None:
            # An assistant may let some actions through while the thread streams (Aya Ops: "Cancel" on a task card
            # whose progress the thread is still following); they must not add to or reorder the thread.
            concurrent: frozenset[str] = getattr(self.assistants[endpoint], "concurrent_actions", frozenset())
            if request.params.action.type in concurrent:
                return contextlib.nullcontext()
        thread_id = getattr(getattr(request, "params", None), "thread_id", None)
        if not isinstance(thread_id, str):
            return contextlib.nullcontext()  # threads.create: a new thread nobody else can reach yet
        return self.turn_lock.hold(thread_id)

    async def _stream(self, request: Any, context: RequestContext, endpoint: str) -> AsyncGenerator[bytes, None]:
        """The SDK's stream, ending with an ``error`` event (not a broken response) if something fails after all."""
        _ENDPOINT.set(endpoint)  # the stream may run in another task than ``handle``
        lock = self._thread_lock(request, endpoint)
        try:
            async with lock:
                async for chunk in self._process_streaming(request, context):
                    yield chunk
        except Exception:  # already logged by the SDK; e.g. the thread was deleted while this request started
            event = ErrorEvent(code=ErrorCode.STREAM_ERROR, allow_retry=True)
            yield b"data: " + self._serialize(event) + b"\n\n"

    # --- validation before anything streams ------------------------------------------------------------------------
    async def _thread(self, thread_id: str, context: RequestContext) -> ThreadMetadata:
        try:
            thread = await self.store.load_thread(thread_id, context)
        except NotFoundError as exc:
            raise NotFound(f"thread {thread_id} not found", field="params.thread_id") from exc
        if self.assistants.owner(thread) != (_ENDPOINT.get() or self.assistants.default):
            # Another assistant's thread (Aya Ops' on /chatkit, or the shop's on /ops/chatkit) is not here.
            raise NotFound(f"thread {thread_id} not found", field="params.thread_id")
        return thread

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
                _feedback_reason(request.metadata)
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

    async def _thread_response(self, thread_id: str, context: RequestContext) -> bytes:
        """``threads.get_by_id`` as the SDK answers it (first page of visible items), plus what the client shows with
        the thread: the user's feedback by item id and the answers they stopped. The rest of the thread's metadata
        (dialogue state, response ids) stays on the server."""
        thread = await self.store.load_thread(thread_id, context)
        items = await self.store.load_thread_items(thread_id, None, DEFAULT_PAGE_SIZE, "asc", context)
        items.data = [i for i in items.data if not isinstance(i, HiddenContextItem | SDKHiddenContextItem)]
        metadata = {
            "feedback": await self.store.load_feedback(thread_id, context),
            "stopped": list(thread.metadata.get(STOPPED_ITEMS) or []),
        }
        response = Thread(
            id=thread.id,
            title=thread.title,
            created_at=thread.created_at,
            status=thread.status,
            allowed_image_domains=thread.allowed_image_domains,
            metadata=metadata,
            items=items,
        )
        return self._serialize(response)

    async def _delete_thread(self, thread_id: str, context: RequestContext) -> bytes:
        attachments = await self.store.thread_attachments(thread_id, context)
        try:
            await self.store.delete_thread(thread_id, context)
        except NotFoundError as exc:
            raise NotFound(f"thread {thread_id} not found", field="params.thread_id") from exc
        await self.attachments.delete_files([a.id for a in attachments], context)
        return b"{}"

    async def _list_threads(self, request: ThreadsListReq, context: RequestContext, endpoint: str) -> bytes:
        """The caller's threads owned by ``endpoint``'s assistant (pages of the store, filtered, up to ``limit``)."""
        params = request.params
        limit = params.limit or 20
        kept: list[ThreadMetadata] = []
        after = params.after
        has_more = False
        while True:
            page = await self.store.load_threads(limit, after, params.order, context)
            for index, thread in enumerate(page.data):
                after = thread.id
                if self.assistants.owner(thread) == endpoint:
                    kept.append(thread)
                    if len(kept) == limit:
                        has_more = page.has_more or index < len(page.data) - 1
                        break
            if len(kept) == limit or not page.has_more or not page.data:
                break
        data = [self._to_thread_response(thread) for thread in kept]
        return self._serialize(Page(has_more=has_more, after=kept[-1].id if kept else None, data=data))

    async def _owner(self, thread: ThreadMetadata, context: RequestContext) -> Assistant:
        """The assistant that owns ``thread``; a new thread is claimed by the endpoint's assistant (saved at once)."""
        if ASSISTANT_KEY not in thread.metadata:
            self.assistants.claim(thread, _ENDPOINT.get() or self.assistants.default)
            await self.store.save_thread(thread, context)
        try:
            return self.assistants[self.assistants.owner(thread)]
        except UnknownAssistant as exc:
            raise NotConfigured(f"the {exc.args[0]} assistant is not running") from exc

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
        assistant = await self._owner(thread, context)
        async with self._turn_slots:
            async for event in self._run_turn(lambda: assistant.respond(turn), thread, context):
                yield event

    async def action(
        self, thread: ThreadMetadata, action: Action[str, Any], sender: WidgetItem | None, context: RequestContext
    ) -> AsyncIterator[ThreadStreamEvent]:
        turn = self._turn(thread, None, context)
        assistant = await self._owner(thread, context)
        async with self._turn_slots:
            async for event in self._run_turn(lambda: assistant.action(turn, action, sender), thread, context):
                yield event

    async def _run_turn(
        self,
        start: Callable[[], AsyncIterator[ThreadStreamEvent]],
        thread: ThreadMetadata,
        context: RequestContext,
    ) -> AsyncIterator[ThreadStreamEvent]:
        """One assistant turn: rerun once from stored history when OpenAI has lost the stored response (nothing was
        shown yet), OpenAI failures in plain words, and the continuity rule sealed when the turn's items are stored."""
        before = await newest_item_id(self.store, thread, context)  # the new message, if any: stored already
        rerun = False
        while True:
            shown = False
            produced: list[str] = []  # the items this turn stored, in order
            try:
                async for event in self._own_ids(start(), thread, context):
                    shown = shown or isinstance(event, ThreadItemAddedEvent | ThreadItemDoneEvent)
                    if isinstance(event, ThreadItemDoneEvent) and event.item.id not in produced:
                        produced.append(event.item.id)
                    yield event
                break
            except Exception as exc:
                if is_previous_response_missing(exc) and not shown and not rerun and forget_previous_response(thread):
                    logger.warning(
                        "OpenAI no longer has the stored response of thread %s (%s): rerunning from stored history",
                        thread.id,
                        log_line(exc),
                    )
                    rerun = True
                    continue
                explained = explain(exc)
                if explained is None:
                    raise
                logger.warning("OpenAI failed a turn of thread %s: %s", thread.id, log_line(exc))
                raise CustomStreamError(explained.message, allow_retry=explained.allow_retry) from None
        await seal_response(self.store, thread, context, before=before, produced=produced)

    async def sync_action(
        self, thread: ThreadMetadata, action: Action[str, Any], sender: WidgetItem | None, context: RequestContext
    ) -> SyncCustomActionResponse:
        handler = getattr(await self._owner(thread, context), "sync_action", None)
        if handler is None:
            raise BadRequest(f"action {action.type!r} cannot run synchronously here", field="params.action.type")
        result: SyncCustomActionResponse = await handler(self._turn(thread, None, context), action, sender)
        return result

    async def add_feedback(
        self,
        thread_id: str,
        item_ids: list[str],
        feedback: FeedbackKind,
        context: RequestContext,
        reason: str | None = None,
    ) -> None:
        await self.store.add_feedback(thread_id, item_ids, feedback, context, reason=reason)
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
            stopped = [
                item.id
                for item in pending_items
                if isinstance(item, AssistantMessageItem) and any(c.text.strip() for c in item.content)
            ]
            if stopped:
                known = list(thread.metadata.get(STOPPED_ITEMS) or [])
                thread.metadata[STOPPED_ITEMS] = [*known, *stopped][-_MAX_STOPPED:]
            await self.store.save_thread(thread, context)  # the continuity rule sees the partial items

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


def _feedback_reason(metadata: dict[str, Any]) -> str | None:
    """The reason a shopper gave with their feedback (``metadata.reason`` of ``items.feedback``), if any."""
    reason = metadata.get("reason")
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise BadRequest("the feedback reason must be text", field="metadata.reason")
    reason = reason.strip()
    if len(reason) > _MAX_REASON:
        raise BadRequest(f"the feedback reason is longer than {_MAX_REASON} characters", field="metadata.reason")
    return reason or None


def _check_limit(limit: int | None) -> None:
    if limit is not None and not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}", field="params.limit")
