"""Text into passages: paragraphs (blocks between blank lines), long ones cut at line ends into pieces."""

from __future__ import annotations

import re

CHUNK_CHARS = 400


def paragraphs(text: str) -> list[str]:
    """Blocks of ``text`` separated by blank lines, whitespace-trimmed, empty ones dropped."""
    return [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]


def chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Paragraphs of ``text``, long ones cut at line ends into pieces of about ``size`` characters (PDF text and web
    pages rarely have blank lines between paragraphs)."""
    out: list[str] = []
    for block in paragraphs(text):
        piece: list[str] = []
        length = 0
        for line in block.splitlines():
            piece.append(line)
            length += len(line) + 1
            if length >= size:
                out.append("\n".join(piece).strip())
                piece, length = [], 0
        if piece and "".join(piece).strip():
            out.append("\n".join(piece).strip())
    return out
