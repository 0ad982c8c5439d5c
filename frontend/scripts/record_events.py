"""Record ChatKit event streams for the web client's unit tests (``frontend/src/chatkit/__fixtures__``).

Two sources, both written as raw SSE bodies exactly as the server sends them (``data: {json}\\n\\n``):

- ``--real`` (default): the real app (``create_app``) with its lifespan, the offline model and a small sample catalog
  in a temporary data dir, driven over HTTP (httpx ASGI transport): a multi-turn conversation, a card action, a
  retry, plus the JSON answers of ``threads.list`` / ``threads.get_by_id``.
- ``--synthetic``: one stream per event family built from the SDK's own Pydantic types and serialized like
  ``ChatKitServer._serialize`` (widget streaming deltas via the SDK's ``diff_widget``, item replaced/removed, notices,
  client effects, errors, workflow tasks, generated images…), for the events the offline model never sends.

Run from the repository root: ``.venv/bin/python frontend/scripts/record_events.py [--real] [--synthetic]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "src" / "chatkit" / "__fixtures__"
USER = {"user-id": "dev_recorder", "username": "Sam"}
CREATED = datetime(2026, 1, 2, 3, 4, 5)


def _sse(events: Sequence[Any]) -> str:
    """Serialize like ``ChatKitServer._process_streaming``."""
    return "".join(
        "data: " + e.model_dump_json(by_alias=True, exclude_none=True, context={"exclude_metadata": True}) + "\n\n"
        for e in events
    )


# --- synthetic -----------------------------------------------------------------------------------------------------
def sdk_event_types() -> str:
    """Every ``ThreadStreamEvent`` and ``ThreadItemUpdate`` type the installed SDK defines (the tests check the
    client handles each)."""
    import typing

    from chatkit import types as t

    def literals(union: Any) -> list[str]:
        members = typing.get_args(typing.get_args(union)[0]) if typing.get_origin(union) is typing.Annotated else None
        members = members or typing.get_args(union)
        return sorted(m.model_fields["type"].default for m in members)

    return json.dumps(
        {"stream_events": literals(t.ThreadStreamEvent), "item_updates": literals(t.ThreadItemUpdate)}, indent=2
    )


def synthetic() -> dict[str, str]:
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)  # the SDK's named widget classes: fine here
    from chatkit import types as t
    from chatkit.server import diff_widget
    from chatkit.widgets import Badge, Button, Card, Col, Image, ListView, ListViewItem, Markdown, Row, Text, Title

    thread = t.Thread(id="thr_syn", title=None, created_at=CREATED, items=t.Page())
    user = t.UserMessageItem(
        id="msg_u1",
        thread_id="thr_syn",
        created_at=CREATED,
        content=[t.UserMessageTextContent(text="food for my senior cat")],
        inference_options=t.InferenceOptions(),
    )
    assistant = t.AssistantMessageItem(id="msg_a1", thread_id="thr_syn", created_at=CREATED, content=[])
    text = "Here are **two** picks."
    source = t.Annotation(source=t.URLSource(title="Catalog", url="https://example.test/p1"))
    final_content = t.AssistantMessageContent(text=text, annotations=[source])
    deltas = ["Here are ", "**two**", " picks."]

    def card(description: str, streaming: bool) -> Card:
        return Card(
            id="card_1",
            children=[
                Row(
                    children=[
                        Image(src="https://example.test/p1.jpg", alt="Salmon Senior", size=64),
                        Col(
                            children=[
                                Title(value="Salmon Senior Cat Food", size="sm"),
                                Text(id="desc", value=description, streaming=streaming),
                                Row(children=[Badge(label="grain free", color="success"), Badge(label="$24.99")]),
                            ]
                        ),
                    ]
                ),
                Button(
                    label="Details",
                    onClickAction={"type": "product.details", "payload": {"product_id": "p1"}},
                ),
            ],
        )

    before, middle, after = card("Gentle", True), card("Gentle on", True), card("Gentle on kidneys.", False)
    widget_updates = [*diff_widget(before, middle), *diff_widget(middle, after)]
    root_update = ListView(
        children=[
            ListViewItem(children=[Text(value="Salmon Senior")]),
            ListViewItem(children=[Markdown(value="*Tuna*")]),
        ]
    )

    conversation = [
        t.ThreadCreatedEvent(thread=thread),
        t.ThreadItemDoneEvent(item=user),
        t.StreamOptionsEvent(stream_options=t.StreamOptions(allow_cancel=True)),
        t.ProgressUpdateEvent(text="Searching senior cat food…", icon="search"),
        t.ThreadItemAddedEvent(item=assistant),
        t.ThreadItemUpdatedEvent(
            item_id="msg_a1",
            update=t.AssistantMessageContentPartAdded(content_index=0, content=t.AssistantMessageContent(text="")),
        ),
        *[
            t.ThreadItemUpdatedEvent(
                item_id="msg_a1", update=t.AssistantMessageContentPartTextDelta(content_index=0, delta=d)
            )
            for d in deltas
        ],
        t.ThreadItemUpdatedEvent(
            item_id="msg_a1",
            update=t.AssistantMessageContentPartAnnotationAdded(
                content_index=0,
                annotation_index=0,
                annotation=source,
            ),
        ),
        t.ThreadItemUpdatedEvent(
            item_id="msg_a1", update=t.AssistantMessageContentPartDone(content_index=0, content=final_content)
        ),
        t.ThreadItemDoneEvent(item=assistant.model_copy(update={"content": [final_content]})),
        t.ThreadItemAddedEvent(item=t.WidgetItem(id="wid_1", thread_id="thr_syn", created_at=CREATED, widget=before)),
        *[t.ThreadItemUpdatedEvent(item_id="wid_1", update=u) for u in widget_updates],
        t.ThreadItemUpdatedEvent(
            item_id="wid_1",
            update=t.WidgetComponentUpdated(component_id="desc", component=Text(id="desc", value="Kidney care.")),
        ),
        t.ThreadItemDoneEvent(
            item=t.WidgetItem(
                id="wid_1", thread_id="thr_syn", created_at=CREATED, widget=after, copy_text="Salmon Senior Cat Food"
            )
        ),
        t.ThreadItemAddedEvent(item=t.WidgetItem(id="wid_2", thread_id="thr_syn", created_at=CREATED, widget=before)),
        t.ThreadItemUpdatedEvent(item_id="wid_2", update=t.WidgetRootUpdated(widget=root_update)),
        t.ThreadUpdatedEvent(thread=thread.model_copy(update={"title": "Senior cat food"})),
    ]

    workflow = t.WorkflowItem(
        id="wf_1", thread_id="thr_syn", created_at=CREATED, workflow=t.Workflow(type="custom", tasks=[])
    )
    image = t.GeneratedImageItem(id="img_1", thread_id="thr_syn", created_at=CREATED)
    misc = [
        t.StreamOptionsEvent(stream_options=t.StreamOptions(allow_cancel=False)),
        t.ThreadItemAddedEvent(item=workflow),
        t.ThreadItemUpdatedEvent(
            item_id="wf_1", update=t.WorkflowTaskAdded(task_index=0, task=t.CustomTask(title="Search", content="…"))
        ),
        t.ThreadItemUpdatedEvent(
            item_id="wf_1",
            update=t.WorkflowTaskUpdated(
                task_index=0, task=t.CustomTask(title="Search", content="done", status_indicator="complete")
            ),
        ),
        t.ThreadItemDoneEvent(
            item=workflow.model_copy(
                update={
                    "workflow": t.Workflow(
                        type="custom",
                        tasks=[t.CustomTask(title="Search", content="done", status_indicator="complete")],
                        summary=t.CustomSummary(title="Searched the catalog"),
                    )
                }
            )
        ),
        t.ThreadItemAddedEvent(item=image),
        t.ThreadItemUpdatedEvent(
            item_id="img_1",
            update=t.GeneratedImageUpdated(
                image=t.GeneratedImage(id="gi_1", url="https://example.test/i.png"), progress=0.5
            ),
        ),
        t.ThreadItemReplacedEvent(
            item=t.AssistantMessageItem(
                id="msg_a1",
                thread_id="thr_syn",
                created_at=CREATED,
                content=[t.AssistantMessageContent(text="Replaced.")],
            )
        ),
        t.ThreadItemRemovedEvent(item_id="wid_2"),
        t.ClientEffectEvent(name="open_url", data={"url": "https://example.test/p1"}),
        t.NoticeEvent(level="warning", message="Prices may have **changed**.", title="Heads up"),
        t.ErrorEvent(code=t.ErrorCode.STREAM_ERROR, allow_retry=True),
    ]
    return {
        "synthetic_conversation.sse": _sse(conversation),
        "synthetic_misc.sse": _sse(misc),
        "sdk_event_types.json": sdk_event_types() + "\n",
    }


# --- real ----------------------------------------------------------------------------------------------------------
@asynccontextmanager
async def _app(data_dir: Path) -> AsyncIterator[Any]:
    import httpx

    from aya.core.settings import Settings
    from aya.web.app import create_app

    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://aya.test", headers=USER) as client:
            yield client


async def _catalog(data_dir: Path, n: int) -> None:
    from aya.catalog.sample import generate_sample_catalog
    from aya.core.settings import Settings
    from aya.search.factory import open_search
    from aya.search.ingest import ingest_products

    settings = Settings(data_dir=data_dir, embedder="none", _env_file=None)  # type: ignore[call-arg]
    search = await open_search(settings)
    try:
        await ingest_products(search, generate_sample_catalog(n, 7), embed=False)
    finally:
        await search.aclose()


async def _stream(client: Any, request: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    response = await client.post("/chatkit", json=request)
    response.raise_for_status()
    body = response.text
    events = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]
    return body, events


def _message(text: str) -> dict[str, Any]:
    return {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}


def _first_action(events: list[dict[str, Any]]) -> tuple[str, dict[str, Any]] | None:
    """The first server action of a widget in the events: (item id, action)."""

    def walk(node: Any) -> dict[str, Any] | None:
        if isinstance(node, dict):
            action = node.get("onClickAction")
            if isinstance(action, dict) and action.get("handler", "server") == "server":
                return action
            for value in node.values():
                found = walk(value)
                if found:
                    return found
        elif isinstance(node, list):
            for value in node:
                found = walk(value)
                if found:
                    return found
        return None

    for event in events:
        item = event.get("item") or {}
        if event.get("type") == "thread.item.done" and item.get("type") == "widget":
            action = walk(item["widget"])
            if action:
                return item["id"], action
    return None


async def real(n: int) -> dict[str, str]:
    out: dict[str, str] = {}
    tmp = Path(tempfile.mkdtemp(prefix="aya-record-"))
    try:
        await _catalog(tmp, n)
        async with _app(tmp) as client:
            body, events = await _stream(
                client, {"type": "threads.create", "params": {"input": _message("Hi! I need food for my cat")}}
            )
            out["real_turn1_create.sse"] = body
            thread_id = next(e["thread"]["id"] for e in events if e["type"] == "thread.created")
            turns = [
                ("real_turn2_products.sse", "She is 12 years old and has kidney problems, dry food please"),
                ("real_turn3_followup.sse", "something cheaper?"),
                ("real_turn4_compare.sse", "compare the first two"),
            ]
            product_events: list[dict[str, Any]] = []
            for name, text in turns:
                body, events = await _stream(
                    client,
                    {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": _message(text)}},
                )
                out[name] = body
                product_events = product_events or events
            found = _first_action(product_events)
            if found:
                item_id, action = found
                body, _ = await _stream(
                    client,
                    {
                        "type": "threads.custom_action",
                        "params": {
                            "thread_id": thread_id,
                            "item_id": item_id,
                            "action": {"type": action["type"], "payload": action.get("payload")},
                        },
                    },
                )
                out["real_action.sse"] = body
            listed = await client.post("/chatkit", json={"type": "threads.list", "params": {"limit": 10}})
            out["real_threads_list.json"] = listed.text
            thread = await client.post(
                "/chatkit", json={"type": "threads.get_by_id", "params": {"thread_id": thread_id}}
            )
            out["real_thread.json"] = thread.text
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--real", action="store_true", help="record from the real app with the offline model")
    parser.add_argument("--synthetic", action="store_true", help="build streams from the SDK's types")
    parser.add_argument("--catalog-size", type=int, default=300)
    args = parser.parse_args(argv)
    if not args.real and not args.synthetic:
        args.real = args.synthetic = True
    FIXTURES.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    if args.synthetic:
        files.update(synthetic())
    if args.real:
        files.update(asyncio.run(real(args.catalog_size)))
    for name, text in sorted(files.items()):
        (FIXTURES / name).write_text(text, encoding="utf-8")
        print(f"wrote {name} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
