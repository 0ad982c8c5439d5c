"""Logging set-up: one named logger per package, %-style arguments, no payloads at INFO, no secrets ever.

:func:`install_redaction` makes every log record (any logger, any handler, tracebacks included) pass through
:func:`redact` when it is created: the configured secrets and anything shaped like a key (``sk-…``, ``Bearer …``,
``api_key=…``, ``?token=…``) are replaced by ``[redacted]``. An upstream server that echoes our key in an error text
therefore cannot put it in the log.

``configure_logging(level, "json")`` writes one JSON object per line (time, level, logger, message, request id and
any ``extra=`` fields), for log shippers; ``"text"`` is the readable default. The request id of the request being
served (set by the web layer's middleware in :data:`REQUEST_ID`) is added to every record either way.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import traceback
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

REDACTED = "[redacted]"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"), REDACTED),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=\-]{8,}"), r"\1 " + REDACTED),
    (
        re.compile(
            r"(?i)(\b(?:api[_-]?key|secret(?:[_-]key)?|access[_-]token|token|password|authorization)\b[\"']?\s*[:=]\s*"
            r"[\"']?)(?!\[redacted\]|[Bb]earer\b)[^\s\"'&,;}]{6,}"
        ),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(?i)([?&](?:token|api_key|key|secret)=)[^&\s\"']+"), r"\1" + REDACTED),
)
_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def redact(text: str) -> str:
    """``text`` without the known secrets and without anything shaped like a key or token."""
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redacting_factory(previous: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = previous(*args, **kwargs)
        if record.name.startswith("uvicorn.access") and isinstance(record.args, tuple):
            # its formatter unpacks the arguments (client, method, path with query, version, status)
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
            return record
        try:
            message = record.getMessage()
        except Exception:  # a malformed %-format: keep the record as it is, the handler reports it
            return record
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        return record

    factory.aya_redacting = True  # type: ignore[attr-defined]
    return factory


def install_redaction(secrets: Iterable[str | None] = ()) -> None:
    """Redact every log record from now on in this process; ``secrets`` are values never to be logged (idempotent,
    and more secrets may be added by later calls)."""
    global _installed
    with _lock:
        _secrets.update(s for s in secrets if s and len(s) >= 6)
        if not _installed:
            current = logging.getLogRecordFactory()
            if not getattr(current, "aya_redacting", False):
                logging.setLogRecordFactory(_redacting_factory(current))
            _installed = True


REQUEST_ID: ContextVar[str | None] = ContextVar("aya_request_id", default=None)

# Attributes every LogRecord has: anything else on a record came from ``extra=`` and is written as a field.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "color_message",  # uvicorn's message with terminal colours
}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id and request_id != "-":
            body["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                body[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_text or record.exc_info:  # exc_text: the redacted traceback, when redaction is installed
            body["exc"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(body, ensure_ascii=False)


def configure_logging(
    level: str = "INFO", fmt: Literal["text", "json"] = "text", secrets: Iterable[str | None] = ()
) -> None:
    """Route every logger (uvicorn's too) through one handler on stderr, in the chosen format, with redaction."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # one access line per request comes from aya.web.ops (with its request id, status and duration)
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    install_redaction(secrets)
