"""The offline staff model: spoken or typed commands map deterministically to tool calls."""

from __future__ import annotations

import json

import pytest

from aya.automation.offline import HELP, Call, decide, parse_command

CSV = "examples/products.csv"
JUNE = "supplier/june.jsonl"


@pytest.mark.parametrize(
    ("text", "call"),
    [
        ("run the tests", Call("run_tests", {"paths": []})),
        ("Run the tests in suite/test_shop.py", Call("run_tests", {"paths": ["suite/test_shop.py"]})),
        (
            "import examples/products.csv",
            Call("run_command", {"command": "ingest", "arguments": ["examples/products.csv"]}),
        ),
        (
            "Import the new supplier file supplier/june.jsonl please",
            Call("run_command", {"command": "ingest", "arguments": ["supplier/june.jsonl"]}),
        ),
        ("show catalog stats", Call("run_command", {"command": "catalog_stats", "arguments": []})),
        ("what's new in the catalog?", Call("run_command", {"command": "catalog_stats", "arguments": []})),
        ("screenshot the home page", Call("browse", {"url": "/"})),
        (
            "take a screenshot of https://example.com/grain-free.",
            Call("browse", {"url": "https://example.com/grain-free"}),
        ),
        ("cancel task 3", Call("cancel_task", {"task_id": 3})),
        ("Cancel task three.", Call("cancel_task", {"task_id": 3})),  # as Whisper writes it
        ("Run the tests.", Call("run_tests", {"paths": []})),
        ("Import examples/products.csv.", Call("run_command", {"command": "ingest", "arguments": [CSV]})),
        ("Stop task #12", Call("cancel_task", {"task_id": 12})),
        ("retry task 4", Call("retry_task", {"task_id": 4})),
        ("status of task 7", Call("task_status", {"task_id": 7})),
        ("list tasks", Call("list_tasks")),
        ("what did shoppers ask for most this week?", Call("store_insights", {"days": 7})),
        ("store insights for 30 days", Call("store_insights", {"days": 30})),
        ("research grain free guarantee", Call("research", {"question": "grain free guarantee"})),
        ("show my MCP servers", Call("list_mcp_servers")),
    ],
)
def test_commands_map_to_tools(text: str, call: Call) -> None:
    assert parse_command(text) == call


def test_unclear_requests_get_a_question_or_help() -> None:
    assert "Which file" in str(parse_command("import the supplier file"))
    assert parse_command("good morning") == HELP


def test_tool_output_becomes_the_reply_and_missing_tools_are_explained() -> None:
    output = {"type": "function_call_output", "call_id": "c", "output": json.dumps({"reply": "Task 1: succeeded"})}
    assert decide([{"role": "user", "content": "run the tests"}, output], {"run_tests"}) == "Task 1: succeeded"
    assert "turned off" in str(decide([{"role": "user", "content": "show catalog stats"}], {"run_tests"}))
