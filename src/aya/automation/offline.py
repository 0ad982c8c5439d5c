"""``OpsOfflineModel``: Aya Ops without a network — an Agents SDK ``Model`` that maps staff commands to tool calls.

Like the shop's offline model it answers as a hosted model would (a function call item, or a message streamed as text
deltas), so the agent, tools, widgets and streaming run the same path as with OpenAI. :func:`parse_command` is the
whole policy, deterministic: "run the tests", "import examples/products.csv", "show catalog stats", "screenshot the
home page", "cancel task 3", "what's new in the catalog", "what did shoppers ask for most this week?". After a tool
call it says the tool's ``reply`` (or ``error``).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from agents.items import TResponseInputItem, TResponseOutputItem
from agents.tool import Tool
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText

from aya.shop.offline import LocalModel

HELP = (
    'I\'m Aya Ops. I can run the tests ("run the tests"), run allow-listed commands ("show catalog stats", '
    '"import examples/products.csv"), open allow-listed pages ("screenshot the home page"), manage tasks ("list '
    'tasks", "cancel task 3", "retry task 3"), look things up in our documents and catalog ("research grain-free '
    'policy"), and summarize what shoppers asked for ("what did shoppers ask for most this week?").'
)
_URL = re.compile(r"https?://[^\s<>\"']+")
_FILE = re.compile(r"(?:^|\s)([\w./+-]+\.(?:csv|tsv|jsonl|json)|[\w./+-]+/)(?=[\s.,!?]*$|\s)")
_TASK_NO = r"(?:task\s*)?(?:number\s*|no\.?\s*|#)?(\d+)"


@dataclass(frozen=True)
class Call:
    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)


def _days(text: str) -> int:
    if "today" in text:
        return 1
    if "month" in text:
        return 30
    match = re.search(r"(\d+)\s*days", text)
    return max(1, min(366, int(match.group(1)))) if match else 7


_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b")


def _spoken(text: str) -> str:
    """A transcript made regular: lower case, one space, no commas or end punctuation, "task three" → "task 3"."""
    t = " ".join(text.lower().replace(",", " ").split()).rstrip("?!. ")
    return _NUMBER_WORD.sub(lambda m: _NUMBER_WORDS[m.group(1)], t)


def parse_command(text: str) -> Call | str:
    """The tool call a staff sentence (typed, or a speech transcript) asks for, or a reply when it asks for none."""
    t = _spoken(text)
    if match := re.search(rf"\b(cancel|stop|abort)\s+{_TASK_NO}", t):
        return Call("cancel_task", {"task_id": int(match.group(2))})
    if match := re.search(rf"\b(retry|rerun|re-run|run again)\s+{_TASK_NO}", t):
        return Call("retry_task", {"task_id": int(match.group(2))})
    if match := re.search(r"\b(?:status of |show |how is |check )?task\s*(?:number\s*|#)?(\d+)\b", t):
        return Call("task_status", {"task_id": int(match.group(1))})
    if re.search(r"\b(list|show|my|all)\s+(the\s+)?(my\s+)?tasks\b|\bwhat'?s running\b|^tasks$", t):
        return Call("list_tasks")
    # an explicit "research …" wins over the words inside the question ("… when does the salon open", "… import")
    if match := re.search(r"\b(?:research|look up|find in (?:our|the) (?:docs|documents))\s+(.+)", t):
        return Call("research", {"question": match.group(1)})
    if re.search(r"\brun\s+(the\s+|all\s+the\s+|all\s+)?(unit\s+)?tests?\b|\btest suite\b", t):
        match = re.search(r"\btests?\s+(?:in|for|under|at)\s+([\w./:+-]+)", t)
        return Call("run_tests", {"paths": [match.group(1)] if match else []})
    if re.search(r"\b(import|ingest|load)\b", t):
        match = _FILE.search(" " + text.strip().rstrip("?!, ") + " ")
        if match is None:
            return "Which file should I import? Give its path, for example examples/products.csv."
        return Call("run_command", {"command": "ingest", "arguments": [match.group(1)]})
    if re.search(r"\bcatalog (stats|statistics|size)\b|\bhow many products\b|\bwhat'?s new in the catalog\b", t):
        return Call("run_command", {"command": "catalog_stats", "arguments": []})
    if re.search(r"\b(screenshot|open|browse|visit)\b", t):
        match = _URL.search(text)
        if match:
            return Call("browse", {"url": match.group(0).rstrip(".,)")})
        if re.search(r"\b(home ?page|front page|our site|the store|our store|the shop)\b", t):
            return Call("browse", {"url": "/"})
        return "Which page? Give me its address (it must be on the allowed hosts), or say 'the home page'."
    if re.search(r"\b(asked for most|ask for most|shoppers (ask|want|look)|insights?|top (needs|searches))\b", t):
        return Call("store_insights", {"days": _days(t)})
    if re.search(r"\b(policy|policies|supplier|return|shipping|guarantee)\b", t):
        return Call("research", {"question": t})
    if match := re.search(r"\b(enable|disable|reconnect)\s+(?:the\s+)?(?:mcp\s+)?(?:server\s+)?([\w.-]+)", t):
        name = match.group(2)
        if name not in ("mcp", "server", "the"):
            return Call("manage_mcp_server", {"action": match.group(1), "server": name})
    if re.search(r"\bmcp\b|\bintegrations?\b|\bconnected tools\b", t):
        return Call("list_mcp_servers")
    return HELP


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(c.get("text", "") for c in content if isinstance(c, dict) and c.get("type") == "input_text")
    return ""


def decide(input: str | list[TResponseInputItem], tool_names: set[str]) -> Call | str:
    """The next step for this input: answer a tool's output, or act on the newest user message."""
    if isinstance(input, str):
        items: list[Any] = [{"role": "user", "content": input}]
    else:
        items = list(input)
    last = items[-1] if items else {}
    if isinstance(last, dict) and last.get("type") == "function_call_output":
        output = last.get("output")
        try:
            data = json.loads(output) if isinstance(output, str) else {}
        except json.JSONDecodeError:
            data = {}
        if isinstance(data, dict):
            return str(data.get("reply") or data.get("summary") or data.get("error") or "Done.")
        return "Done."
    for item in reversed(items):
        if isinstance(item, dict) and item.get("role") == "user" and not _is_hidden(item):
            step = parse_command(_text_of(item.get("content")))
            if isinstance(step, Call) and step.tool not in tool_names:
                return _unavailable(step.tool)
            return step
    return HELP


def _is_hidden(item: dict[str, Any]) -> bool:
    return _text_of(item.get("content")).startswith(("Hidden context", "The following graphical UI widget"))


def _unavailable(tool: str) -> str:
    if tool == "run_command":
        return "Running commands is turned off on this server (AYA_OPS_ALLOW_CLI=true turns it on)."
    if tool == "browse":
        return "Browsing is turned off on this server (AYA_OPS_BROWSE=true and AYA_OPS_BROWSE_HOSTS turn it on)."
    return f"The {tool} tool is not available on this server."


class OpsOfflineModel(LocalModel):
    def _output(self, input: str | list[TResponseInputItem], tools: list[Tool]) -> list[TResponseOutputItem]:
        step = decide(input, {getattr(t, "name", "") for t in tools})
        if isinstance(step, Call):
            return [
                ResponseFunctionToolCall(
                    id=f"fc_{uuid.uuid4().hex[:24]}",
                    call_id=f"call_{uuid.uuid4().hex[:24]}",
                    type="function_call",
                    name=step.tool,
                    arguments=json.dumps(step.arguments, separators=(",", ":")),
                    status="completed",
                )
            ]
        return [
            ResponseOutputMessage(
                id=f"msg_{uuid.uuid4().hex[:24]}",
                type="message",
                role="assistant",
                status="completed",
                content=[ResponseOutputText(type="output_text", text=step, annotations=[], logprobs=[])],
            )
        ]

    def turn_output(
        self, system_instructions: str | None, input: str | list[TResponseInputItem], tools: list[Tool]
    ) -> list[TResponseOutputItem]:
        return self._output(input, tools)
