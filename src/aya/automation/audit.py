"""The audit log: every Aya Ops tool call — who, what, arguments, outcome, a short result, duration — for admins."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from aya.automation.store import Database, dumps
from aya.core.errors import BadRequest


class AuditEntry(BaseModel):
    id: int = 0
    at: datetime
    user_id: str
    role: str
    tool: str
    arguments: dict[str, Any]
    outcome: str  # ok | error | refused | started (a task) | awaiting_approval
    result: str
    duration_ms: float
    task_id: int | None = None


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        *,
        user_id: str,
        role: str,
        tool: str,
        arguments: dict[str, Any],
        outcome: str,
        result: str,
        duration_ms: float,
        task_id: int | None = None,
    ) -> AuditEntry:
        entry = AuditEntry(
            at=datetime.now(UTC),
            user_id=user_id,
            role=role,
            tool=tool,
            arguments=arguments,
            outcome=outcome,
            result=result[:2000],
            duration_ms=round(duration_ms, 3),
            task_id=task_id,
        )
        data = entry.model_dump(mode="json", exclude={"id"})
        entry.id = await self.db.execute(
            "INSERT INTO audit (at, user_id, data) VALUES (?, ?, ?)", data["at"], user_id, dumps(data)
        )
        return entry

    async def list(
        self, *, limit: int = 100, before: int | None = None, user_id: str | None = None
    ) -> list[AuditEntry]:
        """Newest first."""
        if not 1 <= limit <= 1000:
            raise BadRequest("limit must be between 1 and 1000", field="limit")
        if before is not None and not 1 <= before <= 2**62:
            raise BadRequest("before must be an entry id", field="before")
        where: list[str] = []
        args: list[object] = []
        if before is not None:
            where.append("id < ?")
            args.append(before)
        if user_id is not None:
            where.append("user_id = ?")
            args.append(user_id)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = await self.db.fetch(f"SELECT id, data FROM audit {clause} ORDER BY id DESC LIMIT ?", *args, limit)
        return [AuditEntry.model_validate({**json.loads(data), "id": row_id}) for row_id, data in rows]
