"""The error family. Outside streams, each maps to one HTTP status (see aya.web.errors)."""

from __future__ import annotations


class AyaError(Exception):
    """Base of Aya's errors. ``status`` is the HTTP status the web layer answers with."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


class BadRequest(AyaError):
    status = 400
    code = "bad_request"


class Unauthorized(AyaError):
    status = 401
    code = "unauthorized"


class Forbidden(AyaError):
    status = 403
    code = "forbidden"


class NotFound(AyaError):
    status = 404
    code = "not_found"


class Conflict(AyaError):
    status = 409
    code = "conflict"


class MisdirectedRequest(AyaError):
    """The request's ``Host`` is not one this server answers (DNS rebinding protection)."""

    status = 421
    code = "misdirected_request"


class PayloadTooLarge(AyaError):
    status = 413
    code = "payload_too_large"


class ValidationFailed(AyaError):
    status = 422
    code = "validation_error"


class RateLimited(AyaError):
    status = 429
    code = "rate_limited"


class NotConfigured(AyaError):
    """A feature needs configuration or an optional extra that is missing."""

    status = 503
    code = "not_configured"
