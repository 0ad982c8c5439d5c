"""Strict JSON schemas of the shop tools, for the OpenAI Realtime session (and the browser's RealtimeAgent).

Strict function schemas need every property listed in ``required`` and ``additionalProperties: false`` on every
object. Optional arguments become nullable (``null`` means "use the default"): :func:`arguments_without_nulls` drops
the nulls again before validation with the tool's own argument model, so the schema and
``POST /api/tools/{name}`` accept exactly the same calls.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from aya.shop.knowledge_tools import KNOWLEDGE_TOOLS
from aya.shop.tools import TOOLS

_DROP = {"default", "title", "examples"}


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    defs = schema.pop("$defs", None)
    out: dict[str, Any] = _strict(schema)
    if defs:
        out["$defs"] = {name: _strict(d) for name, d in defs.items()}
    return out


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _strict(v) for k, v in node.items() if k not in _DROP}
    if node.get("type") == "object" and "properties" in node:
        required = set(node.get("required", []))
        props = node["properties"]
        for name, prop in list(props.items()):
            if name not in required:
                props[name] = _nullable(prop)
        node["required"] = list(props)
        node["additionalProperties"] = False
    return node


def _nullable(prop: dict[str, Any]) -> dict[str, Any]:
    prop = copy.deepcopy(prop)
    if "anyOf" in prop:
        if not any(p.get("type") == "null" for p in prop["anyOf"]):
            prop["anyOf"].append({"type": "null"})
        return prop
    description = prop.pop("description", None)
    out: dict[str, Any] = {"anyOf": [prop, {"type": "null"}]}
    if description:
        out["description"] = description
    return out


def arguments_without_nulls(arguments: Any) -> Any:
    """``null`` properties mean "the default": drop them, at every level of nesting."""
    if isinstance(arguments, dict):
        return {k: arguments_without_nulls(v) for k, v in arguments.items() if v is not None}
    if isinstance(arguments, list):
        return [arguments_without_nulls(v) for v in arguments]
    return arguments


def realtime_tools() -> list[dict[str, Any]]:
    """The shop tools as Realtime function tools: ``{type, name, description, parameters}``."""
    return [
        {"type": "function", "name": name, "description": spec.description, "parameters": strict_schema(spec.args)}
        for name, spec in {**TOOLS, **KNOWLEDGE_TOOLS}.items()
    ]
