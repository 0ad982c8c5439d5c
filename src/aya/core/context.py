"""The per-request identity every layer receives (chat, voice, mcp, shop tools), built once by ``aya.web.auth``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["shopper", "staff", "admin"]
ROLES: tuple[Role, ...] = ("shopper", "staff", "admin")


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Who is asking. Every stored thread, item, feedback and attachment is scoped by ``user_id``.

    ``username`` is a display name for personalization only (never an authority); ``session_id`` identifies one browser
    session or device; ``is_authenticated`` is true only when the identity comes from a signed token or cookie (token
    mode), false for the trusted development headers. ``base_url`` is the public base URL of this request, used to build
    absolute links (attachment previews, upload URLs). ``role`` is what the caller may do: ``shopper`` (everyone),
    ``staff`` or ``admin`` (MCP servers, tools, settings); ``aya.web.auth`` decides it (token claims, or the
    ``AYA_ADMIN_USERS``/``AYA_STAFF_USERS`` lists), nothing else may raise it.
    """

    user_id: str
    session_id: str | None = None
    username: str | None = None
    is_authenticated: bool = False
    base_url: str = "http://localhost:8000"
    role: Role = "shopper"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_staff(self) -> bool:
        """Staff or admin."""
        return self.role in ("staff", "admin")

    @property
    def display_name(self) -> str | None:
        return self.username or None
