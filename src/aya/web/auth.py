"""Identity: every request becomes a :class:`~aya.core.context.RequestContext`.

Two modes (``AYA_AUTH_MODE``):

- ``dev`` (default): the trusted headers of the seed project, ``user-id`` (required), ``session-id`` and ``username``
  (percent-encoded when not Latin-1). The web client generates a device id and sends it as ``user-id``. A missing
  ``user-id`` is a 401.
- ``token``: a signed session token (``AYA_SECRET_KEY``, itsdangerous) sent as ``Authorization: Bearer <token>`` or as
  the ``aya_session`` cookie. ``POST /api/session`` mints one for a new anonymous shopper (see ``routes/me.py``).
  Settings refuse token mode without a secret of at least 16 characters.

Roles (``shopper``, ``staff``, ``admin``; :attr:`RequestContext.role`): in token mode the token's ``r`` claim (minted
by ``aya token``, never by ``POST /api/session``) or the ``AYA_ADMIN_USERS``/``AYA_STAFF_USERS`` lists, whichever is
higher; in dev mode, where anyone can send any ``user-id``, a listed user gets the role only from a loopback address.
Admin surfaces depend on :data:`AdminDep` (403 otherwise).

Routes take the identity through the dependency aliases at the bottom of this module::

    @router.get("/api/tools")
    async def tools(user: CurrentUserDep) -> ...: ...
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from aya.core.context import ROLES, RequestContext, Role
from aya.core.errors import BadRequest, Forbidden, Unauthorized
from aya.core.ids import new_id
from aya.core.settings import Settings

SESSION_COOKIE = "aya_session"
SESSION_MAX_AGE_S = 30 * 24 * 3600
_SALT = "aya.session.v1"
_USER_ID = re.compile(r"^[A-Za-z0-9_.:@+-]{1,128}$")
_MAX_NAME = 64


def clean_username(value: str | None) -> str | None:
    """A display name without control characters, at most 64 characters; ``None`` when empty."""
    if value is None:
        return None
    text = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C").strip()
    return text[:_MAX_NAME] or None


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    if settings.secret_key is None:
        raise Unauthorized("token authentication is not configured (AYA_SECRET_KEY is unset)")
    return URLSafeTimedSerializer(settings.secret_key.get_secret_value(), salt=_SALT)


def mint_token(
    settings: Settings,
    user_id: str,
    *,
    session_id: str | None = None,
    username: str | None = None,
    role: Role = "shopper",
) -> str:
    """A signed session token for ``user_id`` (valid for 30 days); ``role`` above shopper is a claim in the token."""
    if not _USER_ID.match(user_id):
        raise BadRequest("user_id must be 1-128 characters of letters, digits and _.:@+-", field="user_id")
    payload: dict[str, Any] = {"u": user_id, "s": session_id or new_id("ses"), "n": clean_username(username)}
    if role != "shopper":
        payload["r"] = role
    return _serializer(settings).dumps(payload)


def _higher(a: Role, b: Role) -> Role:
    return a if ROLES.index(a) >= ROLES.index(b) else b


def listed_role(settings: Settings, user_id: str) -> Role:
    """The role the settings lists give ``user_id`` (shopper when unlisted)."""
    if user_id in settings.admin_users:
        return "admin"
    if user_id in settings.staff_users:
        return "staff"
    return "shopper"


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token(settings: Settings, token: str, *, base_url: str = "http://localhost:8000") -> RequestContext:
    """The identity in a signed token; 401 when the signature is bad or the token expired."""
    try:
        payload: Any = _serializer(settings).loads(token, max_age=SESSION_MAX_AGE_S)
    except SignatureExpired as exc:
        raise Unauthorized("the session token has expired; request a new one from POST /api/session") from exc
    except BadSignature as exc:
        raise Unauthorized("the session token is invalid") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), str):
        raise Unauthorized("the session token is invalid")
    claim = payload.get("r")
    role: Role = claim if claim in ROLES else "shopper"
    return RequestContext(
        user_id=payload["u"],
        session_id=payload.get("s"),
        username=payload.get("n"),
        is_authenticated=True,
        base_url=base_url,
        role=_higher(role, listed_role(settings, payload["u"])),
    )


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=settings.env == "production",
        path="/",
    )


def client_ip(request: Request) -> str:
    """The caller's address (behind a proxy: what uvicorn's proxy-headers handling made of it)."""
    return request.client.host if request.client else "unknown"


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("the Authorization header must be 'Bearer <token>'")
        return value.strip()
    return request.cookies.get(SESSION_COOKIE)


def identify(request: Request, settings: Settings) -> RequestContext | None:
    """The caller's identity, or ``None`` when the request carries none. Bad credentials raise 401."""
    if settings.auth_mode == "token":
        token = _bearer(request)
        return read_token(settings, token, base_url=_base_url(request)) if token else None
    user_id = request.headers.get("user-id")
    if user_id is None or not user_id.strip():
        return None
    user_id = user_id.strip()
    if not _USER_ID.match(user_id):
        raise Unauthorized("the user-id header must be 1-128 characters of letters, digits and _.:@+-")
    session_id = (request.headers.get("session-id") or "").strip()[:128] or None
    client = getattr(request, "client", None)
    # Anyone can send any user-id in dev mode: a listed user is trusted only on this machine.
    role = listed_role(settings, user_id) if is_loopback(client.host if client else None) else "shopper"
    return RequestContext(
        user_id=user_id,
        session_id=session_id,
        username=clean_username(unquote(request.headers.get("username") or "")),
        is_authenticated=False,
        base_url=_base_url(request),
        role=role,
    )


def get_request_context(request: Request) -> RequestContext:
    """FastAPI dependency: the caller's identity, or 401 naming what is missing."""
    settings: Settings = request.app.state.settings
    context = identify(request, settings)
    if context is None:
        if settings.auth_mode == "token":
            raise Unauthorized(
                "authentication required: send 'Authorization: Bearer <token>' or the aya_session cookie "
                "(POST /api/session mints one)"
            )
        raise Unauthorized("missing the user-id header (development mode identifies callers by user-id)")
    return context


def get_optional_context(request: Request) -> RequestContext | None:
    """FastAPI dependency: the caller's identity when present (bad credentials are still a 401)."""
    return identify(request, request.app.state.settings)


def get_lenient_context(request: Request) -> RequestContext | None:
    """FastAPI dependency: the identity, or ``None`` when absent or invalid (an expired token starts over)."""
    try:
        return identify(request, request.app.state.settings)
    except Unauthorized:
        return None


def require_role(context: RequestContext, role: Role, what: str) -> None:
    """403 unless ``context`` has ``role`` or a higher one."""
    if ROLES.index(context.role) < ROLES.index(role):
        raise Forbidden(f"{what} needs the {role} role (AYA_{role.upper()}_USERS or a token with that role)")


def get_admin_context(request: Request) -> RequestContext:
    """FastAPI dependency: the caller, who must be an admin (401 without identity, 403 without the role)."""
    context = get_request_context(request)
    require_role(context, "admin", f"{request.method} {request.url.path}")
    return context


CurrentUserDep = Annotated[RequestContext, Depends(get_request_context)]
AdminDep = Annotated[RequestContext, Depends(get_admin_context)]
OptionalUserDep = Annotated[RequestContext | None, Depends(get_optional_context)]
LenientUserDep = Annotated[RequestContext | None, Depends(get_lenient_context)]
