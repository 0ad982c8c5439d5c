"""Photos said honestly: a model that cannot see images makes Aya say so and ask for the label's words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from chatkit.types import ImageAttachment, InferenceOptions, ThreadMetadata, UserMessageItem, UserMessageTextContent

from aya.shop.assistant import ShopAssistant

from .conftest import offline_settings


@dataclass
class _Store:
    ids: list[str] = field(default_factory=list)

    def generate_item_id(self, kind: Any, thread: Any, context: Any) -> str:
        self.ids.append(kind)
        return f"msg_{len(self.ids):022x}"


@dataclass
class _Turn:
    input: UserMessageItem | None
    thread: ThreadMetadata = field(default_factory=lambda: ThreadMetadata(id="thr_1", created_at=datetime.now()))
    context: Any = None
    store: _Store = field(default_factory=_Store)


def _message(text: str, *images: str) -> UserMessageItem:
    return UserMessageItem(
        id="msg_u",
        thread_id="thr_1",
        created_at=datetime.now(),
        content=[UserMessageTextContent(text=text)],
        attachments=[
            ImageAttachment(id=f"atc_{i}", name=name, mime_type="image/png", preview_url="http://x/p")  # type: ignore[arg-type]
            for i, name in enumerate(images)
        ],
        inference_options=InferenceOptions(),
    )


async def test_a_photo_the_model_cannot_see_is_named_and_the_label_asked_for(tmp_path: Path) -> None:
    assistant = ShopAssistant(offline_settings(tmp_path), search=None)  # type: ignore[arg-type]
    assert not assistant.reads_images
    notice = assistant.photo_notice(_Turn(_message("", "label.jpg")))  # type: ignore[arg-type]
    assert notice is not None
    text = notice.content[0].text
    assert "can't look at photos" in text and "label.jpg" in text and "label" in text
    # Only a photo: the notice is the whole answer (nothing else was asked).
    events = [e async for e in assistant.respond(_Turn(_message("  ", "label.jpg")))]  # type: ignore[arg-type]
    assert [e.item.content[0].text for e in events] == [text]
    # No photo, no notice.
    assert assistant.photo_notice(_Turn(_message("dry food"))) is None  # type: ignore[arg-type]
