from __future__ import annotations

from fastapi import APIRouter

from aya.web.deps import ResourcesDep

router = APIRouter()


@router.get("/healthz")
async def healthz(resources: ResourcesDep) -> dict[str, object]:
    body: dict[str, object] = {"status": "ok"}
    if resources.search is not None:
        stats = await resources.search.stats()
        body["catalog_size"] = stats.total
    return body
