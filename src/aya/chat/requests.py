"""Parse a ChatKit request body once, with errors that name the problem (400), before the SDK sees it."""

from __future__ import annotations

import json
from importlib.metadata import version
from typing import Any, get_args

from chatkit.types import ChatKitReq, NonStreamingReq, StreamingReq
from pydantic import TypeAdapter, ValidationError

from aya.core.errors import BadRequest

_ADAPTER: TypeAdapter[Any] = TypeAdapter(ChatKitReq)
REQUEST_TYPES: tuple[str, ...] = tuple(
    cls.model_fields["type"].default for cls in (*get_args(StreamingReq), *get_args(NonStreamingReq))
)
# OpenAI's hosted ChatKit UI is an evergreen script (it cannot be pinned: openai/chatkit-js#177); a request type newer
# than this server's SDK is refused naming the protocol version the server speaks.
PROTOCOL = f"openai-chatkit {version('openai-chatkit')}"


def parse_request(body: bytes) -> Any:
    """The typed request (a member of ``chatkit.types.ChatKitReq``), or ``BadRequest`` naming the field."""
    try:
        raw = json.loads(body)
    except UnicodeDecodeError as exc:
        raise BadRequest("request body is not UTF-8 JSON") from exc
    except json.JSONDecodeError as exc:
        raise BadRequest(f"request body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from exc
    if not isinstance(raw, dict):
        raise BadRequest("request body must be a JSON object with 'type' and 'params'")
    kind = raw.get("type")
    if not isinstance(kind, str):
        raise BadRequest("missing request 'type'", field="type")
    if kind not in REQUEST_TYPES:
        raise BadRequest(
            f"unknown request type {kind!r} (this server speaks the ChatKit protocol of {PROTOCOL}); "
            f"expected one of: {', '.join(REQUEST_TYPES)}",
            field="type",
        )
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] == kind:
            loc = loc[1:]
        field = ".".join(loc) or "body"
        raise BadRequest(f"{field}: {error.get('msg', 'invalid value')} ({kind})", field=field) from exc
