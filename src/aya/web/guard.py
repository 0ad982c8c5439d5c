"""The app's outer guards, as small pure-ASGI middlewares (see :func:`install_guards` for their order).

- :class:`HostGuard`: the ``Host`` header must be one of ``AYA_ALLOWED_HOSTS`` (any port), else 421: a web page that
  a store employee visits cannot drive a local instance through DNS rebinding. ``/mcp`` has its own, separate
  allow-list (``AYA_MCP_ALLOWED_HOSTS``) and is left to it.
- :class:`RequestGuard`: a null character in the path or query is a 400; a state-changing request (POST, PUT, PATCH,
  DELETE) from a browser page on another origin (``Origin`` neither this host nor in ``AYA_CORS_ORIGINS``) is a 403;
  a JSON body is checked (:mod:`aya.web.jsoncheck`) before any route parses it.
- :class:`SecurityHeaders`: a strict Content-Security-Policy with ``frame-ancestors 'none'``,
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy`` and ``X-Frame-Options`` on every HTTP answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import unquote_to_bytes

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aya.core.errors import AyaError, BadRequest, Forbidden, MisdirectedRequest, PayloadTooLarge
from aya.core.settings import Settings
from aya.web.jsoncheck import check_json_body

logger = logging.getLogger("aya.web")

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MCP_PREFIX = "/mcp"
# Bodies that are files, not JSON: attachment uploads (raw or multipart).
RAW_BODY_PREFIXES = ("/api/attachments",)
HOSTED_CHATKIT = "https://cdn.platform.openai.com"
OPENAI_API = "https://api.openai.com"


def _is_mcp(path: str) -> bool:
    return path == MCP_PREFIX or path.startswith(MCP_PREFIX + "/")


def host_name(host_header: str) -> str:
    """``example.com:8000`` → ``example.com``; ``[::1]:8000`` → ``[::1]`` (lower case)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end != -1 else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def host_allowed(host_header: str | None, allowed: Iterable[str]) -> bool:
    if host_header is None:
        return False
    name = host_name(host_header)
    for pattern in allowed:
        pattern = pattern.strip().lower()
        if pattern == "*" or host_name(pattern) == name:
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return True
    return False


def origin_allowed(origin: str, host_header: str | None, settings: Settings) -> bool:
    """A browser origin may change state when it is this very host or one of the CORS origins."""
    if origin in settings.cors_origins:
        return True
    if origin == "null" or "://" not in origin or host_header is None:
        return False
    return origin.split("://", 1)[1].lower() == host_header.strip().lower()


async def _answer(scope: Scope, receive: Receive, send: Send, error: AyaError) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 4400 + (error.status % 100), "reason": error.message[:120]})
        return
    response = JSONResponse(error.to_dict(), status_code=error.status)
    await response(scope, receive, send)


class HostGuard:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.allowed = list(settings.allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or _is_mcp(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host")
        if not host_allowed(host, self.allowed):
            shown = (host or "")[:100]
            error = MisdirectedRequest(f"host {shown!r} is not served here (AYA_ALLOWED_HOSTS)", field="host")
            await _answer(scope, receive, send, error)
            return
        await self.app(scope, receive, send)


class RequestGuard:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if "\x00" in path or b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
            await _answer(scope, receive, send, BadRequest("a null character is not allowed in the URL", field="url"))
            return
        if scope["type"] == "websocket" or scope["method"] not in STATE_CHANGING:
            await self.app(scope, receive, send)  # the WebSocket checks its own origin
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        # /mcp checks origins against its own list (AYA_MCP_ALLOWED_HOSTS); its bodies are checked here all the same
        if origin is not None and not _is_mcp(path) and not origin_allowed(origin, headers.get("host"), self.settings):
            error = Forbidden(f"requests from the origin {origin[:100]!r} may not change anything here", field="origin")
            await _answer(scope, receive, send, error)
            return
        if path.startswith(RAW_BODY_PREFIXES) or headers.get("content-type", "").startswith("multipart/"):
            await self.app(scope, receive, send)
            return
        try:
            body = await _read_body(receive, self.settings.max_request_bytes, headers)
            if body:
                check_json_body(
                    body,
                    max_depth=self.settings.json_max_depth,
                    max_number_chars=self.settings.json_max_number_digits,
                )
        except AyaError as exc:
            await _answer(scope, receive, send, exc)
            return
        await self.app(scope, _replay(body, receive), send)


async def _read_body(receive: Receive, limit: int, headers: Headers) -> bytes:
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body of {declared} bytes exceeds the limit of {limit} bytes")
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        body += message.get("body", b"")
        if len(body) > limit:
            raise PayloadTooLarge(f"request body exceeds the limit of {limit} bytes")
        if not message.get("more_body", False):
            break
    return bytes(body)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # then the real stream: a disconnect when the client goes away

    return replay


def content_security_policy(settings: Settings) -> str:
    """The app's CSP: our own scripts and styles, images from here and the allow-listed hosts, never framed."""
    images = " ".join(f"https://{h}" for h in settings.image_hosts)
    script = ["'self'", "blob:"]  # blob: for the voice AudioWorklets
    connect = ["'self'"]
    frames = ["'none'"]
    if settings.chatkit_ui == "hosted":
        script.append(HOSTED_CHATKIT)
        connect += [HOSTED_CHATKIT, OPENAI_API]
        frames = [HOSTED_CHATKIT]
    if settings.effective_voice_mode == "realtime":
        connect.append(OPENAI_API)  # WebRTC session set-up with the ephemeral secret
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {' '.join(script)}",
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: blob: {images}".rstrip(),
            "media-src 'self' blob:",
            f"connect-src {' '.join(dict.fromkeys(connect))}",
            f"frame-src {' '.join(frames)}",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ]
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = {
            "content-security-policy": content_security_policy(settings),
            "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin",
            "x-frame-options": "DENY",
            "permissions-policy": "camera=(), geolocation=(), microphone=(self)",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:  # a route's stricter policy (attachments: sandbox) wins
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)


def install_guards(app: ASGIApp, settings: Settings) -> None:
    """Add the guards to a FastAPI app: outermost first are the headers, then the host, then the request checks.
    (Starlette wraps the last middleware added around the others.)"""
    add = app.add_middleware  # type: ignore[attr-defined]
    add(RequestGuard, settings=settings)
    add(HostGuard, settings=settings)
    add(SecurityHeaders, settings=settings)


__all__ = ["content_security_policy", "host_allowed", "install_guards", "origin_allowed"]
