"""Accessibility and the phone, in real headless Chromium against the real server (``aya serve``, offline model).

axe-core (the npm package pinned in ``frontend/package-lock.json``) runs inside the page in every state a shopper
reaches (start, a conversation with cards, a comparison, details, the Voice tab; light and dark; desktop and a
390×844 touch phone): no violation of serious or critical impact is allowed. On the phone, every control is at least
44×44 px, product titles wrap instead of being cut, the keyboard hint is gone and the placeholder fits on one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web.conftest import REPO_ROOT, LiveServer
from tests.web.test_browser import TIMEOUT_MS, send, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = REPO_ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 860}}
# What "the shopper's pages" must pass: WCAG 2.x A and AA plus axe's best practices (landmarks, heading order).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# Moderate in axe's scale, but asked for by name: one main landmark, headings in order.
STRUCTURE_RULES = {"heading-order", "landmark-one-main", "landmark-no-duplicate-main", "landmark-unique"}


def axe_violations(page: Any, state: str) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now, one line per rule and element."""
    assert AXE.is_file(), f"axe-core is not installed at {AXE}: run `make install-frontend` (npm ci)"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ') + ': '"
        " + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))}))",
        AXE_TAGS,
    )
    return [
        f"[{state}] {v['id']} ({v['impact']}): {node}"
        for v in result
        if v["impact"] in ("serious", "critical") or v["id"] in STRUCTURE_RULES
        for node in v["nodes"][:4]
    ]


@pytest.fixture(params=["light", "dark"])
def scheme(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _context(browser: Any, scheme: str, device: dict[str, Any]) -> Any:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    # axe-core is injected as a script tag, which the app's CSP (script-src 'self') rightly refuses: these contexts
    # bypass the CSP for the injection only; what axe checks (the rendered page) is the same.
    return browser.new_context(color_scheme=scheme, bypass_csp=True, **device)


@pytest.fixture(params=["desktop", "phone"])
def device(request: pytest.FixtureRequest) -> dict[str, Any]:
    return PHONE if request.param == "phone" else DESKTOP


@pytest.fixture
def page(browser: Any, live_server: LiveServer, scheme: str, device: dict[str, Any]) -> Iterator[Any]:
    context = _context(browser, scheme, device)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(live_server.url)
    yield pg
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def test_no_serious_axe_violations_in_any_state(page: Any, scheme: str, device: dict[str, Any], shot: Any) -> None:
    from playwright.sync_api import expect

    found: list[str] = []
    expect(page.locator(".start-screen")).to_be_visible()
    found += axe_violations(page, "start")
    # The page has one main landmark, and it is not hidden behind a tab role.
    assert page.locator("main").count() == 1 and page.locator("main").get_attribute("role") is None

    send(page, "Hi! I need food for my cat")
    wait_idle(page, 1)
    send(page, "She is 12 years old, dry food please")
    wait_idle(page, 2)
    found += axe_violations(page, "cards")

    details_button = page.locator('.widget [data-widget="Card"]').first.get_by_role("button", name="Details").first
    details_button.click()
    wait_idle(page, 3)
    found += axe_violations(page, "details")

    product_list = page.locator('.widget [data-widget="Card"]').filter(has=page.get_by_text("Compare selected")).last
    boxes = product_list.get_by_role("checkbox", name="Compare")
    boxes.nth(0).check()
    boxes.nth(1).check()
    product_list.get_by_role("button", name="Compare selected").click()
    wait_idle(page, 4)
    found += axe_violations(page, "compare")

    # Thumbs down opens the reason form; the feedback states are checked too.
    page.locator(".msg.assistant").last.get_by_role("button", name="Bad answer").click()
    found += axe_violations(page, "feedback")
    shot(page, "compare")

    page.get_by_role("tab", name="Voice").click()
    expect(page.locator(".voice-tab")).to_be_visible()
    found += axe_violations(page, "voice")
    assert not found, "axe-core violations:\n" + "\n".join(found)


def _small_targets(page: Any) -> list[str]:
    """Visible controls smaller than 44×44 px (a control inside a label counts with its label)."""
    return list(
        page.evaluate(
            """() => {
              const out = [];
              const sel = 'button, a[href], input:not([type=hidden]), select, textarea, [role=tab], [role=button]';
              for (const el of document.querySelectorAll(sel)) {
                if (el.closest('[hidden], .sr-only') || el.classList.contains('skip-link')) continue;
                const target = el.closest('label') || el;
                const r = target.getBoundingClientRect();
                if (r.width === 0 || r.height === 0) continue;  // not shown
                const style = getComputedStyle(el);
                if (style.visibility === 'hidden' || style.display === 'none') continue;
                if (r.width < 44 || r.height < 44) {
                  const name = el.getAttribute('aria-label') || el.textContent.trim().slice(0, 30) || el.tagName;
                  out.push(`${name}: ${Math.round(r.width)}x${Math.round(r.height)}`);
                }
              }
              return out;
            }"""
        )
    )


def test_phone_touch_targets_titles_hint_and_placeholder(browser: Any, live_server: LiveServer, shot: Any) -> None:
    from playwright.sync_api import expect

    context = _context(browser, "light", PHONE)
    page = context.new_page()
    try:
        page.goto(live_server.url)
        expect(page.locator(".start-screen")).to_be_visible()
        # No "Enter to send" hint on a touch screen; the placeholder fits on one line of the composer.
        expect(page.locator(".composer-hint")).to_be_hidden()
        box = page.get_by_role("textbox", name="Message")
        fits = box.evaluate("el => el.scrollHeight <= el.clientHeight + 1 && el.clientHeight < 56")
        assert fits, box.evaluate("el => [el.scrollHeight, el.clientHeight, el.placeholder]")
        assert not _small_targets(page), _small_targets(page)

        send(page, "Hi! I need food for my cat")
        wait_idle(page, 1)
        send(page, "She is 12 years old, dry food please")
        wait_idle(page, 2)
        page.locator(".msg.user").last.evaluate("el => el.scrollIntoView({block: 'start'})")
        shot(page, "phone-cards")
        small = _small_targets(page)
        assert not small, f"controls under 44x44 px on a phone: {small}"
        # Product titles wrap: every title shows all its text.
        cut = page.evaluate(
            """() => [...document.querySelectorAll('.widget .w-title, .widget .w-text')]
                 .filter(t => t.scrollWidth > t.clientWidth + 1 || t.scrollHeight > t.clientHeight + 1)
                 .map(t => t.textContent)"""
        )
        assert cut == [], f"titles cut: {cut}"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        # The on-screen keyboard takes half the screen (the viewport shrinks: interactive-widget=resizes-content):
        # the composer is still on screen and usable, and only the conversation scrolls.
        page.set_viewport_size({"width": 390, "height": 420})
        box.focus()
        rect = box.bounding_box()
        assert rect is not None and rect["y"] >= 0 and rect["y"] + rect["height"] <= 420, rect
        assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
        box.fill("only wet food")
        box.press("Enter")
        wait_idle(page, 3)
        page.set_viewport_size({"width": 390, "height": 844})

        # The Voice tab on a phone: big enough controls too.
        page.get_by_role("tab", name="Voice").click()
        expect(page.locator(".voice-tab")).to_be_visible()
        small = _small_targets(page)
        assert not small, f"Voice tab controls under 44x44 px on a phone: {small}"
    finally:
        context.close()


def test_focus_returns_after_a_card_action(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    context = _context(browser, "light", DESKTOP)
    page = context.new_page()
    try:
        page.goto(live_server.url)
        send(page, "Hi! I need food for my cat")
        wait_idle(page, 1)
        send(page, "She is 12 years old, dry food please")
        wait_idle(page, 2)
        details = page.locator('.widget [data-widget="Card"]').first.get_by_role("button", name="Details").first
        details.focus()
        page.keyboard.press("Enter")
        wait_idle(page, 3)
        # Focus is not dropped to the page body: it stays on the control that acted (the answer is announced).
        assert page.evaluate("document.activeElement && document.activeElement !== document.body")
        expect(details).to_be_focused()
    finally:
        context.close()


def test_axe_is_pinned_in_the_lockfile() -> None:
    lock = (Path(REPO_ROOT) / "frontend" / "package-lock.json").read_text()
    assert '"node_modules/axe-core"' in lock and '"version": "4.14.1"' in lock
