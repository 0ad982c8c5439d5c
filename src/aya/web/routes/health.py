"""Health: ``GET /healthz`` (the process is alive and serving) and ``GET /readyz`` (it can do its work now).

``/readyz`` checks each dependency with a short timeout and answers 200 when all pass, else 503 naming the ones that
failed: ``database`` (the chat store and, with PostgreSQL, the coordination connection), ``search`` (the product
search answers), ``models`` (the embedding model has loaded and the assistant is built). A load balancer sends
traffic only to ready workers; an orchestrator restarts a worker only when ``/healthz`` fails.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from aya.web.deps import ResourcesDep
from aya.web.resources import Resources

router = APIRouter()

_CHECK_TIMEOUT_S = 3.0

# Search states in which the catalog cannot be searched (OpenSearch's health; the embedded backend has none).
_DOWN = {"red", "unreachable", "timeout", "error"}


@router.get("/healthz", response_model=None)
async def healthz(resources: ResourcesDep) -> dict[str, object] | JSONResponse:
    body: dict[str, object] = {"status": "ok"}
    if resources.search is not None:
        backend = getattr(resources.search, "backend", resources.search)  # unwrap the progressive strategy
        health = getattr(backend, "health", None)
        if health is not None:
            search_health = await health()
            body["search"] = search_health
            if search_health.get("status") in _DOWN:
                body["status"] = "degraded"
                return JSONResponse(body, status_code=503)
        stats = await resources.search.stats()
        body["catalog_size"] = stats.total
    return body


async def _database(resources: Resources) -> str:
    store: Any = resources.extras.get("chat_store")
    if store is None:
        raise RuntimeError("the chat store is not open")
    await store.db.fetch("SELECT 1")
    if resources.coordination is not None:
        await resources.coordination.ping()
    return resources.coordination.backend if resources.coordination is not None else "ok"


async def _search(resources: Resources) -> str:
    if resources.search is None:
        raise RuntimeError("the product search is not open")
    stats = await resources.search.stats()
    return f"{stats.total} products"


async def _models(resources: Resources) -> str:
    warm_up = resources.extras.get("search_warm_up")
    if isinstance(warm_up, asyncio.Task) and not warm_up.done():
        raise RuntimeError("the embedding model is still loading")
    server = resources.extras.get("chat_server")
    reason = getattr(getattr(server, "assistant", None), "reason", None)
    if server is None or reason is not None:
        raise RuntimeError(f"the assistant is unavailable: {reason or 'the chat server is not running'}")
    return resources.settings.effective_model_provider


_CHECKS: dict[str, Callable[[Resources], Awaitable[str]]] = {
    "database": _database,
    "search": _search,
    "models": _models,
}


async def _run(check: Callable[[Resources], Awaitable[str]], resources: Resources) -> dict[str, object]:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(check(resources), _CHECK_TIMEOUT_S)
        result: dict[str, object] = {"ok": True, "detail": detail}
    except TimeoutError:
        result = {"ok": False, "detail": f"no answer within {_CHECK_TIMEOUT_S:.0f} s"}
    except Exception as exc:
        result = {"ok": False, "detail": str(exc) or type(exc).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


@router.get("/readyz")
async def readyz(resources: ResourcesDep) -> JSONResponse:
    results = await asyncio.gather(*(_run(check, resources) for check in _CHECKS.values()))
    checks = dict(zip(_CHECKS, results, strict=True))
    ready = all(result["ok"] for result in results)
    body = {"status": "ready" if ready else "not_ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"})
