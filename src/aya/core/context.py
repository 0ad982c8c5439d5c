"""The per-request identity every layer receives (chat, voice, mcp, shop tools), built once by ``aya.web.auth``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Who is asking. Every stored thread, item, feedback and attachment is scoped by ``user_id``.

    ``username`` is a display name for personalization only (never an authority); ``session_id`` identifies one browser
    session or device; ``is_authenticated`` is true only when the identity comes from a signed token or cookie (token
    mode), false for the trusted development headers. ``base_url`` is the public base URL of this request, used to build
    absolute links (attachment previews, upload URLs).
    """

    user_id: str
    session_id: str | None = None
    username: str | None = None
    is_authenticated: bool = False
    base_url: str = "http://localhost:8000"

    @property
    def display_name(self) -> str | None:
        return self.username or None
