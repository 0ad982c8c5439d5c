from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from aya.web.deps import ResourcesDep

router = APIRouter()

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
