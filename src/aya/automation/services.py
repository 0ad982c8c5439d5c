"""Everything Aya Ops' tools reach, built once by the web component and passed in (no globals)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aya.automation.audit import AuditLog
from aya.automation.browser import browse_runner
from aya.automation.commands import CommandAllowList
from aya.automation.runners import command_runner, mcp_runner, tests_runner
from aya.automation.store import Database, OpsDatabase
from aya.automation.tasks import TaskManager
from aya.core.settings import Settings
from aya.search.models import ProductSearch

InsightsSource = Callable[[int], Awaitable[dict[str, Any]]]
"""``days -> aggregates`` over stored threads (given by the web layer, which owns the chat store)."""


@dataclass
class OpsServices:
    settings: Settings
    db: Database
    tasks: TaskManager
    audit: AuditLog
    commands: CommandAllowList
    search: ProductSearch | None = None
    insights: InsightsSource | None = None
    mcp_registry: Callable[[], Any] | None = None  # () -> McpRegistry | None

    @property
    def docs_dir(self) -> Path:
        return self.settings.ops_docs_dir or self.settings.data_dir / "store_docs"

    @classmethod
    async def open(cls, settings: Settings, *, db: Database | None = None, **extra: Any) -> OpsServices:
        """Open the services over ``db`` (default: ``<data_dir>/ops.sqlite3``; the web layer passes PostgreSQL when
        ``AYA_DATABASE_URL`` is set)."""
        db = db if db is not None else OpsDatabase(settings.ops_db_path)
        await db.open()
        commands = CommandAllowList.from_settings(settings)
        runners = {
            "command": command_runner(settings, commands),
            "tests": tests_runner(settings),
            "browse": browse_runner(settings),
            "mcp": mcp_runner(extra.get("mcp_registry")),
        }
        tasks = TaskManager(
            db,
            runners,
            max_running=settings.ops_max_tasks,
            heartbeat_s=settings.ops_heartbeat_s,
            dead_after_s=settings.ops_worker_timeout_s,
        )
        await tasks.start()
        return cls(settings=settings, db=db, tasks=tasks, audit=AuditLog(db), commands=commands, **extra)

    async def close(self) -> None:
        await self.tasks.close()
        await self.db.close()
