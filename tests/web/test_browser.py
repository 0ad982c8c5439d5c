"""The web app in real headless Chromium against the real server (``aya serve``, offline model, sample catalog).

Each test saves screenshots under tests/artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.web.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 20_000


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1280, "height": 860}, color_scheme="light")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(live_server.url)
    yield pg
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def send(page: Any, text: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.fill(text)
    box.press("Enter")


def wait_idle(page: Any, assistant_messages: int) -> None:
    """Wait until the answer is complete: the Send button is back and the assistant has said its n-th message."""
    from playwright.sync_api import expect

    expect(page.locator(".msg.assistant")).to_have_count(assistant_messages)
    expect(page.get_by_role("button", name="Send")).to_be_visible()


def device_id(page: Any) -> str:
    return str(page.evaluate("localStorage.getItem('aya.device_id')"))


def test_conversation_with_cards_actions_and_history(page: Any, live_server: LiveServer, shot: Any) -> None:
    from playwright.sync_api import expect

    # Start screen: greeting and the server's prompt suggestions.
    expect(page.locator(".start-screen .greeting")).to_contain_text("Aya")
    expect(page.locator(".suggestion").first).to_be_visible()
    shot(page, "start")

    # Shift+Enter is a new line, not a send.
    box = page.get_by_role("textbox", name="Message")
    box.fill("Hi!")
    box.press("Shift+Enter")
    box.type("I need food for my cat")
    assert box.input_value() == "Hi!\nI need food for my cat"
    box.press("Enter")
    expect(page.locator(".msg.user .bubble").first).to_have_text("Hi!\nI need food for my cat")
    wait_idle(page, 1)
    expect(page.locator(".msg.assistant .md").first).not_to_be_empty()

    # Second turn: product cards (widgets) stream in, with progress shown while tools run.
    send(page, "She is 12 years old and has kidney problems, dry food please")
    wait_idle(page, 2)
    cards = page.locator('.widget [data-widget="Card"]')
    expect(cards.first).to_be_visible()
    expect(cards.first.get_by_role("button", name="Details").first).to_be_visible()
    expect(page.get_by_test_id("live-region")).not_to_be_empty()
    shot(page, "cards")
    # Only the conversation scrolls, never the page (the header and composer stay put).
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    page.locator(".msg.user").nth(1).evaluate("el => el.scrollIntoView({block: 'start'})")
    shot(page, "cards-top")  # the README's screenshot (docs/screenshot.png)

    # A card action goes back as threads.custom_action and its answer streams into the thread.
    widgets_before = page.locator(".widget-item").count()
    cards.first.get_by_role("button", name="Details").first.click()
    expect(page.locator(".widget-item")).to_have_count(widgets_before + 1)
    wait_idle(page, 3)

    # Follow-up in words, then the form action: tick two products and compare them.
    send(page, "something cheaper?")
    wait_idle(page, 4)
    product_list = page.locator('.widget [data-widget="Card"]').filter(has=page.get_by_text("Compare selected")).last
    boxes = product_list.get_by_role("checkbox", name="Compare")
    boxes.nth(0).check()
    boxes.nth(1).check()
    product_list.get_by_role("button", name="Compare selected").click()
    expect(page.get_by_text("Side by side").last).to_be_visible()
    wait_idle(page, 5)
    shot(page, "compare")

    # Feedback and copy on an assistant message.
    first_answer = page.locator(".msg.assistant").first
    first_answer.get_by_role("button", name="Good answer").click()
    expect(first_answer.get_by_role("button", name="Good answer")).to_have_attribute("aria-pressed", "true")

    # Reload: the last conversation reopens and the history lists it with its title.
    page.reload()
    expect(page.locator(".msg.user")).to_have_count(3)  # the two actions were not user messages
    expect(page.locator('.widget [data-widget="Card"]').first).to_be_visible()
    row = page.locator(".thread-row.current")
    expect(row).to_have_count(1)
    expect(row.locator(".thread-title")).not_to_have_text("New conversation")
    shot(page, "reloaded")

    # The server stored it for this device only.
    listed = httpx.post(
        f"{live_server.url}/chatkit",
        json={"type": "threads.list", "params": {"limit": 20}},
        headers={"user-id": device_id(page)},
    ).json()
    assert len(listed["data"]) == 1
    other = httpx.post(
        f"{live_server.url}/chatkit",
        json={"type": "threads.list", "params": {"limit": 20}},
        headers={"user-id": "dev_someone_else"},
    ).json()
    assert other["data"] == []


def test_new_rename_and_delete_threads(page: Any, live_server: LiveServer, shot: Any) -> None:
    from playwright.sync_api import expect

    send(page, "Hi, food for my dog please")
    wait_idle(page, 1)
    page.get_by_role("button", name="+ New conversation").click()
    expect(page.locator(".start-screen")).to_be_visible()
    page.locator(".suggestion").first.click()  # a suggestion starts the second conversation
    wait_idle(page, 1)
    rows = page.locator(".thread-row")
    expect(rows).to_have_count(2)

    # Rename the current conversation.
    current = page.locator(".thread-row.current")
    current.get_by_role("button", name=re.compile("^Rename")).click()
    title = page.get_by_role("textbox", name="Conversation title")
    title.fill("Buddy's dinner")
    title.press("Enter")
    expect(page.locator(".thread-row.current .thread-title")).to_have_text("Buddy's dinner")
    expect(page.locator(".chat-title")).to_have_text("Buddy's dinner")
    shot(page, "renamed")

    # The rename was stored: it survives a reload.
    page.reload()
    expect(page.locator(".thread-row.current .thread-title")).to_have_text("Buddy's dinner")

    # Delete it (with confirmation): the start screen comes back and the history keeps the other one.
    page.locator(".thread-row.current").get_by_role("button", name=re.compile("^Delete")).click()
    page.get_by_role("group", name="Confirm delete").get_by_role("button", name="Delete").click()
    expect(page.locator(".thread-row")).to_have_count(1)
    expect(page.locator(".start-screen")).to_be_visible()
    page.reload()
    expect(page.locator(".thread-row")).to_have_count(1)
    expect(page.get_by_text("Buddy's dinner")).to_have_count(0)
    shot(page, "deleted")


def test_theme_follows_the_system_and_toggles(browser: Any, live_server: LiveServer, shot: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 860}, color_scheme="dark")
    page = context.new_page()
    try:
        page.goto(live_server.url)
        html = page.locator("html")
        expect(html).to_have_attribute("data-theme", "dark")
        dark_bg = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
        shot(page, "dark")
        page.get_by_role("button", name="Switch to light theme").click()
        expect(html).to_have_attribute("data-theme", "light")
        assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") != dark_bg
        page.reload()
        expect(html).to_have_attribute("data-theme", "light")  # the choice is kept
        page.get_by_role("button", name="Switch to dark theme").click()  # back to the system's: follows it again
        expect(html).to_have_attribute("data-theme", "dark")
        assert page.evaluate("localStorage.getItem('aya.theme')") is None
        send(page, "grain free food for my senior cat")
        wait_idle(page, 1)
        shot(page, "dark-conversation")
    finally:
        context.close()


def test_phone_width_and_keyboard(browser: Any, live_server: LiveServer, shot: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="light", has_touch=True)
    page = context.new_page()
    try:
        page.goto(live_server.url)
        expect(page.locator(".start-screen")).to_be_visible()
        # The history is a drawer on a phone.
        sidebar = page.get_by_role("complementary", name="Conversations")
        assert sidebar.bounding_box()["x"] < 0
        page.get_by_role("button", name="Show conversations").click()
        expect(page.locator(".sidebar.open")).to_be_visible()
        expect(page.get_by_role("button", name="+ New conversation")).to_be_focused()
        page.get_by_role("button", name="Close conversations").click()
        expect(page.locator(".sidebar.open")).to_have_count(0)
        page.get_by_role("button", name="Show conversations").click()
        page.keyboard.press("Escape")
        expect(page.locator(".sidebar.open")).to_have_count(0)
        # Keyboard only: focus the composer, type, send with Enter.
        page.get_by_role("textbox", name="Message").focus()
        page.keyboard.type("My 3 month old golden retriever puppy needs food")
        page.keyboard.press("Enter")
        wait_idle(page, 1)
        # Nothing overflows the screen horizontally.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # The tabs are keyboard operable (arrow keys move between Text and Voice).
        page.get_by_role("tab", name="Text").focus()
        page.keyboard.press("ArrowRight")
        expect(page.get_by_role("tab", name="Voice")).to_have_attribute("aria-selected", "true")
        page.keyboard.press("ArrowLeft")
        expect(page.get_by_role("tab", name="Text")).to_have_attribute("aria-selected", "true")
        shot(page, "phone")
    finally:
        context.close()


def _png(width: int = 64, height: int = 48) -> bytes:
    """A small valid PNG (solid teal), made here so the test needs no binary fixture."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes((15, 118, 110)) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_image_attachment_is_uploaded_sent_and_shown(page: Any, live_server: LiveServer, shot: Any) -> None:
    from playwright.sync_api import expect

    page.locator('.composer input[type="file"]').set_input_files(
        files=[{"name": "bowl.png", "mimeType": "image/png", "buffer": _png()}]
    )
    upload = page.locator(".uploads li").first
    expect(upload).to_contain_text("bowl.png")
    expect(upload).not_to_have_class(re.compile("uploading"))
    send(page, "Is this a good food bowl size for my cat?")
    wait_idle(page, 2)
    # The offline model cannot see photos: Aya says so first and asks for the label's words, then answers the text.
    expect(page.locator(".msg.assistant").first).to_contain_text("I can't look at photos here")
    expect(page.locator(".msg.assistant").first).to_contain_text("bowl.png")
    thumb = page.locator(".msg.user img.attachment-thumb")
    expect(thumb).to_have_attribute("src", re.compile("^blob:"))  # fetched with the identity headers
    assert page.evaluate("document.querySelector('.msg.user img.attachment-thumb').naturalWidth") == 64
    shot(page, "attachment")

    # Stored with the thread, for this user.
    thread_id = page.evaluate("localStorage.getItem('aya.last_thread')")
    thread = httpx.post(
        f"{live_server.url}/chatkit",
        json={"type": "threads.get_by_id", "params": {"thread_id": thread_id}},
        headers={"user-id": device_id(page)},
    ).json()
    attachments = [a for item in thread["items"]["data"] for a in item.get("attachments", [])]
    assert [a["name"] for a in attachments] == ["bowl.png"]


def test_errors_are_shown_with_the_servers_reason(page: Any, live_server: LiveServer, shot: Any) -> None:
    from playwright.sync_api import expect

    send(page, "Hi! food for my kitten")
    wait_idle(page, 1)
    # Another tab deletes the conversation; this one still shows it and tries to continue it.
    thread_id = page.evaluate("localStorage.getItem('aya.last_thread')")
    deleted = httpx.post(
        f"{live_server.url}/chatkit",
        json={"type": "threads.delete", "params": {"thread_id": thread_id}},
        headers={"user-id": device_id(page)},
    )
    assert deleted.status_code == 200
    send(page, "she is 4 months old")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("not found")
    expect(alert.get_by_role("button", name="Retry")).to_have_count(0)  # a refused request is not retried
    expect(page.locator(".msg.user.pending .bubble")).to_have_text("she is 4 months old")  # what failed stays visible
    expect(page.locator(".msg.user.pending")).to_contain_text("Not sent")
    expect(page.locator(".msg.user.pending").get_by_role("button", name="Retry")).to_have_count(0)
    expect(page.get_by_role("textbox", name="Message")).to_have_value("she is 4 months old")  # back to the composer
    shot(page, "error")
    alert.get_by_role("button", name="Dismiss error").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    # Reloading forgets the vanished conversation and starts fresh.
    page.reload()
    expect(page.locator(".start-screen")).to_be_visible()


def test_returning_to_the_text_tab_shows_what_was_added_meanwhile(
    page: Any, live_server: LiveServer, shot: Any
) -> None:
    """Voice turns land in the same threads: coming back to the Text tab refreshes the open thread and the history."""
    from playwright.sync_api import expect

    send(page, "Hi! food for my senior dog")
    wait_idle(page, 1)
    thread_id = page.evaluate("localStorage.getItem('aya.last_thread')")
    page.get_by_role("tab", name="Voice").click()
    # Meanwhile the same shopper adds a turn to this thread through another client.
    body = {
        "type": "threads.add_user_message",
        "params": {
            "thread_id": thread_id,
            "input": {
                "content": [{"type": "input_text", "text": "only wet food"}],
                "attachments": [],
                "inference_options": {},
            },
        },
    }
    with httpx.stream("POST", f"{live_server.url}/chatkit", json=body, headers={"user-id": device_id(page)}) as r:
        assert r.status_code == 200
        r.read()
    page.get_by_role("tab", name="Text").click()
    expect(page.locator(".msg.user .bubble").last).to_have_text("only wet food")
    wait_idle(page, 2)
    shot(page, "refreshed")


def test_long_history_and_long_threads_are_paginated(browser: Any, live_server: LiveServer, shot: Any) -> None:
    """22 conversations (one of 12 turns) made over HTTP by this device: the sidebar pages them 20 at a time, and
    the long thread opens with every item, past the server's first page of 20."""
    from playwright.sync_api import expect

    user = {"user-id": "dev_long_history"}

    def turn(thread_id: str | None, text: str) -> str:
        message = {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}
        body: dict[str, Any] = (
            {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": message}}
            if thread_id
            else {"type": "threads.create", "params": {"input": message}}
        )
        with httpx.stream("POST", f"{live_server.url}/chatkit", json=body, headers=user, timeout=30) as r:
            text_body = r.read().decode()
        if thread_id:
            return thread_id
        return str(re.search(r'"thread\.created","thread":\{"id":"([^"]+)"', text_body).group(1))  # type: ignore[union-attr]

    long_id = turn(None, "Hi! food for my cat")
    for text in [
        "she is 3",
        "dry food",
        "something cheaper?",
        "only wet food",
        "grain free",
        "under $30",
        "thanks",
        "what about for a senior cat",
        "compare the first two",
        "hello again",
        "thank you!",
    ]:
        turn(long_id, text)
    for i in range(21):
        turn(None, f"Hello number {i}")

    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.add_init_script(f"localStorage.setItem('aya.device_id', '{user['user-id']}')")
    page = context.new_page()
    try:
        page.goto(live_server.url)
        rows = page.locator(".thread-row")
        expect(rows).to_have_count(20)
        page.get_by_role("button", name="Load more").click()
        expect(rows).to_have_count(22)
        expect(page.get_by_role("button", name="Load more")).to_have_count(0)
        page.locator(f'.thread-row[data-thread-id="{long_id}"] .thread-open').click()
        expect(page.locator(".msg.user")).to_have_count(12)
        expect(page.locator(".msg.user .bubble").last).to_have_text("thank you!")
        shot(page, "long-history")
    finally:
        context.close()
