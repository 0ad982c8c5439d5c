"""Thread titles from the first user message: its text, whitespace collapsed, cut on a word boundary."""

from __future__ import annotations

from chatkit.types import UserMessageItem, UserMessageTagContent, UserMessageTextContent

MAX_TITLE = 60


def title_from_message(item: UserMessageItem, max_length: int = MAX_TITLE) -> str | None:
    parts: list[str] = []
    for part in item.content:
        if isinstance(part, UserMessageTextContent):
            parts.append(part.text)
        elif isinstance(part, UserMessageTagContent):
            parts.append(part.text)
    text = " ".join(" ".join(parts).split())
    if not text:
        names = [a.name for a in item.attachments]
        return f"Shared {', '.join(names)}"[:max_length] if names else None
    if len(text) <= max_length:
        return text
    cut = text[: max_length - 1]
    if " " in cut[max_length // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-") + "…"
