"""The application factory. ``create_app(settings)`` builds the app; the lifespan owns every shared resource.

Components (search, chat, voice, mcp, frontend) each live in ``aya.web.routes.<name>``: a ``router`` and an optional
``setup(app, resources, stack)`` coroutine run in the lifespan, in the order of ``COMPONENTS``; resources they open are
closed by the exit stack in reverse order.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from types import ModuleType

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from aya import __version__
from aya.core.logging import install_redaction
from aya.core.settings import Settings
from aya.web.errors import install_error_handlers
from aya.web.guard import install_guards
from aya.web.ops import install as install_ops
from aya.web.resources import Resources
from aya.web.routes import health

logger = logging.getLogger("aya.web")

Setup = Callable[[FastAPI, Resources, AsyncExitStack], Awaitable[None]]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]"}


def _components() -> list[ModuleType]:
    """Router modules, in lifespan order (frontend last: its catch-all must stay behind every API route)."""
    from aya.web import ops as operations
    from aya.web.routes import chatkit, frontend, mcp, me, ops, ops_voice, search, tools, voice

    # operations (coordination, metrics) before what uses them; chat after what it is built from (MCP servers,
    # dictation, the other assistants); frontend last.
    return [health, search, operations, mcp, voice, ops, chatkit, me, tools, ops_voice, frontend]


def create_app(settings: Settings) -> FastAPI:
    components = _components()
    resources = Resources(settings=settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for module in components:
                setup: Setup | None = getattr(module, "setup", None)
                if setup is not None:
                    await setup(app, resources, stack)
            logger.info("Aya %s ready (model provider: %s)", __version__, settings.effective_model_provider)
            if settings.host not in ("127.0.0.1", "localhost", "::1") and set(settings.allowed_hosts) <= LOCAL_HOSTS:
                logger.warning(
                    "listening on %s, but AYA_ALLOWED_HOSTS admits only local names: other machines get 421 until "
                    "their name for this server is listed (AYA_ALLOWED_HOSTS=shop.example.com,192.168.1.20)",
                    settings.host,
                )
            yield

    install_redaction(
        s.get_secret_value() if s is not None else None
        for s in (settings.openai_api_key, settings.model_api_key, settings.secret_key, settings.mcp_token)
    )
    app = FastAPI(title="Aya", version=__version__, lifespan=lifespan)
    app.state.resources = resources
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["*"],
    )
    install_guards(app, settings)
    install_ops(app, settings)  # outermost: every answer, a guard's refusal too, gets a request id and is measured
    for module in components:
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
    return app
