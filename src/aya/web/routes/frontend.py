"""The web app: serves the built React client (``frontend/dist``) at ``/``.

Files under the build are served as they are (hashed ``/assets/*`` cached for a year, ``index.html`` never cached),
compressed when the browser accepts it: the build writes a Brotli (``.br``) and a gzip (``.gz``) copy of every text
asset (``frontend/vite.config.ts``), served with ``Content-Encoding`` and ``Vary: Accept-Encoding`` (no compression
work per request);
any other path that is not an API path gets ``index.html`` so client-side routes survive a reload. API prefixes
(``/chatkit``, ``/api``, ``/voice``, ``/mcp``, ``/healthz``) are never answered here: this catch-all is moved behind
every other route when the app starts, so routers and mounts added by other components always win.
When the build is missing, ``/`` explains how to make it.
"""

from __future__ import annotations

import asyncio
import mimetypes
from contextlib import AsyncExitStack
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute

from aya.core.errors import NotFound
from aya.core.settings import Settings
from aya.web.resources import Resources

router = APIRouter(include_in_schema=False)

RESERVED_PREFIXES = ("chatkit", "api", "voice", "mcp", "healthz", "docs", "redoc", "openapi.json")
_SOURCE_TREE_DIST = Path(__file__).resolve().parents[4] / "frontend" / "dist"

_MISSING_BUILD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Aya: web app not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>Aya is running, but the web app is not built</h1>
<p>Run <code>make install</code> (or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>),
then reload.</p>
<p>Looked for the build in <code>{dist}</code> (setting <code>AYA_FRONTEND_DIST</code>).</p>
<p>The API is up: <a href="/healthz">/healthz</a>, <code>POST /chatkit</code>.</p>
</body></html>
"""


def dist_dir(settings: Settings) -> Path:
    """Where the built app lives: ``AYA_FRONTEND_DIST`` or ``frontend/dist`` in the source tree."""
    return (settings.frontend_dist or _SOURCE_TREE_DIST).resolve()


def _is_reserved(path: str) -> bool:
    first = path.split("/", 1)[0]
    return first in RESERVED_PREFIXES


def _resolve(dist: Path, path: str) -> Path | None:
    """The file under ``dist`` that ``path`` names, or None (missing, a directory, or outside the build)."""
    candidate = (dist / path).resolve()
    if not candidate.is_relative_to(dist) or not candidate.is_file():
        return None
    return candidate


def _cache_headers(path: str) -> dict[str, str]:
    if path.startswith("assets/"):
        return {"Cache-Control": "public, max-age=31536000, immutable"}
    return {"Cache-Control": "no-cache"}


# Encodings the build writes next to each text asset, best first: (Content-Encoding, file suffix).
_ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


def _accepted(accept_encoding: str) -> set[str]:
    """Codings the client accepts (``q=0`` refuses one)."""
    accepted: set[str] = set()
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        q = params.strip().removeprefix("q=")
        if coding and not (params and q.replace(".", "", 1).isdigit() and float(q) == 0):
            accepted.add(coding.strip())
    return accepted


def _compressed(found: Path, accept_encoding: str) -> tuple[Path, str] | None:
    """The precompressed copy of ``found`` the client accepts, if the build has one."""
    accepted = _accepted(accept_encoding)
    for coding, suffix in _ENCODINGS:
        if coding in accepted or "*" in accepted:
            candidate = found.with_name(found.name + suffix)
            if candidate.is_file():
                return candidate, coding
    return None


def _file(found: Path, request: Request, headers: dict[str, str]) -> FileResponse:
    """``found`` as is, or its precompressed copy (same media type, ``Content-Encoding``)."""
    media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    headers = {**headers, "Vary": "Accept-Encoding"}
    compressed = _compressed(found, request.headers.get("accept-encoding", ""))
    if compressed is None:
        return FileResponse(found, media_type=media_type, headers=headers)
    path, coding = compressed
    return FileResponse(path, media_type=media_type, headers={**headers, "Content-Encoding": coding})


@router.api_route("/{path:path}", methods=["GET", "HEAD"])
async def serve_frontend(path: str, request: Request) -> Response:
    if _is_reserved(path):
        raise NotFound(f"no route for /{path}")
    dist = dist_dir(request.app.state.settings)
    index = dist / "index.html"
    if path:
        found = await asyncio.to_thread(_resolve, dist, path)
        if found is not None:
            return await asyncio.to_thread(_file, found, request, _cache_headers(path))
        if "." in path.rsplit("/", 1)[-1]:
            # Looks like a file (a stale hashed asset, a typo): a real 404, not the app.
            raise NotFound(f"no file /{path} in the web app build")
    if not await asyncio.to_thread(index.is_file):
        return HTMLResponse(_MISSING_BUILD.format(dist=dist), status_code=503, headers={"Cache-Control": "no-store"})
    return await asyncio.to_thread(_file, index, request, {"Cache-Control": "no-cache"})


def _is_catch_all(route: BaseRoute) -> bool:
    # FastAPI wraps included routers (``original_router``); older versions copy the routes (same ``endpoint``).
    return getattr(route, "original_router", None) is router or getattr(route, "endpoint", None) is serve_frontend


async def setup(app: FastAPI, resources: Resources, stack: AsyncExitStack) -> None:
    """Move the catch-all behind every route and mount other components added (some mount in their setup)."""
    routes = app.router.routes
    mine = [r for r in routes if _is_catch_all(r)]
    routes[:] = [r for r in routes if not _is_catch_all(r)] + mine
