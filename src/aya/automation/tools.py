"""Aya Ops' tools (Agents SDK function tools over :class:`~aya.automation.services.OpsServices`).

Every call is audited (who, tool, arguments, outcome, result, duration). Long work becomes a task whose card streams
into the thread and updates in place while the tool follows it (at most ``FOLLOW_S``; the task runs on after that and
the Staff tab keeps showing it). Commands with side effects wait for approval: the card shows Approve/Deny. Refusals
(an unknown command, a hostile argument, a page not allowed) come back to the model as an ``error`` it explains.
Each tool's output is JSON with a ``reply`` sentence (what the offline model says).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from agents import RunContextWrapper, Tool, function_tool
from chatkit.agents import AgentContext
from chatkit.types import ThreadItemDoneEvent, ThreadItemReplacedEvent, ThreadMetadata, ThreadStreamEvent, WidgetItem
from chatkit.widgets import WidgetRoot

from aya.automation.research import research_sources
from aya.automation.services import OpsServices
from aya.automation.starts import AnyStart, BrowseStart, CommandStart, McpStart, TestsStart, plan
from aya.automation.tasks import Task
from aya.automation.widgets import describe_task, insights_widget, task_widget
from aya.core.context import RequestContext
from aya.core.errors import AyaError, BadRequest, NotConfigured

FOLLOW_S = 60.0
HANDOVER_WAIT_S = 10.0  # a cancel handed over to another worker: how long a reply waits to say it stopped
UPDATE_INTERVAL_S = 0.25  # each update of a card is one saved item


@dataclass
class OpsRunContext:
    services: OpsServices
    chat: AgentContext[Any]
    user: RequestContext
    follow_s: float = FOLLOW_S  # how long a tool follows its task before answering (the task runs on)

    @property
    def everyone(self) -> bool:
        return self.user.is_admin


Ctx = RunContextWrapper[OpsRunContext]


async def audited(
    ctx: OpsRunContext, tool: str, arguments: dict[str, Any], work: Callable[[], Awaitable[dict[str, Any]]]
) -> str:
    started = time.perf_counter()
    try:
        out = await work()
        outcome = str(out.pop("_outcome", "ok"))
    except AyaError as exc:
        out = {"error": exc.message, "reply": f"I can't do that: {exc.message}"}
        outcome = "refused"
    await ctx.services.audit.record(
        user_id=ctx.user.user_id,
        role=ctx.user.role,
        tool=tool,
        arguments=arguments,
        outcome=outcome,
        result=str(out.get("reply") or out.get("error") or ""),
        duration_ms=(time.perf_counter() - started) * 1000,
        task_id=out.get("task_id"),
    )
    return json.dumps(out, default=str)


async def task_cards(
    services: OpsServices, task: Task, *, limit_s: float = FOLLOW_S, last: list[Task] | None = None
) -> AsyncGenerator[WidgetRoot, None]:
    """The task's card, again after every change (at most every ``UPDATE_INTERVAL_S``), until the task ends, waits
    for approval, or ``limit_s`` passes. ``last`` receives the newest snapshot."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    snapshots = services.tasks.watch(task.id, user_id=task.owner, everyone=True)
    try:
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            try:
                snapshot = await asyncio.wait_for(anext(snapshots), remaining)
            except (StopAsyncIteration, TimeoutError):
                return
            if last is not None:
                last[:] = [snapshot]
            yield task_widget(snapshot)
            if snapshot.done or snapshot.state == "awaiting_approval":
                return
            await asyncio.sleep(UPDATE_INTERVAL_S)
    finally:
        await snapshots.aclose()


def new_card(store: Any, thread: ThreadMetadata, context: RequestContext, task: Task) -> WidgetItem:
    return WidgetItem(
        id=store.generate_item_id("message", thread, context),
        thread_id=thread.id,
        created_at=datetime.now(),
        widget=task_widget(task),
        copy_text=f"Task {task.id}: {task.title}",
    )


async def card_events(
    services: OpsServices, task: Task, card: WidgetItem, *, limit_s: float = FOLLOW_S, last: list[Task] | None = None
) -> AsyncGenerator[ThreadStreamEvent, None]:
    """The task's card, saved at once (so its buttons work while the task runs, and a reload shows it), then
    replaced in place after every change until the task ends, waits for approval, or ``limit_s`` passes."""
    yield ThreadItemDoneEvent(item=card)
    first = True
    async for widget in task_cards(services, task, limit_s=limit_s, last=last):
        if first:  # the card above already shows this snapshot
            first = False
            continue
        yield ThreadItemReplacedEvent(item=card.model_copy(update={"widget": widget}))


async def follow(ctx: OpsRunContext, task: Task, *, limit_s: float | None = None) -> Task:
    """Put the task's card in the thread and keep it up to date until the task ends (or ``limit_s``, by default the
    context's ``follow_s``, passes)."""
    limit_s = ctx.follow_s if limit_s is None else limit_s
    last = [task]
    card = new_card(ctx.chat.store, ctx.chat.thread, ctx.user, task)
    async for event in card_events(ctx.services, task, card, limit_s=limit_s, last=last):
        await ctx.chat.stream(event)
    return last[0]


async def settled(services: OpsServices, task: Task, *, user_id: str, everyone: bool) -> Task:
    """After a cancel handed over to the worker running the task: the task once it stopped there, or as it is after
    :data:`HANDOVER_WAIT_S`."""
    if task.done:
        return task
    try:
        async with asyncio.timeout(HANDOVER_WAIT_S):
            async for snapshot in services.tasks.watch(task.id, user_id=user_id, everyone=everyone):
                task = snapshot
    except TimeoutError:
        pass
    return task


def task_reply(task: Task) -> dict[str, Any]:
    line = describe_task(task)
    if task.state == "awaiting_approval":
        line += ". It has side effects: approve or deny it on the card."
    elif not task.done and task.cancel_requested:
        line += ". Another server process runs it: it was asked to stop it; ask me for its status in a moment."
    elif not task.done:
        line += ". It keeps running; ask me for its status or watch it in the Staff tab."
    return {"task_id": task.id, "state": task.state, "reply": line, "_outcome": task.state}


async def start_task(ctx: OpsRunContext, start: AnyStart) -> dict[str, Any]:
    p = plan(ctx.services, start, base_url=ctx.user.base_url, is_admin=ctx.user.is_admin)
    task = await ctx.services.tasks.submit(
        ctx.user.user_id, p.kind, p.title, p.args, approval=p.approval, thread_id=ctx.chat.thread.id
    )
    return task_reply(await follow(ctx, task))


@function_tool
async def run_command(ctx: Ctx, command: str, arguments: list[str]) -> str:
    """Run one of the store's allow-listed commands (such as catalog_stats, ingest with a file, pytest with a path).

    Args:
        command: the command's name from the allow-list.
        arguments: its arguments in order (a file or path relative to the work directory), or an empty list.
    """
    c = ctx.context
    start = CommandStart(kind="command", command=command[:64], arguments=arguments[:8])
    return await audited(c, "run_command", {"command": command, "arguments": arguments}, lambda: start_task(c, start))


@function_tool
async def run_tests(ctx: Ctx, paths: list[str]) -> str:
    """Run the store's test suite (or some of its configured paths) and summarize passed, failed and skipped tests.

    Args:
        paths: test paths to run (subsets of the configured ones), or an empty list for all of them.
    """
    c = ctx.context
    start = TestsStart(kind="tests", paths=paths[:20])
    return await audited(c, "run_tests", {"paths": paths}, lambda: start_task(c, start))


@function_tool
async def browse(ctx: Ctx, url: str) -> str:
    """Open an allow-listed web page ("/" is the store's own home page): a screenshot in the chat, its title, text
    and links.

    Args:
        url: the page's http(s) URL, or a path on the store's own site.
    """
    c = ctx.context

    async def work() -> dict[str, Any]:
        out = await start_task(c, BrowseStart(kind="browse", url=url[:2000]))
        task = await c.services.tasks.get(out["task_id"], user_id=c.user.user_id, everyone=True)
        if task.result:
            out["page"] = {k: task.result.get(k) for k in ("title", "text", "links", "status")}
        return out

    return await audited(c, "browse", {"url": url}, work)


@function_tool
async def manage_mcp_server(ctx: Ctx, action: Literal["enable", "disable", "reconnect"], server: str) -> str:
    """Enable, disable or reconnect one of the external MCP servers (admins; enabling and disabling wait for an
    approval on the card).

    Args:
        action: enable, disable or reconnect.
        server: the server's name as list_mcp_servers shows it.
    """
    c = ctx.context

    async def work() -> dict[str, Any]:
        return await start_task(c, McpStart(kind="mcp", action=action, server=server))

    return await audited(c, "manage_mcp_server", {"action": action, "server": server}, work)


@function_tool
async def list_tasks(ctx: Ctx) -> str:
    """List the newest tasks (yours; an admin sees everyone's) with their state and progress."""
    c = ctx.context

    async def work() -> dict[str, Any]:
        tasks = await c.services.tasks.list(user_id=c.user.user_id, everyone=c.everyone, limit=10)
        lines = [describe_task(t) for t in tasks]
        reply = "\n".join(f"- {line}" for line in lines) if lines else "There are no tasks yet."
        return {"tasks": [t.model_dump(mode="json", exclude={"log", "result"}) for t in tasks], "reply": reply}

    return await audited(c, "list_tasks", {}, work)


def _task_tool(name: str, verb: str, doc: str) -> Tool:
    async def tool(ctx: Ctx, task_id: int) -> str:
        c = ctx.context

        async def work() -> dict[str, Any]:
            method = getattr(c.services.tasks, verb)
            task: Task = await method(task_id, user_id=c.user.user_id, everyone=c.everyone)
            if verb == "cancel":
                task = await settled(c.services, task, user_id=c.user.user_id, everyone=c.everyone)
            if verb == "retry":
                return await _follow_reply(c, task)
            out = task_reply(task)
            out["_outcome"] = "ok"
            return out

        return await audited(c, name, {"task_id": task_id}, work)

    tool.__name__ = name
    tool.__doc__ = f"{doc}\n\nArgs:\n    task_id: the task's number."
    return function_tool(tool)


async def _follow_reply(c: OpsRunContext, task: Task) -> dict[str, Any]:
    return task_reply(await follow(c, task))


cancel_task = _task_tool("cancel_task", "cancel", "Cancel a waiting, queued or running task.")
retry_task = _task_tool("retry_task", "retry", "Run a failed or cancelled task again (as a new task).")
task_status = _task_tool("task_status", "get", "Show one task's state, progress and result.")


@function_tool
async def research(ctx: Ctx, question: str) -> str:
    """Answer from the store's own sources with citations: the catalog, the folder of store documents (Markdown,
    CSV, text, PDF by page) and, when browsing is on, the allow-listed research pages (by URL).

    Args:
        question: what to look up.
    """
    c = ctx.context

    async def work() -> dict[str, Any]:
        sources = await research_sources(c.services, question)
        found, unavailable = sources["citations"], sources["unavailable"]
        missing = "".join(f"\n(could not read {u['url']}: {u['reason']})" for u in unavailable)
        if not found:
            reply = f"I found nothing about {question!r} in the catalog, store documents or research pages."
            return {"citations": [], "unavailable": unavailable, "reply": reply + missing}
        lines = [f"[{i}] {s['excerpt']} — {s['source']}" for i, s in enumerate(found, start=1)]
        reply = f"From our sources about {question!r}:\n" + "\n".join(lines) + missing
        return {"citations": found, "unavailable": unavailable, "reply": reply}

    return await audited(c, "research", {"question": question}, work)


@function_tool
async def store_insights(ctx: Ctx, days: int) -> str:
    """What shoppers asked for over the last days, as aggregates only: top needs, searches that found nothing or
    needed relaxing, thumbs up and down.

    Args:
        days: the period, in days (7 for "this week").
    """
    c = ctx.context

    async def work() -> dict[str, Any]:
        if c.services.insights is None:
            raise NotConfigured("store insights need the chat store")
        if not 1 <= days <= 366:
            raise BadRequest("days must be between 1 and 366", field="days")
        data = await c.services.insights(days)
        needs = [(k, v) for k, v in data["top_needs"]][:8]
        await c.chat.stream_widget(insights_widget(f"Top shopper needs · last {days} days", needs))
        reply = (
            f"In the last {days} days: {data['threads']} conversations, {data['messages']} shopper messages; "
            f"top needs: {', '.join(f'{k} ({v})' for k, v in needs) or 'none'}; "
            f"searches with no results: {data['empty_searches']}, relaxed: {data['relaxed_searches']}; "
            f"feedback: {data['thumbs_up']} up, {data['thumbs_down']} down."
        )
        return {**data, "reply": reply}

    return await audited(c, "store_insights", {"days": days}, work)


def ops_tools(services: OpsServices) -> list[Tool]:
    """The tools this server offers (commands and browsing only when turned on)."""
    tools: list[Tool] = [run_tests, list_tasks, cancel_task, retry_task, task_status, research, store_insights]
    if services.mcp_registry is not None:
        tools.append(manage_mcp_server)
    if services.settings.ops_allow_cli:
        tools.insert(0, run_command)
    if services.settings.ops_browse:
        tools.insert(0, browse)
    return tools
