"""The Staff tab in real headless Chromium against the real server (``aya serve``, offline models): shoppers never see
it; staff type a command that starts a task, watch its progress, retry a failed one, run two at once and cancel.

Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web.conftest import LiveServer, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 30_000
SUITE = (
    "def test_adds():\n    assert 1 + 1 == 2\n\n\ndef test_breaks():\n    assert 'kibble' == 'kobble', 'wrong label'\n"
)
SLOW = f"{sys.executable} -c \"import time\nfor i in range(300):\n    print('step', i, flush=True); time.sleep(0.1)\""


@pytest.fixture(scope="module")
def staff_server(catalog_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("staff")
    (root / "suite").mkdir()
    (root / "suite" / "test_shop.py").write_text(SUITE)
    with serve(
        catalog_data_dir,
        root,
        AYA_STAFF_USERS="staff-1",
        AYA_OPS_ALLOW_CLI="true",
        AYA_OPS_WORKDIR=str(root),
        AYA_OPS_TEST_PATHS="suite",
        AYA_OPS_COMMANDS=json.dumps({"slow": SLOW}),
        AYA_OPS_APPROVE_COMMANDS="[]",
    ) as server:
        yield server


def _page(browser: Any, url: str, user: str | None) -> Any:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1360, "height": 900}, color_scheme="light")
    if user is not None:
        context.add_init_script(f"localStorage.setItem('aya.device_id', {json.dumps(user)})")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.aya_errors = errors
    return page


def test_shoppers_never_see_the_staff_tab(browser: Any, staff_server: LiveServer) -> None:
    from playwright.sync_api import expect

    page = _page(browser, staff_server.url, None)
    expect(page.get_by_role("tab", name="Text")).to_be_visible()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("tab", name="Staff")).to_have_count(0)
    assert not page.aya_errors
    page.context.close()


def test_staff_run_watch_retry_and_cancel_tasks(browser: Any, staff_server: LiveServer, shot: Any) -> None:
    from playwright.sync_api import expect

    page = _page(browser, staff_server.url, "staff-1")
    page.get_by_role("tab", name="Staff").click()
    tasks = page.get_by_role("complementary", name="Tasks")
    expect(tasks.get_by_text("No tasks yet.")).to_be_visible()

    # A typed command starts a task; its card in the chat and its row in the list follow it to the end.
    box = page.get_by_role("textbox", name="Message")
    box.fill("run the tests")
    box.press("Enter")
    row = tasks.locator("[data-task-id='1']")
    expect(row).to_be_visible()
    chat = page.get_by_role("region", name="Aya Ops chat")
    expect(chat.get_by_text("1 passed, 1 failed, 0 skipped, 0 errors").first).to_be_visible()
    expect(row.locator(".task-state")).to_have_text("failed")
    expect(chat.locator(".msg.assistant").last).to_contain_text("Task 1 (Run the tests: suite): failed")
    shot(page, "tests-failed")

    # Retry from the list: a new task.
    row.get_by_role("button", name="Retry").click()
    expect(tasks.locator("[data-task-id='2'] .task-state")).to_have_text("failed")

    # Two tasks at once, with progress; cancel one.
    form = tasks.locator(".task-command")
    form.get_by_role("button", name="Start").click()
    form.get_by_role("button", name="Start").click()
    third, fourth = tasks.locator("[data-task-id='3']"), tasks.locator("[data-task-id='4']")
    expect(third.locator(".task-state")).to_have_text("running")
    expect(fourth.locator(".task-state")).to_have_text("running")
    expect(third.locator(".task-log")).to_contain_text("step")
    expect(third.get_by_role("progressbar")).to_be_visible()
    shot(page, "two-running")
    third.get_by_role("button", name="Cancel").click()
    expect(third.locator(".task-state")).to_have_text("cancelled")
    expect(fourth.locator(".task-state")).to_have_text("running")
    fourth.get_by_role("button", name="Cancel").click()
    expect(fourth.locator(".task-state")).to_have_text("cancelled")

    # Aya Ops' conversation is remembered under a key of its own: after a reload the shop's Text tab opens no staff
    # thread (it would be a 404 there), and the Staff tab opens its own again.
    page.reload()
    page.get_by_role("tab", name="Text").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Tell me about your pet")).to_be_visible()
    expect(page.get_by_text("Could not open the conversation")).to_have_count(0)
    expect(page.get_by_text("run the tests")).to_have_count(0)
    page.get_by_role("tab", name="Staff").click()
    expect(page.get_by_role("region", name="Aya Ops chat").get_by_text("run the tests").first).to_be_visible()
    assert not page.aya_errors
    page.context.close()
