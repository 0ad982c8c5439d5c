"""A small ChatKit-protocol client for the shop's conversation tests: real app, real HTTP semantics (ASGI)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from chatkit.types import ThreadStreamEvent
from pydantic import TypeAdapter

EVENT: TypeAdapter[Any] = TypeAdapter(ThreadStreamEvent)


def _components(node: Any) -> list[dict[str, Any]]:
    """Every component of a widget (as dicts), depth first."""
    out: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        cur = stack.pop(0)
        if isinstance(cur, dict):
            if "type" in cur:
                out.append(cur)
            for value in cur.values():
                if isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(cur, list):
            stack.extend(cur)
    return out


@dataclass
class Reply:
    """What one request streamed back: assistant text, widgets, progress lines, errors."""

    events: list[Any]
    text: str = ""
    widgets: list[dict[str, Any]] = field(default_factory=list)
    widget_item_ids: list[str] = field(default_factory=list)
    progress: list[str] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)

    @property
    def widget_kind(self) -> str:
        for w in self.widgets:
            if w.get("key") == "products":
                return "products"
            if w.get("key") == "comparison":
                return "comparison"
            if str(w.get("id", "")).startswith("details-"):
                return "details"
        return "none"

    @property
    def product_ids(self) -> list[str]:
        """Product ids on the cards, in display order (product lists, details and comparison)."""
        ids: list[str] = []
        for w in self.widgets:
            if w.get("key") == "comparison":
                header = w["children"][1]
                ids += [c["key"] for c in header["children"] if c.get("key")]
            elif str(w.get("id", "")).startswith("details-"):
                ids.append(w["key"])
            else:
                ids += [c["key"] for c in _components(w) if str(c.get("id", "")).startswith("product-")]
        return ids


class ShopChat:
    def __init__(self, http: httpx.AsyncClient, user: str = "shopper", username: str | None = None) -> None:
        self.http = http
        self.user = user
        self.username = username
        self.thread_id: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        h = {"user-id": self.user, "session-id": f"ses-{self.user}", "content-type": "application/json"}
        if self.username:
            h["username"] = self.username
        return h

    async def request(self, body: dict[str, Any]) -> Reply:
        response = await self.http.post("/chatkit", content=json.dumps(body), headers=self.headers)
        assert response.status_code == 200, response.text
        events = [EVENT.validate_json(b[6:]) for b in response.text.split("\n\n") if b.startswith("data: ")]
        reply = Reply(events=events)
        texts: list[str] = []
        for e in events:
            if e.type == "thread.created":
                self.thread_id = e.thread.id
            elif e.type == "progress_update":
                reply.progress.append(e.text)
            elif e.type == "error":
                reply.errors.append(e)
            elif e.type == "thread.item.done" and e.item.type == "assistant_message":
                texts.append("".join(c.text for c in e.item.content))
            elif e.type == "thread.item.done" and e.item.type == "widget":
                reply.widgets.append(e.item.widget.model_dump(mode="json", exclude_none=True))
                reply.widget_item_ids.append(e.item.id)
        reply.text = "\n".join(texts)
        return reply

    async def say(self, text: str) -> Reply:
        message = {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}
        if self.thread_id is None:
            return await self.request({"type": "threads.create", "params": {"input": message}})
        return await self.request(
            {"type": "threads.add_user_message", "params": {"thread_id": self.thread_id, "input": message}}
        )

    async def act(self, action_type: str, payload: dict[str, Any], item_id: str | None = None) -> Reply:
        assert self.thread_id is not None
        params: dict[str, Any] = {"thread_id": self.thread_id, "action": {"type": action_type, "payload": payload}}
        if item_id is not None:
            params["item_id"] = item_id
        return await self.request({"type": "threads.custom_action", "params": params})

    async def thread(self) -> Any:
        response = await self.http.post(
            "/chatkit",
            content=json.dumps({"type": "threads.get_by_id", "params": {"thread_id": self.thread_id}}),
            headers=self.headers,
        )
        assert response.status_code == 200, response.text
        return response.json()
