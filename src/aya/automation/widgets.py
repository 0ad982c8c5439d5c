"""Aya Ops' ChatKit widgets: a task card (updated in place while the task runs, with approve/deny, cancel or retry),
and the test-run and insights summaries. Built as widget JSON validated by ``DynamicWidgetRoot``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chatkit.widgets import DynamicWidgetRoot

from aya.automation.tasks import Task

ACTION_APPROVE = "ops.approve"
ACTION_DENY = "ops.deny"
ACTION_CANCEL = "ops.cancel"
ACTION_RETRY = "ops.retry"
ACTIONS = (ACTION_APPROVE, ACTION_DENY, ACTION_CANCEL, ACTION_RETRY)

_BADGE = {
    "awaiting_approval": "warning",
    "queued": "secondary",
    "running": "info",
    "succeeded": "success",
    "failed": "danger",
    "cancelled": "secondary",
}
_LOG_LINES = 8


def state_label(task: Task) -> str:
    return "awaiting approval" if task.state == "awaiting_approval" else task.state


def describe_task(task: Task) -> str:
    """One line for people and the model: ``Task 3 (Run the tests): running, 40%``."""
    text = f"Task {task.id} ({task.title}): {state_label(task)}"
    if task.state == "running" and task.progress is not None:
        text += f", {task.progress:.0%}"
    if task.error and task.state in ("failed", "cancelled") and task.error != "cancelled":
        text += f" ({task.error})"
    summary = result_summary(task)
    if summary:
        text += f". {summary}"
    return text


def result_summary(task: Task) -> str:
    result = task.result or {}
    if "total" in result and "passed" in result:
        return (
            f"{result['passed']} passed, {result['failed']} failed, {result['skipped']} skipped, "
            f"{result['errors']} errors"
        )
    if "returncode" in result:
        return f"exit status {result['returncode']}"
    if "server" in result and "state" in result:
        return f"MCP server {result['server']}: {result['state']}"
    if "title" in result and "url" in result:
        return f"opened {result['url']} ({result['title'] or 'no title'})"
    return ""


def _button(
    label: str, action: str, task: Task, *, style: str = "secondary", color: str | None = None
) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "Button",
        "label": label,
        "size": "sm",
        "style": style,
        "onClickAction": {"type": action, "payload": {"task_id": task.id}},
    }
    if color:
        button["color"] = color
    return button


def _buttons(task: Task) -> list[dict[str, Any]]:
    match task.state:
        case "awaiting_approval":
            return [
                _button("Approve", ACTION_APPROVE, task, style="primary"),
                _button("Deny", ACTION_DENY, task, color="danger"),
            ]
        case "queued" | "running":
            return [_button("Cancel", ACTION_CANCEL, task, color="danger")]
        case "failed" | "cancelled":
            return [_button("Retry", ACTION_RETRY, task)]
        case "succeeded":
            return [_button("Run again", ACTION_RETRY, task)]
        case _:
            return []


def task_widget(task: Task) -> DynamicWidgetRoot:
    """The task card: title, state, progress, the last log lines, the result, and the buttons its state allows."""
    children: list[dict[str, Any]] = [
        {
            "type": "Row",
            "gap": 2,
            "children": [
                {"type": "Title", "value": f"Task {task.id} · {task.title}", "size": "sm"},
                {"type": "Spacer"},
                {
                    "type": "Badge",
                    "label": state_label(task),
                    "color": _BADGE.get(task.state, "secondary"),
                    "pill": True,
                },
            ],
        }
    ]
    progress = "" if task.progress is None else f"{task.progress:.0%}"
    status = " · ".join(p for p in (progress, task.message) if p)
    if status:
        children.append({"type": "Caption", "value": status, "maxLines": 2})
    if task.log:
        children.append({"type": "Markdown", "value": "```text\n" + "\n".join(task.log[-_LOG_LINES:]) + "\n```"})
    summary = result_summary(task)
    if summary:
        children.append({"type": "Text", "value": summary, "size": "sm", "weight": "semibold"})
    for failure in (task.result or {}).get("failures", [])[:5]:
        children.append({"type": "Caption", "value": f"✗ {failure['test']}: {failure['message']}", "color": "danger"})
    if task.error and task.state in ("failed", "cancelled"):
        children.append({"type": "Caption", "value": task.error, "color": "danger", "maxLines": 3})
    if task.result and task.result.get("screenshot"):
        children.append({"type": "Image", "src": task.result["screenshot"], "alt": "screenshot", "radius": "sm"})
    buttons = _buttons(task)
    if buttons:
        children.append({"type": "Row", "gap": 2, "children": buttons})
    return DynamicWidgetRoot.model_validate(
        {"type": "Card", "key": f"task-{task.id}", "size": "md", "children": children}
    )


def insights_widget(title: str, rows: Sequence[tuple[str, int]], *, series_label: str = "threads") -> DynamicWidgetRoot:
    """A bar chart (ChatKit ``Chart``) of counts by label, with the numbers as a caption."""
    data = [{"label": label, "count": count} for label, count in rows]
    children: list[dict[str, Any]] = [{"type": "Title", "value": title, "size": "sm"}]
    if data:
        children.append(
            {
                "type": "Chart",
                "data": data,
                "series": [{"type": "bar", "dataKey": "count", "label": series_label, "color": "blue"}],
                "xAxis": {"dataKey": "label"},
                "height": 180,
            }
        )
        children.append({"type": "Caption", "value": ", ".join(f"{k}: {v}" for k, v in rows)})
    else:
        children.append({"type": "Caption", "value": "Nothing in this period."})
    return DynamicWidgetRoot.model_validate({"type": "Card", "size": "md", "children": children})
