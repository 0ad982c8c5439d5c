"""Checks of a JSON request body before any route parses it: encoding, null characters, nesting depth, number sizes
and lone surrogates, each refused with a 400 that names the problem.

Deep nesting and the number of arrays and objects (at most ``MAX_CONTAINERS``) are measured on the raw bytes (strings
blanked out) before parsing, so ``[`` × 100,000 never reaches a recursive parser and no body costs the parser more
than a few milliseconds; numbers are checked by the parser's own hooks, before Python's ``int()`` (whose 4,300-digit
limit would otherwise surface as a 500); strings are walked for lone surrogates and null characters only when the raw
text has such an escape. A body that is not JSON at all is left to the route, which names its own error.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np
from fastapi import Request

from aya.core.errors import BadRequest, PayloadTooLarge

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# what may be a \uXXXX escape of a surrogate or of U+0000 (a false alarm only costs the walk over the strings)
_SUSPECT_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")
MAX_CONTAINERS = 20_000
_SURROGATE = re.compile("[\ud800-\udfff]")
_OPEN = (ord("["), ord("{"))
_CLOSE = (ord("]"), ord("}"))


def structure(body: bytes) -> tuple[int, int]:
    """``(deepest nesting, number of arrays and objects)`` of ``body`` outside strings (invalid JSON gives some
    numbers, never an error)."""
    skeleton = _STRING.sub(b'""', body)
    if not skeleton:
        return 0, 0
    data = np.frombuffer(skeleton, dtype=np.uint8)
    opens = np.isin(data, _OPEN)
    step = opens.astype(np.int32) - np.isin(data, _CLOSE).astype(np.int32)
    return int(np.cumsum(step).max(initial=0)), int(opens.sum())


def nesting_depth(body: bytes) -> int:
    """The deepest ``[``/``{`` nesting of ``body`` outside strings."""
    return structure(body)[0]


def _where(path: list[str | int]) -> str:
    return ".".join(str(p) for p in path) or "body"


def _check_string(text: str, path: list[str | int]) -> None:
    if "\x00" in text:
        raise BadRequest(f"{_where(path)}: a null character (\\u0000) is not allowed in text", field=_where(path))
    found = _SURROGATE.search(text)
    if found is not None:
        code = f"\\u{ord(found.group()):04x}"
        raise BadRequest(
            f"{_where(path)}: a lone surrogate ({code}) is not valid text; send whole characters", field=_where(path)
        )


def _check_strings(value: Any) -> None:
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            _check_string(item, path)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_string(key, path)
                stack.append((child, [*path, key]))
        elif isinstance(item, list):
            stack.extend((child, [*path, index]) for index, child in enumerate(item))


def check_json_body(body: bytes, *, max_depth: int, max_number_chars: int) -> Any:
    """The parsed body, or :class:`BadRequest` naming what is wrong. ``None`` when the body is not JSON at all
    (the route reports that in its own words)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"the JSON body is not valid UTF-8 (byte 0x{body[exc.start]:02x} at offset {exc.start})", field="body"
        ) from None
    if "\x00" in text:
        raise BadRequest(f"the body contains a null byte (at offset {text.index(chr(0))})", field="body")
    depth, containers = structure(body)
    if depth > max_depth:
        raise BadRequest(f"the JSON body is nested {depth} levels deep; at most {max_depth} are accepted", field="body")
    if containers > MAX_CONTAINERS:
        raise BadRequest(
            f"the JSON body has {containers} arrays and objects; at most {MAX_CONTAINERS} are accepted", field="body"
        )

    def number(kind: type[int] | type[float]) -> Any:
        def parse(literal: str) -> int | float:
            if len(literal) > max_number_chars:
                raise BadRequest(
                    f"a number in the body has {len(literal)} characters; at most {max_number_chars} are accepted",
                    field="body",
                )
            value = kind(literal)
            if isinstance(value, float) and not math.isfinite(value):
                raise BadRequest(f"the number {literal[:20]} is out of range", field="body")
            return value

        return parse

    def constant(name: str) -> Any:
        raise BadRequest(f"{name} is not a JSON number", field="body")

    try:
        value = json.loads(text, parse_int=number(int), parse_float=number(float), parse_constant=constant)
    except (json.JSONDecodeError, RecursionError):
        return None
    if _SUSPECT_ESCAPE.search(text):  # rare (escaped emoji pairs, or an attack): find and name the bad string
        _check_strings(value)
    return value


async def json_arguments(request: Request, max_bytes: int) -> dict[str, Any]:
    """A tool call's body: a JSON object of arguments (``{}`` when empty), at most ``max_bytes``; a clear 4xx else."""
    body = await request.body()
    if len(body) > max_bytes:
        raise PayloadTooLarge(f"request body exceeds the limit of {max_bytes} bytes")
    try:
        arguments = json.loads(body or b"{}")
    except json.JSONDecodeError as exc:
        raise BadRequest(f"the body must be a JSON object of arguments: {exc.msg}", field="body") from None
    if not isinstance(arguments, dict):
        raise BadRequest("the body must be a JSON object of arguments", field="body")
    return arguments
