"""One pure-ASGI middleware for every HTTP request: a request id, an access log line and the request metrics.

The request id comes from ``X-Request-ID`` when the caller (nginx: ``$request_id``) sends a sane one, else it is new;
it is set in :data:`aya.core.logging.REQUEST_ID` for every log line written while serving the request and sent back
in the response's ``X-Request-ID``. Streams are measured to their end without buffering anything: server-sent events
from ``POST /chatkit`` also count as chat turns (running while streaming; completed, error or cancelled at the end)
with their time to first event.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aya.core.logging import REQUEST_ID
from aya.web.ops.metrics import Metrics

logger = logging.getLogger("aya.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
_ERROR_EVENT = b'"type":"error"'
_QUIET = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes: measured, not logged at INFO


def _route(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class OpsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 0
        streaming = False
        first_event: float | None = None
        error_event = False
        outcome = "completed"
        finished = False  # the last body chunk was sent
        disconnected = False  # the client left first
        metrics = self.metrics

        async def receive_with_ops() -> Message:
            nonlocal disconnected
            message = await receive()
            if message["type"] == "http.disconnect" and not finished:
                disconnected = True
            return message

        async def send_with_ops(message: Message) -> None:
            nonlocal status, streaming, first_event, error_event, finished
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/event-stream") and scope["path"].endswith("/chatkit"):
                    streaming = True
                    metrics.running_turns.inc()
            elif message["type"] == "http.response.body" and streaming:
                body = message.get("body", b"")
                if body and first_event is None:
                    first_event = time.perf_counter()
                    metrics.first_event_seconds.observe(first_event - started)
                if _ERROR_EVENT in body:
                    error_event = True
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                finished = True
            await send(message)

        try:
            await self.app(scope, receive_with_ops, send_with_ops)
            if disconnected and not finished:
                outcome = "cancelled"
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        except Exception:
            outcome = "failed"
            status = status or 500
            raise
        finally:
            elapsed = time.perf_counter() - started
            route = _route(scope)
            metrics.request_seconds.labels(scope["method"], route, str(status)).observe(elapsed)
            if status >= 500 or outcome == "failed":
                metrics.errors.labels(route, str(status)).inc()
            if streaming:
                metrics.running_turns.dec()
                metrics.turns.labels("error" if error_event and outcome == "completed" else outcome).inc()
            level = logging.DEBUG if scope["path"] in _QUIET and status < 500 else logging.INFO
            logger.log(
                level,
                "%s %s %d %.1f ms",
                scope["method"],
                scope["path"],
                status,
                elapsed * 1000,
                extra={"method": scope["method"], "path": scope["path"], "status": status,
                       "duration_ms": round(elapsed * 1000, 1), "outcome": outcome},
            )  # fmt: skip
            REQUEST_ID.reset(token)
