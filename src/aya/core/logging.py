"""Logging set-up: one named logger per package, %-style arguments, no payloads at INFO, no secrets ever.

:func:`install_redaction` makes every log record (any logger, any handler, tracebacks included) pass through
:func:`redact` when it is created: the configured secrets and anything shaped like a key (``sk-…``, ``Bearer …``,
``api_key=…``, ``?token=…``) are replaced by ``[redacted]``. An upstream server that echoes our key in an error text
therefore cannot put it in the log.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from collections.abc import Iterable
from typing import Any

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


def configure_logging(level: str = "INFO", secrets: Iterable[str | None] = ()) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_redaction(secrets)
