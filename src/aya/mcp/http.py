"""Streamable HTTP for Aya's MCP server: host/origin checks from settings and an optional bearer token.

One ASGI app serves both the ``/mcp`` route of the main app (:mod:`aya.web.routes.mcp`, whose lifespan runs the
session manager) and ``aya mcp --transport http`` (where the app's own lifespan runs it). Sessions are stateless:
any web process behind a load balancer can answer any request, as the rest of Aya.
"""

from __future__ import annotations

import hmac
import json
from urllib.parse import urlsplit

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from aya.core.settings import Settings

MCP_PATH = "/mcp"


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """DNS-rebinding protection: the Host header must be one of ``AYA_MCP_ALLOWED_HOSTS`` (``name:*`` allows any
    port; ``*`` turns the check off) and a browser Origin must be on one of those hosts or in ``AYA_CORS_ORIGINS``."""
    hosts = list(settings.mcp_allowed_hosts)
    if "*" in hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    origins = [f"{scheme}://{host}" for host in hosts for scheme in ("http", "https")]
    for origin in settings.cors_origins:
        parts = urlsplit(origin)
        if parts.scheme and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=list(dict.fromkeys(origins))
    )


class BearerTokenGate:
    """Refuses HTTP requests without ``Authorization: Bearer <token>`` (401, constant-time comparison)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._authorized(Headers(scope=scope).get("authorization", "")):
            body = json.dumps({"error": "unauthorized", "message": "the MCP endpoint needs a bearer token"}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"www-authenticate", b'Bearer realm="aya-mcp"'),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    def _authorized(self, header: str) -> bool:
        scheme, _, presented = header.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(presented.strip().encode(), self._token)


def streamable_http_app(server: MCPServer, settings: Settings, *, path: str = MCP_PATH) -> tuple[Starlette, ASGIApp]:
    """The SDK's streamable HTTP app for ``server`` at ``path`` and the ASGI app to serve (gated by the token when
    ``AYA_MCP_TOKEN`` is set). The Starlette app's lifespan runs ``server.session_manager``; when it is mounted in
    another app, that app's lifespan must run ``server.session_manager.run()`` instead."""
    app = server.streamable_http_app(
        streamable_http_path=path,
        stateless_http=True,
        json_response=True,
        transport_security=transport_security(settings),
    )
    served: ASGIApp = app
    if settings.mcp_token is not None:
        served = BearerTokenGate(app, settings.mcp_token.get_secret_value())
    return app, served
