"""``POST /api/tools/{name}``: run one shop tool for an authenticated caller (the Realtime voice client's tool calls).

The body is the tool's arguments as a JSON object. ``null`` properties mean "the default" (the Realtime tool schemas
are strict, so optional arguments are nullable). Unknown tool: 404. Arguments that fail the tool's own argument model:
422 naming the field.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError

from aya.core.errors import NotFound, ValidationFailed
from aya.shop.knowledge_tools import KNOWLEDGE_TOOLS
from aya.shop.profile import PetProfile
from aya.shop.safety.tool_checks import check_result, enforce_args
from aya.shop.tools import TOOLS
from aya.voice.toolschema import arguments_without_nulls
from aya.web.auth import CurrentUserDep
from aya.web.deps import SearchDep, SettingsDep
from aya.web.jsoncheck import json_arguments

logger = logging.getLogger("aya.web")

router = APIRouter()


@router.post("/api/tools/{name}", summary="Run one shop tool (arguments as a JSON object)")
async def run_tool(name: str, request: Request, user: CurrentUserDep, search: SearchDep, settings: SettingsDep) -> Any:
    tools = {**TOOLS, **KNOWLEDGE_TOOLS}
    spec = tools.get(name)
    if spec is None:
        raise NotFound(f"no tool named {name!r}; tools: {', '.join(tools)}", field="name")
    arguments = await json_arguments(request, settings.max_request_bytes)
    try:
        args = spec.args.model_validate(arguments_without_nulls(arguments))
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error.get("loc", ())) or "body"
        raise ValidationFailed(f"{where}: {error.get('msg', 'invalid')}", field=where) from None
    logger.info("tool %s called by %s", name, user.user_id)
    wanted = getattr(args, "k", None)
    args = enforce_args(args, PetProfile())
    result = await spec.func(search, args)
    # the same checks as in chat: vet diets, unsafe diets, exact allergen check (aya.shop.safety.tool_checks)
    result = await check_result(search, args, result, PetProfile(), k=wanted)
    return result.model_dump(mode="json")
