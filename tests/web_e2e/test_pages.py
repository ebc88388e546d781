"""Every page over the demo home, as a person sees it: drawn without a console error, usable
from the keyboard, no sideways scroll on a phone, dark when the system is dark."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import Console, Server, aiusage, open_page, paint_ms, start_server, stop_server
from playwright.sync_api import Browser, expect

PAGES = ("/", "/history", "/limits", "/budgets", "/accounts", "/settings", "/export")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One demo home (30 days of agents and 8 accounts) served without collecting."""
    root = tmp_path_factory.mktemp("demo")
    home = root / "home"
    made = aiusage(home, "demo", "--once", "--home", str(home))
    assert made.returncode == 0, made.stderr
    budget = aiusage(home, "budgets", "set", "monthly", "--limit", "50")
    assert budget.returncode == 0, budget.stderr
    server = start_server(home, "--no-collect")
    yield server
    stop_server(server)


def test_every_page_draws_the_demo_without_console_errors(chromium: Browser, demo: Server) -> None:
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    console = Console()
    try:
        page = open_page(ctx, demo.url + "/", console)
        timing = paint_ms(page)
        print(
            f"\noverview: first contentful paint {timing['fcp']:.0f} ms, "
            f"data drawn {timing['ready']:.0f} ms after navigation"
        )
        assert timing["fcp"] is not None and timing["fcp"] < 5000  # measured, reported above
        expect(page.locator("[data-card]")).to_have_count(10)
        expect(page.locator("#statusbar")).to_contain_text("budget monthly exceeded")
        expect(page.locator("#status-badge")).to_have_text("Critical")
        expect(page.locator("#totals .tile")).to_have_count(5)
        assert "$" in page.locator("#totals .tile").first.inner_text()

        checks = {
            "/history": "#history-chart canvas",
            "/limits": "#windows .card",
            "/budgets": "[data-budget=monthly]",
            "/accounts": "[data-account=deepseek-demo]",
            "/settings": "#database dd",
            "/export": "#e-source option[value=claude-code]",
        }
        for path, selector in checks.items():
            page.goto(demo.url + path)
            page.wait_for_selector("body[data-ready]")
            expect(page.locator(selector).first).to_be_attached()
        page.goto(demo.url + "/history")
        page.wait_for_selector("body[data-ready]")
        weight = page.evaluate(
            """() => performance.getEntriesByType('resource')
                .filter((r) => /\\.(js|css)(\\?|$)/.test(r.name))
                .reduce((sum, r) => sum + r.decodedBodySize, 0)"""
        )
        print(f"history (the heaviest page): {weight} bytes of JS and CSS")
        assert 0 < weight <= 1_500_000
        page.get_by_role("button", name="7d").click()
        page.select_option("#metric", "tokens")
        expect(page.locator("#history-tiles")).to_contain_text("Tokens in range")
        page.wait_for_timeout(500)
        assert console.errors == []
    finally:
        ctx.close()


def test_the_keyboard_reaches_every_nav_link_and_the_skip_link(
    chromium: Browser, demo: Server
) -> None:
    ctx = chromium.new_context(locale="en-US")
    try:
        page = open_page(ctx, demo.url + "/budgets")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        page.goto(demo.url + "/budgets")
        page.wait_for_selector("body[data-ready]")
        reached = []
        for _ in range(15):
            page.keyboard.press("Tab")
            reached.append(page.evaluate("document.activeElement.getAttribute('href')"))
        assert set(PAGES) <= set(reached)
        # The focused link shows it: an outline, not the browser's nothing.
        page.locator("nav a[href='/limits']").focus()
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("", "none")
    finally:
        ctx.close()


def test_a_phone_never_scrolls_sideways(chromium: Browser, demo: Server) -> None:
    ctx = chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="en-US"
    )
    try:
        page = ctx.new_page()
        for path in PAGES:
            page.goto(demo.url + path)
            page.wait_for_selector("body[data-ready]")
            page.wait_for_timeout(200)  # charts lay out after the data
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width}px wide on a 390px phone"
    finally:
        ctx.close()


def test_dark_mode_follows_the_system(chromium: Browser, demo: Server, tmp_path: Path) -> None:
    def background(scheme: str) -> float:
        ctx = chromium.new_context(color_scheme=scheme, locale="en-US")  # type: ignore[arg-type]
        try:
            page = open_page(ctx, demo.url + "/")
            rgb = page.evaluate(
                "getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number)"
            )
            return float(0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255
        finally:
            ctx.close()

    assert background("dark") < 0.2 < 0.8 < background("light")
