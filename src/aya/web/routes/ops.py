"""Aya Ops in the web app: ``POST /ops/chatkit`` (the ChatKit protocol, the ``ops`` assistant), the task API and the
audit log. Staff and admins only: to anyone else these routes do not exist (404). The audit log is for admins (403).

``setup`` runs before the chat component: it opens Aya Ops' services (``<data_dir>/ops.sqlite3``: tasks and audit),
builds :class:`~aya.automation.assistant.OpsAssistant` with the model of the configured provider (offline:
:class:`~aya.automation.offline.OpsOfflineModel`) and the MCP servers, and registers it as
``resources.assistants["ops"]``.

    POST /ops/chatkit                   ChatKit requests for Aya Ops threads
    GET  /api/ops                       what this server lets Aya Ops do (commands, test paths, browsing)
    GET  /api/tasks                     tasks, newest first (?state=, ?limit=; admins see everyone's)
    POST /api/tasks                     start one: {"kind": "command"|"tests"|"browse", ...} (side effects wait)
    GET  /api/tasks/{id}                one task
    GET  /api/tasks/{id}/events         server-sent events: the task after every change, until it ends
    POST /api/tasks/{id}/cancel|retry|approve|deny   (cancel: 200 done here, 202 handed over to the worker running it)
    GET  /api/ops/audit                 the audit log (admins)
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from chatkit.server import StreamingResult
from chatkit.types import ThreadMetadata
from fastapi import APIRouter, Body, Depends, FastAPI, Query, Request, Response
from fastapi import Path as FastApiPath
from fastapi.responses import StreamingResponse
from pydantic import TypeAdapter

from aya.assistants import ASSISTANT_KEY, DEFAULT_ASSISTANT
from aya.automation.assistant import NAME, OpsAssistant
from aya.automation.audit import AuditEntry
from aya.automation.insights import ThreadSample, aggregate
from aya.automation.offline import OpsOfflineModel
from aya.automation.services import OpsServices
from aya.automation.starts import TaskStart, plan
from aya.automation.store import Database
from aya.automation.tasks import MAX_TASK_ID, Task
from aya.core.context import RequestContext
from aya.core.errors import AyaError, NotConfigured, NotFound
from aya.web.auth import get_request_context, require_role
from aya.web.deps import SettingsDep
from aya.web.resources import Resources
from aya.web.routes.chatkit import SSE_HEADERS, ChatServerDep, read_body

logger = logging.getLogger("aya.web")

router = APIRouter()
_THREAD = TypeAdapter(ThreadMetadata)


async def setup(app: FastAPI, resources: Resources, stack: AsyncExitStack) -> None:
    settings = resources.settings
    db: Database | None = None
    if settings.database_url:  # next to the chat threads, in the same schema (``?schema=``)
        from aya.automation.pg_store import PostgresOpsDatabase
        from aya.chat.stores import split_schema

        dsn, schema = split_schema(settings.database_url)
        db = PostgresOpsDatabase(dsn, schema=schema)
    services = await OpsServices.open(
        settings,
        db=db,
        search=resources.search,
        insights=lambda days: shopper_insights(resources, days),
        mcp_registry=lambda: resources.mcp_registry,
    )
    stack.push_async_callback(services.close)
    if settings.effective_model_provider == "offline":
        model: Any = OpsOfflineModel()
    else:
        from aya.shop.models import build_model

        model = build_model(settings)
    servers: Any = None
    tools: list[Any] = []
    if resources.mcp_registry is not None:
        from aya.web.routes.mcp import assistant_mcp

        servers, tools = assistant_mcp(resources)
    resources.ops = services
    resources.assistants[NAME] = OpsAssistant(
        services,
        model,
        responses_api=settings.effective_model_provider == "openai",
        mcp_servers=servers,
        extra_tools=tools,
    )


# --- who may ------------------------------------------------------------------------------------------------------
def get_staff(request: Request) -> RequestContext:
    """The caller, who must be staff or admin; anyone else gets 404 (these routes do not exist for shoppers)."""
    context = get_request_context(request)
    if not context.is_staff:
        raise NotFound(f"{request.url.path} not found")
    return context


StaffDep = Annotated[RequestContext, Depends(get_staff)]
TaskId = Annotated[int, FastApiPath(ge=1, le=MAX_TASK_ID, description="The task's number")]


def _services(request: Request) -> OpsServices:
    services: OpsServices | None = request.app.state.resources.ops
    if services is None:
        raise NotConfigured("Aya Ops is not running")
    return services


OpsDep = Annotated[OpsServices, Depends(_services)]


# --- chat ---------------------------------------------------------------------------------------------------------
@router.post("/ops/chatkit", summary="The ChatKit protocol for Aya Ops (staff)")
async def ops_chatkit(request: Request, user: StaffDep, server: ChatServerDep, settings: SettingsDep) -> Response:
    body = await read_body(request, settings.max_request_bytes)
    result = await server.handle(body, user, assistant=NAME)
    if isinstance(result, StreamingResult):
        return StreamingResponse(result, media_type="text/event-stream", headers=SSE_HEADERS)
    return Response(content=result.json, media_type="application/json")


# --- tasks --------------------------------------------------------------------------------------------------------
@router.get("/api/ops", summary="What Aya Ops may do on this server")
async def ops_config(user: StaffDep, services: OpsDep) -> dict[str, Any]:
    settings = services.settings
    return {
        "commands": [
            {"name": s.name, "template": s.template, "arguments": s.placeholders, "approval": s.approve}
            for s in services.commands.specs.values()
        ]
        if settings.ops_allow_cli
        else [],
        "cli": settings.ops_allow_cli,
        "browse": settings.ops_browse,
        "browse_hosts": settings.ops_browse_hosts if settings.ops_browse else [],
        "test_paths": settings.ops_test_paths,
        "max_running": settings.ops_max_tasks,
        "role": user.role,
    }


@router.get("/api/tasks", summary="Tasks, newest first")
async def list_tasks(
    user: StaffDep,
    services: OpsDep,
    state: Annotated[
        Literal["awaiting_approval", "queued", "running", "succeeded", "failed", "cancelled"] | None, Query()
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    tasks = await services.tasks.list(user_id=user.user_id, everyone=user.is_admin, state=state, limit=limit)
    return {"tasks": [t.model_dump(mode="json") for t in tasks]}


@router.post("/api/tasks", status_code=201, summary="Start a task")
async def start_task(user: StaffDep, services: OpsDep, start: Annotated[TaskStart, Body()]) -> dict[str, Any]:
    started = time.perf_counter()
    arguments = start.model_dump()
    try:
        p = plan(services, start, base_url=user.base_url, is_admin=user.is_admin)
    except AyaError as exc:
        await _audit(services, user, "api:start", arguments, "refused", exc.message, started)
        raise
    task = await services.tasks.submit(user.user_id, p.kind, p.title, p.args, approval=p.approval)
    await _audit(services, user, "api:start", arguments, task.state, task.title, started, task.id)
    return task.model_dump(mode="json")


@router.get("/api/tasks/{task_id}", summary="One task")
async def get_task(task_id: TaskId, user: StaffDep, services: OpsDep) -> dict[str, Any]:
    task = await services.tasks.get(task_id, user_id=user.user_id, everyone=user.is_admin)
    return task.model_dump(mode="json")


@router.get("/api/tasks/{task_id}/events", summary="The task after every change (server-sent events)")
async def task_events(task_id: TaskId, user: StaffDep, services: OpsDep) -> StreamingResponse:
    snapshots = services.tasks.watch(task_id, user_id=user.user_id, everyone=user.is_admin)
    first = await anext(snapshots)  # 404 before the stream starts

    async def events() -> AsyncIterator[bytes]:
        try:
            yield _sse(first)
            async for task in snapshots:
                yield _sse(task)
        finally:
            await snapshots.aclose()

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)


def _sse(task: Task) -> bytes:
    return b"data: " + task.model_dump_json().encode() + b"\n\n"


async def _task_command(verb: str, task_id: int, user: RequestContext, services: OpsServices) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        task: Task = await getattr(services.tasks, verb)(task_id, user_id=user.user_id, everyone=user.is_admin)
    except AyaError as exc:
        await _audit(services, user, f"api:{verb}", {"task_id": task_id}, "refused", exc.message, started, task_id)
        raise
    await _audit(services, user, f"api:{verb}", {"task_id": task_id}, "ok", task.state, started, task.id)
    return task.model_dump(mode="json")


@router.post(
    "/api/tasks/{task_id}/cancel",
    summary="Cancel a waiting, queued or running task",
    responses={202: {"description": "Another worker runs the task: the cancel was handed over to it"}},
)
async def cancel_task(task_id: TaskId, user: StaffDep, services: OpsDep, response: Response) -> dict[str, Any]:
    task = await _task_command("cancel", task_id, user, services)
    if task["cancel_requested"]:  # handed over to the worker running it (200: done here)
        response.status_code = 202
    return task


@router.post("/api/tasks/{task_id}/retry", status_code=201, summary="Run a failed or cancelled task again")
async def retry_task(task_id: TaskId, user: StaffDep, services: OpsDep) -> dict[str, Any]:
    return await _task_command("retry", task_id, user, services)


@router.post("/api/tasks/{task_id}/approve", summary="Approve a task with side effects")
async def approve_task(task_id: TaskId, user: StaffDep, services: OpsDep) -> dict[str, Any]:
    return await _task_command("approve", task_id, user, services)


@router.post("/api/tasks/{task_id}/deny", summary="Deny a task with side effects")
async def deny_task(task_id: TaskId, user: StaffDep, services: OpsDep) -> dict[str, Any]:
    return await _task_command("deny", task_id, user, services)


@router.get("/api/ops/audit", summary="The audit log of Aya Ops (admins)")
async def audit_log(
    user: StaffDep,
    services: OpsDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[int | None, Query(ge=1, le=MAX_TASK_ID)] = None,
) -> dict[str, list[AuditEntry]]:
    require_role(user, "admin", "the audit log")
    return {"entries": await services.audit.list(limit=limit, before=before)}


async def _audit(
    services: OpsServices,
    user: RequestContext,
    tool: str,
    arguments: Any,
    outcome: str,
    result: str,
    started: float,
    task_id: int | None = None,
) -> None:
    await services.audit.record(
        user_id=user.user_id,
        role=user.role,
        tool=tool,
        arguments=arguments if isinstance(arguments, dict) else {"body": str(arguments)[:500]},
        outcome=outcome,
        result=result,
        duration_ms=(time.perf_counter() - started) * 1000,
        task_id=task_id,
    )


# --- insights -----------------------------------------------------------------------------------------------------
async def shopper_insights(resources: Resources, days: int) -> dict[str, Any]:
    """Aggregates over the shop's threads of the last ``days`` (every user; only counts leave this function)."""
    store = resources.chat_store
    db = getattr(store, "db", None)
    if db is None:
        raise NotConfigured("store insights need the chat store")
    since = datetime.now(UTC) - timedelta(days=days)
    threads: dict[str, ThreadSample] = {}
    for thread_id, data in await db.fetch("SELECT id, data FROM threads"):
        thread = _THREAD.validate_json(data) if isinstance(data, str) else _THREAD.validate_python(data)
        created = thread.created_at if thread.created_at.tzinfo else thread.created_at.replace(tzinfo=UTC)
        if created >= since and thread.metadata.get(ASSISTANT_KEY, DEFAULT_ASSISTANT) == DEFAULT_ASSISTANT:
            threads[thread_id] = ThreadSample(user_texts=[], metadata=dict(thread.metadata))
    for thread_id, data in await db.fetch("SELECT thread_id, data FROM items"):
        sample = threads.get(thread_id)
        if sample is None:
            continue
        raw = json.loads(data) if isinstance(data, str) else data
        if raw.get("type") == "user_message":
            text = " ".join(c.get("text", "") for c in raw.get("content", []) if c.get("type") == "input_text")
            sample.user_texts.append(text)
    kinds = [
        kind
        for thread_id, kind, created in await db.fetch("SELECT thread_id, kind, created_at FROM feedback")
        if thread_id in threads and str(created) >= since.isoformat()
    ]
    return aggregate(list(threads.values()), kinds, days)
