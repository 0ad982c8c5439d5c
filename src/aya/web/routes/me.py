"""The caller and the client: identity (``/api/me``, ``/api/session``), the user's data (export and erasure) and the
web client's configuration (``/api/config``)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from aya.chat.attachments import ACCEPTED_TYPES
from aya.core.context import RequestContext
from aya.core.errors import BadRequest
from aya.core.ids import new_id
from aya.core.settings import Settings
from aya.web.auth import (
    SESSION_MAX_AGE_S,
    CurrentUserDep,
    LenientUserDep,
    clean_username,
    client_ip,
    mint_token,
    set_session_cookie,
)
from aya.web.deps import SettingsDep
from aya.web.routes.chatkit import ChatServerDep

logger = logging.getLogger("aya.web")

router = APIRouter()

GREETING = "Hi, I'm Aya! Tell me about your pet and I'll help you find the right food."
PROMPTS: list[dict[str, str]] = [
    {"label": "Puppy food", "prompt": "What food do you recommend for a large-breed puppy?", "icon": "sparkle"},
    {
        "label": "Sensitive stomach",
        "prompt": "My cat has a sensitive stomach. What should I feed her?",
        "icon": "search",
    },
    {"label": "Grain-free on a budget", "prompt": "Grain-free dry dog food under $50?", "icon": "cart"},
    {"label": "Senior dog", "prompt": "Which wet food is good for a senior small dog?", "icon": "calendar"},
]


def _identity(user: RequestContext, settings: Settings) -> dict[str, Any]:
    return {
        "user_id": user.user_id,
        "session_id": user.session_id,
        "username": user.username,
        "is_authenticated": user.is_authenticated,
        "auth_mode": settings.auth_mode,
        "role": user.role,
    }


@router.get("/api/me", summary="Who the server thinks the caller is")
async def me(user: CurrentUserDep, settings: SettingsDep) -> dict[str, Any]:
    return _identity(user, settings)


class SessionRequest(BaseModel):
    username: str | None = Field(None, max_length=64, description="Display name used to personalize answers.")


@router.post("/api/session", summary="Start (or renew) a signed session: token mode only")
async def session(
    body: SessionRequest, request: Request, response: Response, user: LenientUserDep, settings: SettingsDep
) -> dict[str, Any]:
    """In token mode: a new anonymous shopper gets a fresh user id; a caller with a valid token keeps theirs (and may
    change the display name). The token is returned and set as the ``aya_session`` cookie. In dev mode the client
    identifies itself with headers, so this only echoes the identity. An expired or invalid token starts a new session.
    """
    if settings.auth_mode != "token":
        if user is None:
            raise BadRequest(
                "development mode: send the user-id header (no session tokens are minted)", field="user-id"
            )
        return {**_identity(user, settings), "token": None}
    if user is None:  # a new identity: limited per client address and in all (identities are free otherwise)
        limiter = request.app.state.resources.limiter
        await limiter.hit(settings.session_rate_per_ip, "session-ip", client_ip(request), what="new sessions")
        await limiter.hit(settings.session_rate_global, "session-all", what="new sessions on this server")
    user_id = user.user_id if user is not None else new_id("usr")
    session_id = user.session_id if user is not None else None
    username = clean_username(body.username) if body.username is not None else (user.username if user else None)
    token = mint_token(settings, user_id, session_id=session_id, username=username)
    set_session_cookie(response, settings, token)
    logger.info("session %s for %s", "renewed" if user else "started", user_id)
    return {
        "user_id": user_id,
        "username": username,
        "is_authenticated": True,
        "auth_mode": "token",
        "token": token,
        "expires_in": SESSION_MAX_AGE_S,
    }


@router.get("/api/me/data", summary="Export everything stored for the caller (JSON)")
async def export_data(user: CurrentUserDep, server: ChatServerDep) -> Response:
    data = await server.store.export_user_data(user)
    data["exported_at"] = datetime.now(UTC).isoformat()
    return Response(
        content=json.dumps(data, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="aya-my-data.json"'},
    )


@router.delete("/api/me/data", summary="Erase everything stored for the caller")
async def delete_data(user: CurrentUserDep, server: ChatServerDep) -> dict[str, Any]:
    counts = await server.store.delete_user_data(user)
    await server.attachments.delete_all(user)
    logger.info("erased the data of %s: %s", user.user_id, counts)
    return {"deleted": counts}


@router.get("/api/config", summary="What the web client needs to know (no secrets)")
async def client_config(request: Request, settings: SettingsDep) -> dict[str, Any]:
    return {
        "greeting": GREETING,
        "prompts": PROMPTS,
        "chatkit": {
            "url": "/chatkit",
            "ui": settings.chatkit_ui,
            "domain_key": settings.chatkit_domain_key,
            "upload_url": "/api/attachments",
        },
        "auth": {
            "mode": settings.auth_mode,
            "session_url": "/api/session",
            "headers": ["user-id", "session-id", "username"] if settings.auth_mode == "dev" else [],
        },
        "voice": {"mode": settings.effective_voice_mode},
        "model_provider": settings.effective_model_provider,
        "attachments": {
            "enabled": True,
            "max_bytes": settings.max_attachment_bytes,
            "max_count": 4,
            "accept": ACCEPTED_TYPES,
        },
        "limits": {"max_request_bytes": settings.max_request_bytes},
        "images": {"allowed_hosts": settings.image_hosts},
    }
