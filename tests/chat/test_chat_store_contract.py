"""One contract for every chat store (SQLite always, PostgreSQL when reachable): scoping, pagination, persistence."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    FileAttachment,
    InferenceOptions,
    LockedStatus,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
)

from aya.chat.sql_store import SqlStore
from aya.chat.store import NotFoundError
from aya.core.context import RequestContext
from aya.core.errors import BadRequest

ALICE = RequestContext(user_id="alice")
BOB = RequestContext(user_id="bob")


def _thread(store: SqlStore, ctx: RequestContext, title: str | None = None) -> ThreadMetadata:
    return ThreadMetadata(id=store.generate_thread_id(ctx), created_at=datetime.now(), title=title)


def _user_message(store: SqlStore, thread: ThreadMetadata, text: str) -> UserMessageItem:
    return UserMessageItem(
        id=store.generate_item_id("message", thread, ALICE),
        thread_id=thread.id,
        created_at=datetime.now(),
        content=[UserMessageTextContent(text=text)],
        inference_options=InferenceOptions(),
    )


def _assistant_message(store: SqlStore, thread: ThreadMetadata, text: str) -> AssistantMessageItem:
    return AssistantMessageItem(
        id=store.generate_item_id("message", thread, ALICE),
        thread_id=thread.id,
        created_at=datetime.now(),
        content=[AssistantMessageContent(text=text)],
    )


async def test_thread_round_trip_keeps_every_field(store: SqlStore) -> None:
    thread = _thread(store, ALICE, "Puppy food")
    thread.status = LockedStatus(reason="archived")
    thread.metadata = {"previous_response_id": "resp_1"}
    await store.save_thread(thread, ALICE)
    loaded = await store.load_thread(thread.id, ALICE)
    assert loaded == thread
    assert thread.id.startswith("thr_")


async def test_other_users_cannot_see_or_overwrite_a_thread(store: SqlStore) -> None:
    thread = _thread(store, ALICE, "mine")
    await store.save_thread(thread, ALICE)
    with pytest.raises(NotFoundError):
        await store.load_thread(thread.id, BOB)
    with pytest.raises(NotFoundError):
        await store.save_thread(thread.model_copy(update={"title": "hijacked"}), BOB)
    with pytest.raises(NotFoundError):
        await store.delete_thread(thread.id, BOB)
    with pytest.raises(NotFoundError):
        await store.load_thread_items(thread.id, None, 10, "asc", BOB)
    with pytest.raises(NotFoundError):
        await store.add_thread_item(thread.id, _user_message(store, thread, "intrusion"), BOB)
    assert (await store.load_thread(thread.id, ALICE)).title == "mine"
    assert (await store.load_threads(10, None, "desc", BOB)).data == []
    assert (await store.load_thread_items(thread.id, None, 10, "asc", ALICE)).data == []


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_threads_paginate_in_both_orders(store: SqlStore, order: str) -> None:
    created = []
    for n in range(5):
        thread = _thread(store, ALICE, f"t{n}")
        await store.save_thread(thread, ALICE)
        created.append(thread.id)
    await store.save_thread(_thread(store, BOB, "bob's"), BOB)
    expected = created if order == "asc" else created[::-1]
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = await store.load_threads(2, after, order, ALICE)
        seen += [t.id for t in page.data]
        pages += 1
        if not page.has_more:
            assert page.after is None
            break
        assert page.after == page.data[-1].id
        after = page.after
    assert seen == expected
    assert pages == 3


async def test_unknown_cursor_is_a_bad_request(store: SqlStore) -> None:
    thread = _thread(store, ALICE)
    await store.save_thread(thread, ALICE)
    with pytest.raises(BadRequest):
        await store.load_threads(10, "thr_nope", "desc", ALICE)
    with pytest.raises(BadRequest):
        await store.load_threads(10, thread.id, "desc", BOB)
    with pytest.raises(BadRequest):
        await store.load_thread_items(thread.id, "msg_nope", 10, "asc", ALICE)


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_items_paginate_in_insertion_order(store: SqlStore, order: str) -> None:
    thread = _thread(store, ALICE)
    await store.save_thread(thread, ALICE)
    ids = []
    for n in range(7):
        item = _user_message(store, thread, f"m{n}") if n % 2 == 0 else _assistant_message(store, thread, f"a{n}")
        await store.add_thread_item(thread.id, item, ALICE)
        ids.append(item.id)
    expected = ids if order == "asc" else ids[::-1]
    seen: list[str] = []
    after = None
    while True:
        page = await store.load_thread_items(thread.id, after, 3, order, ALICE)
        seen += [i.id for i in page.data]
        if not page.has_more:
            break
        after = page.after
    assert seen == expected


async def test_items_save_load_delete(store: SqlStore) -> None:
    thread = _thread(store, ALICE)
    await store.save_thread(thread, ALICE)
    item = _assistant_message(store, thread, "first draft")
    await store.add_thread_item(thread.id, item, ALICE)
    item.content[0].text = "final"
    await store.save_item(thread.id, item, ALICE)
    loaded = await store.load_item(thread.id, item.id, ALICE)
    assert isinstance(loaded, AssistantMessageItem)
    assert loaded.content[0].text == "final"
    assert len((await store.load_thread_items(thread.id, None, 10, "asc", ALICE)).data) == 1
    with pytest.raises(NotFoundError):
        await store.load_item(thread.id, item.id, BOB)
    await store.delete_thread_item(thread.id, item.id, BOB)  # silently nothing
    assert await store.load_item(thread.id, item.id, ALICE)
    await store.delete_thread_item(thread.id, item.id, ALICE)
    with pytest.raises(NotFoundError):
        await store.load_item(thread.id, item.id, ALICE)


async def test_attachments_are_scoped_and_deleted_with_their_thread(store: SqlStore) -> None:
    thread = _thread(store, ALICE)
    await store.save_thread(thread, ALICE)
    attachment = FileAttachment(id="atc_1", name="label.pdf", mime_type="application/pdf")
    await store.save_attachment(attachment, ALICE)
    with pytest.raises(NotFoundError):
        await store.load_attachment("atc_1", BOB)
    with pytest.raises(NotFoundError):
        await store.save_attachment(attachment.model_copy(update={"name": "x"}), BOB)
    await store.delete_attachment("atc_1", BOB)
    assert (await store.load_attachment("atc_1", ALICE)).name == "label.pdf"
    await store.save_attachment(attachment.model_copy(update={"thread_id": thread.id}), ALICE)
    assert [a.id for a in await store.thread_attachments(thread.id, ALICE)] == ["atc_1"]
    assert await store.thread_attachments(thread.id, BOB) == []
    await store.delete_thread(thread.id, ALICE)
    with pytest.raises(NotFoundError):
        await store.load_attachment("atc_1", ALICE)
    with pytest.raises(NotFoundError):
        await store.load_thread(thread.id, ALICE)


async def test_unattached_attachments_and_owners_for_clean_up_and_signed_links(store: SqlStore) -> None:
    thread = _thread(store, ALICE)
    await store.save_thread(thread, ALICE)
    loose = FileAttachment(id="atc_loose", name="a.txt", mime_type="text/plain")
    used = FileAttachment(id="atc_used", name="b.txt", mime_type="text/plain", thread_id=thread.id)
    await store.save_attachment(loose, ALICE)
    await store.save_attachment(used, ALICE)
    await store.save_attachment(loose.model_copy(update={"id": "atc_bobs"}), BOB)
    unattached = await store.unattached_attachments()
    assert sorted((user, a.id) for user, a in unattached) == [
        (ALICE.user_id, "atc_loose"),
        (BOB.user_id, "atc_bobs"),
    ]
    assert await store.attachment_owner("atc_used") == ALICE.user_id
    assert await store.attachment_owner("atc_bobs") == BOB.user_id
    assert await store.attachment_owner("atc_missing") is None


async def test_feedback_is_recorded_changed_and_scoped(store: SqlStore) -> None:
    thread = _thread(store, ALICE)
    await store.save_thread(thread, ALICE)
    item = _assistant_message(store, thread, "try the salmon formula")
    await store.add_thread_item(thread.id, item, ALICE)
    await store.add_feedback(thread.id, [item.id], "positive", ALICE)
    await store.add_feedback(thread.id, [item.id], "negative", ALICE, reason="Too expensive")
    assert await store.load_feedback(thread.id, ALICE) == {item.id: "negative"}
    # The reason a thumbs down gave is stored with it (and replaced by the next feedback on the item).
    assert [(f["kind"], f["reason"]) for f in (await store.export_user_data(ALICE))["feedback"]] == [
        ("negative", "Too expensive")
    ]
    with pytest.raises(NotFoundError):
        await store.add_feedback(thread.id, [item.id], "positive", BOB)
    with pytest.raises(NotFoundError):
        await store.add_feedback(thread.id, ["msg_missing"], "positive", ALICE)
    assert await store.load_feedback(thread.id, BOB) == {}


async def test_export_and_delete_touch_only_the_users_data(store: SqlStore) -> None:
    mine = _thread(store, ALICE, "mine")
    theirs = _thread(store, BOB, "theirs")
    await store.save_thread(mine, ALICE)
    await store.save_thread(theirs, BOB)
    item = _user_message(store, mine, "grain-free kibble?")
    await store.add_thread_item(mine.id, item, ALICE)
    await store.add_feedback(mine.id, [item.id], "positive", ALICE)
    await store.add_thread_item(theirs.id, _user_message(store, theirs, "bob's question"), BOB)
    exported = await store.export_user_data(ALICE)
    assert [t["title"] for t in exported["threads"]] == ["mine"]
    assert exported["threads"][0]["items"][0]["content"][0]["text"] == "grain-free kibble?"
    assert exported["feedback"][0]["kind"] == "positive"
    counts = await store.delete_user_data(ALICE)
    assert counts == {"feedback": 1, "items": 1, "attachments": 0, "threads": 1}
    assert (await store.load_threads(10, None, "asc", ALICE)).data == []
    assert (await store.load_thread(theirs.id, BOB)).title == "theirs"
    assert len((await store.load_thread_items(theirs.id, None, 10, "asc", BOB)).data) == 1


async def test_concurrent_writes_all_land(store: SqlStore) -> None:
    threads = [_thread(store, ALICE) for _ in range(10)]
    await asyncio.gather(*(store.save_thread(t, ALICE) for t in threads))

    async def converse(thread: ThreadMetadata) -> None:
        for n in range(5):
            await store.add_thread_item(thread.id, _user_message(store, thread, f"q{n}"), ALICE)
            await store.load_thread_items(thread.id, None, 20, "desc", ALICE)

    await asyncio.gather(*(converse(t) for t in threads))
    for thread in threads:
        assert len((await store.load_thread_items(thread.id, None, 50, "asc", ALICE)).data) == 5
