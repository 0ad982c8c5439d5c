"""The OpenAI API, configured in one place: clients built from the settings, and its errors in plain words.

Every OpenAI client Aya makes (the Responses model, embeddings) comes from :func:`openai_client`: the key from the
settings (never the process environment behind the settings' back), the base URL normalised once
(``Settings.openai_api_base``), and ``AYA_OPENAI_TIMEOUT_S`` instead of the SDK's 600 s default.

:func:`explain` turns an OpenAI error into what the shopper reads and whether retrying can help, following the
documented error bodies (``{"error": {"message", "type", "param", "code"}}``): 401 a refused key, 403 no access, 429
``insufficient_quota`` (no credit: retrying cannot help) or a rate limit (it can), 5xx and timeouts (it can).
:func:`log_line` describes an error for the logs without its message, which may quote part of the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import openai
from openai import AsyncOpenAI

from aya.core.settings import Settings

MAX_RETRIES = 2  # the SDK's own default, made explicit: 408/409/429/5xx and connection errors, with backoff


def openai_client(settings: Settings, *, http_client: Any = None) -> AsyncOpenAI:
    """An OpenAI client with the store's key, base URL and timeout (raises ``ValueError`` without a key)."""
    if settings.openai_api_key is None:
        raise ValueError("an OpenAI client needs OPENAI_API_KEY")
    return AsyncOpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_api_base,
        timeout=settings.openai_timeout_s,
        max_retries=MAX_RETRIES,
        http_client=http_client,
    )


@dataclass(frozen=True)
class Explained:
    """An OpenAI failure as the shopper should read it."""

    message: str
    allow_retry: bool


def error_code(exc: BaseException) -> str | None:
    """The documented ``error.code`` of an OpenAI error (``insufficient_quota``, ``previous_response_not_found``)."""
    code = getattr(exc, "code", None)
    if isinstance(code, str) and code:
        return code
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("code"), str):
            return str(inner["code"])
    return None


def is_previous_response_missing(exc: BaseException) -> bool:
    """OpenAI refuses the response a turn continued from: expired (retention), never stored (an organisation without
    stored responses) or invalid: HTTP 400 ``previous_response_not_found``, or any 400/404 about that parameter."""
    if not isinstance(exc, openai.BadRequestError | openai.NotFoundError):
        return False
    return error_code(exc) == "previous_response_not_found" or getattr(exc, "param", None) == "previous_response_id"


def explain(exc: BaseException) -> Explained | None:
    """What to tell the shopper about an OpenAI error, or None when ``exc`` is not one."""
    code = error_code(exc)
    match exc:
        case openai.APITimeoutError():
            # each attempt waits AYA_OPENAI_TIMEOUT_S for a byte, and the SDK retries twice: no single number to quote
            return Explained("Aya's AI service did not answer in time. Please try again.", True)
        case openai.APIConnectionError():
            return Explained("Aya cannot reach her AI service right now. Please try again in a moment.", True)
        case openai.AuthenticationError():
            return Explained(
                "Aya's AI service refused the store's API key, so she cannot answer right now. "
                "Please let the store know.",
                False,
            )
        case openai.PermissionDeniedError():
            return Explained(
                "The store's AI account is not allowed to use this service, so Aya cannot answer right now. "
                "Please let the store know.",
                False,
            )
        case openai.RateLimitError() if code == "insufficient_quota":
            return Explained(
                "The store's AI account has run out of credit, so Aya cannot answer right now. "
                "Please let the store know.",
                False,
            )
        case openai.RateLimitError():
            return Explained("Aya is very busy right now. Please try again in a moment.", True)
        case openai.InternalServerError():
            return Explained("Aya's AI service is having trouble right now. Please try again in a moment.", True)
        case openai.BadRequestError() if code == "context_length_exceeded":
            return Explained("This conversation has grown too long for Aya. Please start a new one.", False)
        case openai.NotFoundError() if code == "model_not_found":
            return Explained("The AI model this store uses is not available. Please let the store know.", False)
        case openai.APIStatusError():
            return Explained("Aya's AI service could not handle that request. Please try rephrasing it.", False)
        case _:
            return None


def log_line(exc: BaseException) -> str:
    """``HTTP 429 insufficient_quota (request req_…)``: status, code and request id; never the message or headers."""
    parts: list[str] = [type(exc).__name__]
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        parts.append(f"HTTP {status}")
    code = error_code(exc)
    if code:
        parts.append(code)
    request_id = getattr(exc, "request_id", None)
    if isinstance(request_id, str) and request_id:
        parts.append(f"(request {request_id})")
    return " ".join(parts)
