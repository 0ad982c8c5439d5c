"""Operations: coordination between web processes, metrics, request ids and logs.

As a component of the app (see ``aya.web.app``): ``setup`` opens the coordination backend chosen by the settings
(PostgreSQL when ``AYA_DATABASE_URL`` is set, else inside this process; see :mod:`aya.chat.coordination`) and times
the product search; ``router`` serves ``GET /metrics``. :func:`install` adds the request middleware. The health
routes (``/healthz``, ``/readyz``) live in ``aya.web.routes.health``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

from fastapi import APIRouter, FastAPI, Request, Response

from aya.chat.attachments import attachment_secret
from aya.chat.coordination import SharedLimiter, open_coordination
from aya.core.errors import ServiceUnavailable
from aya.core.settings import Settings
from aya.web.ops.metrics import MeteredSearch, Metrics
from aya.web.ops.middleware import OpsMiddleware
from aya.web.ops.tickets import SharedTicketBook, ticket_secret
from aya.web.resources import Resources

logger = logging.getLogger("aya.web")

router = APIRouter()


def install(app: FastAPI, settings: Settings) -> Metrics:
    """Add the request-id, access-log and metrics middleware; the app's metrics are ``app.state.metrics``."""
    metrics = Metrics()
    app.state.metrics = metrics
    app.add_middleware(OpsMiddleware, metrics=metrics)
    return metrics


@router.get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)


async def setup(app: FastAPI, resources: Resources, stack: AsyncExitStack) -> None:
    """Runs after the search component (so the assistant and MCP get the timed search) and before chat (so the
    attachments get the shared limiter)."""
    coordination = await open_coordination(resources.settings.database_url)
    stack.push_async_callback(coordination.aclose)
    resources.coordination = coordination
    if coordination.backend == "postgres":  # shared by every worker: rate limits and WebSocket tickets
        resources.limiter = SharedLimiter(coordination.counters)
        settings = resources.settings
        secret_key = settings.secret_key.get_secret_value() if settings.secret_key else None
        key = await asyncio.to_thread(attachment_secret, secret_key, settings.data_dir)
        resources.tickets = SharedTicketBook(coordination.counters, ticket_secret(secret_key, key))
    logger.info("coordination between web processes: %s", coordination.backend)
    metrics: Metrics | None = getattr(app.state, "metrics", None)
    if metrics is not None:
        stack.callback(metrics.process_exited)
        if resources.search is not None:
            resources.search = MeteredSearch(resources.search, metrics)


# --- changes every worker must see ---------------------------------------------------------------------------------
MCP_REGISTRY_CHANNEL = "mcp_registry"


async def follow_changes(resources: Resources, channel: str, on_change: Callable[[], Awaitable[object]]) -> None:
    """Run ``on_change`` in this worker whenever any worker announces a change on ``channel`` (its own included:
    ``on_change`` must be idempotent, such as re-reading a shared file)."""
    if resources.coordination is None:
        return

    async def listener(_: str) -> None:
        await on_change()

    await resources.coordination.notices.subscribe(channel, listener)


def announces(channel: str) -> Callable[[Request], AsyncIterator[None]]:
    """A route dependency: after the route has run without error, tell every worker that ``channel`` changed."""

    async def announce(request: Request) -> AsyncIterator[None]:
        yield
        coordination = request.app.state.resources.coordination
        if coordination is not None:
            try:
                await coordination.notices.publish(channel, "changed")
            except ServiceUnavailable:
                logger.warning("could not tell the other workers that %s changed (database unavailable)", channel)

    return announce
