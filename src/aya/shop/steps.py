"""The offline model's next step: call one tool, or say something (shared by the policy and its intent routes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ToolStep:
    name: str
    arguments: dict[str, Any]


@dataclass
class ReplyStep:
    text: str


Step = ToolStep | ReplyStep

__all__ = ["ReplyStep", "Step", "ToolStep"]
