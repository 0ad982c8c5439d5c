"""``POST /api/ops/tools/{name}``: one of Aya Ops' tools, relayed by the Voice tab from an OpenAI Realtime session.

Staff and admins only (anyone else: 404, as for every Aya Ops route). The body is the tool's arguments as a JSON
object, checked against the tool's strict schema (422 naming the field); an unknown tool is a 404. The call runs
the same tool code as the chat agent (:mod:`aya.automation.relay`): the same task manager, the same approvals (a
command with side effects answers "awaiting approval" and its card waits for a person), the same audit log. Its
cards are saved into the caller's Aya Ops thread: ``?thread_id=`` names it (the Realtime transcripts go there too),
or a new one is started; the answer names the thread.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from chatkit.store import NotFoundError
from chatkit.types import ThreadMetadata
from fastapi import APIRouter, Query, Request

from aya.assistants import ASSISTANT_KEY
from aya.automation.assistant import NAME
from aya.automation.relay import ThreadRecorder, call_tool
from aya.core.context import RequestContext
from aya.core.errors import NotConfigured, NotFound
from aya.web.deps import SettingsDep
from aya.web.jsoncheck import json_arguments
from aya.web.routes.ops import OpsDep, StaffDep

router = APIRouter()


async def ops_thread(store: Any, user: RequestContext, thread_id: str | None, title: str) -> ThreadMetadata:
    """The caller's Aya Ops thread ``thread_id`` (404 when it is not theirs or not Aya Ops'), or a new one."""
    if thread_id:
        try:
            thread: ThreadMetadata = await store.load_thread(thread_id, context=user)
        except NotFoundError:
            raise NotFound(f"thread {thread_id} not found", field="thread_id") from None
        if thread.metadata.get(ASSISTANT_KEY) != NAME:
            raise NotFound(f"thread {thread_id} not found", field="thread_id")
        return thread
    thread = ThreadMetadata(
        id=store.generate_thread_id(user), created_at=datetime.now(), title=title, metadata={ASSISTANT_KEY: NAME}
    )
    await store.save_thread(thread, context=user)
    return thread


@router.post("/api/ops/tools/{name}", summary="Run one of Aya Ops' tools (the Realtime voice relay; staff)")
async def run_ops_tool(
    name: str,
    request: Request,
    user: StaffDep,
    services: OpsDep,
    settings: SettingsDep,
    thread_id: Annotated[str | None, Query(max_length=128)] = None,
) -> dict[str, Any]:
    arguments = await json_arguments(request, settings.max_request_bytes)
    store = request.app.state.resources.chat_store
    if store is None:
        raise NotConfigured("the chat store is not running")
    thread = await ops_thread(store, user, thread_id, "Voice conversation")
    recorder = ThreadRecorder(thread=thread, store=store, request_context=user)
    result = await call_tool(services, recorder, user, name, arguments)
    return {
        "thread_id": thread.id,
        "output": result.output,
        "cards": [{"item_id": card.id, "widget": card.widget.model_dump(mode="json")} for card in result.cards],
    }
