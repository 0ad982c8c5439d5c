"""``SqlStore``: every ``AyaStore`` method written once over a small ``Database`` driver (SQLite or PostgreSQL).

Rows are ``(id, thread_id, user_id, seq, data)`` with the wire object stored as JSON in ``data``; ``seq`` is the
insertion order used for pagination (cursor = the id of the last row of the previous page). Every statement carries
``user_id`` so nothing crosses users. SQL uses ``?`` placeholders and ``{J}`` for a JSON parameter; drivers translate.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from chatkit.types import Attachment, Page, ThreadItem, ThreadMetadata
from pydantic import TypeAdapter

from aya.chat.store import AyaStore, FeedbackKind, NotFoundError
from aya.core.context import RequestContext
from aya.core.errors import BadRequest

Statement = tuple[str, Sequence[Any]]

_THREAD = TypeAdapter(ThreadMetadata)
_ITEM: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)
_ATTACHMENT: TypeAdapter[Attachment] = TypeAdapter(Attachment)
MAX_PAGE = 200


class Database(Protocol):
    """What ``SqlStore`` needs from a driver. ``transaction`` runs statements atomically and returns row counts."""

    dialect: Literal["sqlite", "postgres"]

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]: ...

    async def transaction(self, statements: Sequence[Statement]) -> list[int]: ...

    async def close(self) -> None: ...


def _thread_json(thread: ThreadMetadata) -> str:
    # A full ``Thread`` (with items) may be passed by the SDK; only the metadata is stored.
    return thread.model_dump_json(exclude={"items"})


def _order(order: str) -> Literal["asc", "desc"]:
    if order not in ("asc", "desc"):
        raise BadRequest("order must be 'asc' or 'desc'", field="order")
    return "asc" if order == "asc" else "desc"


def _limit(limit: int) -> int:
    if limit < 1:
        raise BadRequest("limit must be at least 1", field="limit")
    return min(limit, MAX_PAGE)


class SqlStore(AyaStore):
    def __init__(self, db: Database) -> None:
        self.db = db
        self._json = "?::jsonb" if db.dialect == "postgres" else "?"

    def _sql(self, sql: str) -> str:
        return sql.replace("{J}", self._json)

    async def _one(self, sql: str, *args: Any) -> Any:
        rows = await self.db.fetch(sql, *args)
        return rows[0][0] if rows else None

    async def _write(self, sql: str, *args: Any) -> int:
        return (await self.db.transaction([(self._sql(sql), args)]))[0]

    # --- threads ---------------------------------------------------------------------------------------------------
    async def load_thread(self, thread_id: str, context: RequestContext) -> ThreadMetadata:
        data = await self._one("SELECT data FROM threads WHERE id = ? AND user_id = ?", thread_id, context.user_id)
        if data is None:
            raise NotFoundError(f"thread {thread_id} not found")
        return _THREAD.validate_json(data)

    async def save_thread(self, thread: ThreadMetadata, context: RequestContext) -> None:
        count = await self._write(
            "INSERT INTO threads (id, user_id, data) VALUES (?, ?, {J}) "
            "ON CONFLICT (id) DO UPDATE SET data = excluded.data WHERE threads.user_id = excluded.user_id",
            thread.id,
            context.user_id,
            _thread_json(thread),
        )
        if count == 0:
            raise NotFoundError(f"thread {thread.id} not found")

    async def load_threads(
        self, limit: int, after: str | None, order: str, context: RequestContext
    ) -> Page[ThreadMetadata]:
        direction, limit = _order(order), _limit(limit)
        args: list[Any] = [context.user_id]
        where = "user_id = ?"
        if after:
            anchor = await self._one("SELECT seq FROM threads WHERE id = ? AND user_id = ?", after, context.user_id)
            if anchor is None:
                raise BadRequest(f"unknown cursor {after!r}: not a thread of this user", field="after")
            where += " AND seq > ?" if direction == "asc" else " AND seq < ?"
            args.append(anchor)
        rows = await self.db.fetch(
            f"SELECT data FROM threads WHERE {where} ORDER BY seq {direction.upper()} LIMIT ?", *args, limit + 1
        )
        threads = [_THREAD.validate_json(row[0]) for row in rows[:limit]]
        has_more = len(rows) > limit
        return Page(data=threads, has_more=has_more, after=threads[-1].id if has_more and threads else None)

    async def delete_thread(self, thread_id: str, context: RequestContext) -> None:
        uid = context.user_id
        counts = await self.db.transaction(
            [
                ("DELETE FROM feedback WHERE thread_id = ? AND user_id = ?", (thread_id, uid)),
                ("DELETE FROM items WHERE thread_id = ? AND user_id = ?", (thread_id, uid)),
                ("DELETE FROM attachments WHERE thread_id = ? AND user_id = ?", (thread_id, uid)),
                ("DELETE FROM threads WHERE id = ? AND user_id = ?", (thread_id, uid)),
            ]
        )
        if counts[-1] == 0:
            raise NotFoundError(f"thread {thread_id} not found")

    # --- items -----------------------------------------------------------------------------------------------------
    async def load_thread_items(
        self, thread_id: str, after: str | None, limit: int, order: str, context: RequestContext
    ) -> Page[ThreadItem]:
        direction, limit = _order(order), _limit(limit)
        args: list[Any] = [thread_id, context.user_id]
        where = "thread_id = ? AND user_id = ?"
        if after:
            anchor = await self._one(
                "SELECT seq FROM items WHERE thread_id = ? AND id = ? AND user_id = ?",
                thread_id,
                after,
                context.user_id,
            )
            if anchor is None:
                await self.load_thread(thread_id, context)  # 404 before 400
                raise BadRequest(f"unknown cursor {after!r}: not an item of this thread", field="after")
            where += " AND seq > ?" if direction == "asc" else " AND seq < ?"
            args.append(anchor)
        rows = await self.db.fetch(
            f"SELECT data FROM items WHERE {where} ORDER BY seq {direction.upper()} LIMIT ?", *args, limit + 1
        )
        if not rows and not after:
            await self.load_thread(thread_id, context)  # an empty page of someone else's thread is a 404
        items = [_ITEM.validate_json(row[0]) for row in rows[:limit]]
        has_more = len(rows) > limit
        return Page(data=items, has_more=has_more, after=items[-1].id if has_more and items else None)

    async def add_thread_item(self, thread_id: str, item: ThreadItem, context: RequestContext) -> None:
        await self.save_item(thread_id, item, context)

    async def save_item(self, thread_id: str, item: ThreadItem, context: RequestContext) -> None:
        uid = context.user_id
        count = await self._write(
            "INSERT INTO items (id, thread_id, user_id, data) "
            "SELECT ?, ?, ?, {J} WHERE EXISTS (SELECT 1 FROM threads WHERE id = ? AND user_id = ?) "
            "ON CONFLICT (thread_id, id) DO UPDATE SET data = excluded.data WHERE items.user_id = excluded.user_id",
            item.id,
            thread_id,
            uid,
            item.model_dump_json(),
            thread_id,
            uid,
        )
        if count == 0:
            raise NotFoundError(f"thread {thread_id} not found")

    async def load_item(self, thread_id: str, item_id: str, context: RequestContext) -> ThreadItem:
        data = await self._one(
            "SELECT data FROM items WHERE thread_id = ? AND id = ? AND user_id = ?", thread_id, item_id, context.user_id
        )
        if data is None:
            raise NotFoundError(f"item {item_id} not found in thread {thread_id}")
        return _ITEM.validate_json(data)

    async def delete_thread_item(self, thread_id: str, item_id: str, context: RequestContext) -> None:
        uid = context.user_id
        await self.db.transaction(
            [
                ("DELETE FROM feedback WHERE thread_id = ? AND item_id = ? AND user_id = ?", (thread_id, item_id, uid)),
                ("DELETE FROM items WHERE thread_id = ? AND id = ? AND user_id = ?", (thread_id, item_id, uid)),
            ]
        )

    # --- attachments -----------------------------------------------------------------------------------------------
    async def save_attachment(self, attachment: Attachment, context: RequestContext) -> None:
        count = await self._write(
            "INSERT INTO attachments (id, user_id, thread_id, data) VALUES (?, ?, ?, {J}) "
            "ON CONFLICT (id) DO UPDATE SET data = excluded.data, thread_id = excluded.thread_id "
            "WHERE attachments.user_id = excluded.user_id",
            attachment.id,
            context.user_id,
            attachment.thread_id,
            attachment.model_dump_json(),
        )
        if count == 0:
            raise NotFoundError(f"attachment {attachment.id} not found")

    async def load_attachment(self, attachment_id: str, context: RequestContext) -> Attachment:
        data = await self._one(
            "SELECT data FROM attachments WHERE id = ? AND user_id = ?", attachment_id, context.user_id
        )
        if data is None:
            raise NotFoundError(f"attachment {attachment_id} not found")
        return _ATTACHMENT.validate_json(data)

    async def delete_attachment(self, attachment_id: str, context: RequestContext) -> None:
        await self._write("DELETE FROM attachments WHERE id = ? AND user_id = ?", attachment_id, context.user_id)

    async def thread_attachments(self, thread_id: str, context: RequestContext) -> list[Attachment]:
        rows = await self.db.fetch(
            "SELECT data FROM attachments WHERE thread_id = ? AND user_id = ?", thread_id, context.user_id
        )
        return [_ATTACHMENT.validate_json(row[0]) for row in rows]

    async def unattached_attachments(self) -> list[tuple[str, Attachment]]:
        rows = await self.db.fetch("SELECT user_id, data FROM attachments WHERE thread_id IS NULL")
        return [(row[0], _ATTACHMENT.validate_json(row[1])) for row in rows]

    async def attachment_owner(self, attachment_id: str) -> str | None:
        owner = await self._one("SELECT user_id FROM attachments WHERE id = ?", attachment_id)
        return str(owner) if owner is not None else None

    # --- feedback --------------------------------------------------------------------------------------------------
    async def add_feedback(
        self, thread_id: str, item_ids: list[str], kind: FeedbackKind, context: RequestContext
    ) -> None:
        uid = context.user_id
        await self.load_thread(thread_id, context)
        known = {
            row[0]
            for row in await self.db.fetch("SELECT id FROM items WHERE thread_id = ? AND user_id = ?", thread_id, uid)
        }
        missing = [item_id for item_id in item_ids if item_id not in known]
        if missing:
            raise NotFoundError(f"item {missing[0]} not found in thread {thread_id}")
        now = datetime.now(UTC).isoformat()
        await self.db.transaction(
            [
                (
                    "INSERT INTO feedback (thread_id, item_id, user_id, kind, created_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (thread_id, item_id, user_id) DO UPDATE SET kind = excluded.kind, "
                    "created_at = excluded.created_at",
                    (thread_id, item_id, uid, kind, now),
                )
                for item_id in dict.fromkeys(item_ids)
            ]
        )

    async def load_feedback(self, thread_id: str, context: RequestContext) -> dict[str, FeedbackKind]:
        rows = await self.db.fetch(
            "SELECT item_id, kind FROM feedback WHERE thread_id = ? AND user_id = ?", thread_id, context.user_id
        )
        return {row[0]: row[1] for row in rows}

    # --- the user's data -------------------------------------------------------------------------------------------
    async def export_user_data(self, context: RequestContext) -> dict[str, Any]:
        uid = context.user_id
        threads = await self.db.fetch("SELECT id, data FROM threads WHERE user_id = ? ORDER BY seq", uid)
        items = await self.db.fetch("SELECT thread_id, data FROM items WHERE user_id = ? ORDER BY seq", uid)
        attachments = await self.db.fetch("SELECT data FROM attachments WHERE user_id = ?", uid)
        feedback = await self.db.fetch(
            "SELECT thread_id, item_id, kind, created_at FROM feedback WHERE user_id = ? ORDER BY created_at", uid
        )
        by_thread: dict[str, list[Any]] = {}
        for thread_id, data in items:
            by_thread.setdefault(thread_id, []).append(_ITEM.validate_json(data).model_dump(mode="json"))
        return {
            "user_id": uid,
            "threads": [
                {**_THREAD.validate_json(data).model_dump(mode="json"), "items": by_thread.get(thread_id, [])}
                for thread_id, data in threads
            ],
            "attachments": [_ATTACHMENT.validate_json(row[0]).model_dump(mode="json") for row in attachments],
            "feedback": [{"thread_id": t, "item_id": i, "kind": k, "created_at": c} for t, i, k, c in feedback],
        }

    async def delete_user_data(self, context: RequestContext) -> dict[str, int]:
        uid = context.user_id
        counts = await self.db.transaction(
            [
                ("DELETE FROM feedback WHERE user_id = ?", (uid,)),
                ("DELETE FROM items WHERE user_id = ?", (uid,)),
                ("DELETE FROM attachments WHERE user_id = ?", (uid,)),
                ("DELETE FROM threads WHERE user_id = ?", (uid,)),
            ]
        )
        return dict(zip(("feedback", "items", "attachments", "threads"), counts, strict=True))

    async def close(self) -> None:
        await self.db.close()
