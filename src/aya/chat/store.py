"""The chat store interface: the SDK's ``Store`` plus what Aya needs on top (feedback, per-user export and erasure).

Every method takes the caller's :class:`RequestContext` and is scoped by ``context.user_id``: another user's thread,
item, feedback or attachment is indistinguishable from one that does not exist (``NotFoundError``). Ids are Aya's
prefixed, time-sortable ids (``thr_…``, ``msg_…``, ``atc_…``).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, Literal

from chatkit.store import NotFoundError, Store, StoreItemType
from chatkit.types import Attachment, ThreadMetadata

from aya.core.context import RequestContext
from aya.core.ids import new_id

__all__ = ["AyaStore", "FeedbackKind", "NotFoundError"]

FeedbackKind = Literal["positive", "negative"]

_PREFIXES: dict[str, str] = {
    "thread": "thr",
    "message": "msg",
    "tool_call": "tc",
    "task": "tsk",
    "workflow": "wf",
    "attachment": "atc",
    "sdk_hidden_context": "shcx",
}


class AyaStore(Store[RequestContext]):
    """``chatkit.store.Store`` for ``RequestContext`` with Aya's extras. Implemented by ``SqlStore``."""

    def generate_thread_id(self, context: RequestContext) -> str:
        return new_id("thr")

    def generate_item_id(self, item_type: StoreItemType, thread: ThreadMetadata, context: RequestContext) -> str:
        return new_id(_PREFIXES.get(item_type, "itm"))

    @abstractmethod
    async def add_feedback(
        self, thread_id: str, item_ids: list[str], kind: FeedbackKind, context: RequestContext
    ) -> None:
        """Record (or change) the user's feedback on items of their thread; unknown thread or item: NotFoundError."""

    @abstractmethod
    async def load_feedback(self, thread_id: str, context: RequestContext) -> dict[str, FeedbackKind]:
        """The user's feedback on a thread's items, by item id."""

    @abstractmethod
    async def thread_attachments(self, thread_id: str, context: RequestContext) -> list[Attachment]:
        """Attachments saved with the thread (deleted with it)."""

    @abstractmethod
    async def unattached_attachments(self) -> list[tuple[str, Attachment]]:
        """``(user id, attachment)`` of every user's attachments that no message uses yet (for clean-up)."""

    @abstractmethod
    async def attachment_owner(self, attachment_id: str) -> str | None:
        """The user id owning an attachment (for signed links, which carry no user id), or ``None``."""

    @abstractmethod
    async def export_user_data(self, context: RequestContext) -> dict[str, Any]:
        """Everything stored for the user, as JSON-ready data."""

    @abstractmethod
    async def delete_user_data(self, context: RequestContext) -> dict[str, int]:
        """Erase everything stored for the user; counts of deleted rows by kind."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections."""
