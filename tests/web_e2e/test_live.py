"""The issue's scenario in a real browser: add an account against a fake provider, watch its
card fill in live on an overview that never reloads, set a budget, see the alert, export
CSV. The key typed into the page never comes back to it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from e2e_support import Console, Server, open_page
from playwright.sync_api import BrowserContext, expect

from aiusage.fake.openrouter import MANAGEMENT_KEY, FakeOpenRouter


def test_add_account_watch_it_live_set_a_budget_see_the_alert_export_csv(
    context: BrowserContext, serve: Callable[..., Server], tmp_path: Path
) -> None:
    fake = FakeOpenRouter(now_ms=int(time.time() * 1000))
    fake.start()
    try:
        server = serve(tmp_path / "home")
        console = Console()
        overview = open_page(context, server.url + "/", console)
        expect(overview.locator("#overview-empty")).to_be_visible()
        expect(overview.locator("#live")).to_have_text("live")
        overview.evaluate("window.stillTheSamePage = true")

        # Add the account on another tab, as a person would with the overview open.
        accounts = open_page(context, server.url + "/accounts", console)
        expect(accounts.locator("#accounts-empty")).to_be_visible()
        accounts.select_option("#a-provider", "openrouter")
        accounts.fill("#a-name", "router")
        accounts.fill("#a-key", MANAGEMENT_KEY)
        accounts.fill("#a-base", fake.base_url + "/api/v1")
        accounts.get_by_role("button", name="Add account").click()
        expect(accounts.locator("#toasts")).to_contain_text("Account router saved")
        expect(accounts.locator("[data-account=router]")).to_contain_text("ok", timeout=30_000)
        assert accounts.input_value("#a-key") == ""
        listed = accounts.request.get(server.url + "/api/v1/accounts").text()
        assert "router" in listed and MANAGEMENT_KEY not in listed
        assert MANAGEMENT_KEY not in accounts.content()
        # The row's buttons are htmx requests carrying the CSRF header.
        row = accounts.locator("[data-account=router]")
        row.get_by_role("button", name="Test router").click()
        expect(accounts.locator("#toasts")).to_contain_text("management key")
        row.get_by_role("button", name="Disable router").click()
        expect(row.locator(".badge")).to_have_text("disabled")
        row.get_by_role("button", name="Enable router").click()
        expect(row.locator(".badge")).to_have_text("ok")
        # Edit fills the form back, all but the key; saving with the key left empty keeps it.
        row.get_by_role("button", name="Edit router").click()
        expect(accounts.locator("#add-h")).to_have_text("Change router")
        assert accounts.input_value("#a-name") == "router"
        assert accounts.input_value("#a-base") == fake.base_url + "/api/v1"
        assert accounts.input_value("#a-key") == ""
        accounts.fill("#a-interval", "10m")
        accounts.get_by_role("button", name="Save account").click()
        expect(row).to_contain_text("every 10 min")
        expect(accounts.locator("#add-h")).to_have_text("Add an account")
        # Earlier toasts cleared first: a background collection's toast may land after
        # this one, so the newest toast is not necessarily the test's answer.
        accounts.evaluate("document.querySelector('#toasts').replaceChildren()")
        row.get_by_role("button", name="Test router").click()
        expect(accounts.locator("#toasts")).to_contain_text("management key")

        # The overview fills in from the event stream, without a reload.
        card = overview.locator("[data-card=router]")
        expect(card).to_be_visible(timeout=30_000)
        expect(card).to_contain_text("Balance")
        expect(card.locator(".badge")).to_have_text("ok")
        assert overview.evaluate("window.stillTheSamePage") is True
        expect(overview.locator("#overview-empty")).to_be_hidden()

        # A budget the fake's month of spend has already blown: the alert shows up in the
        # alert log, and as a toast on the overview that is still open.
        budgets = accounts
        budgets.goto(server.url + "/budgets")
        budgets.wait_for_selector("body[data-ready]")
        expect(budgets.locator("#budgets-empty")).to_be_visible()
        budgets.fill("#b-name", "tiny")
        budgets.fill("#b-limit", "0.01")
        budgets.select_option("#b-period", "custom")
        budgets.fill("#b-start", (date.today() - timedelta(days=40)).isoformat())
        budgets.fill("#b-end", (date.today() + timedelta(days=1)).isoformat())
        budgets.fill("#b-scope", "account:router")
        budgets.get_by_role("button", name="Save budget").click()
        budget = budgets.locator("[data-budget=tiny]")
        expect(budget.locator(".badge")).to_have_text("exceeded")
        expect(budgets.locator("#alerts-table")).to_contain_text("Budget tiny exceeded")
        expect(overview.locator("#toasts")).to_contain_text("tiny", timeout=15_000)
        expect(overview.locator("#status-badge")).to_have_text("Critical")
        assert overview.evaluate("window.stillTheSamePage") is True

        # Export what is there as CSV: a real download.
        budgets.goto(server.url + "/export")
        budgets.wait_for_selector("body[data-ready]")
        budgets.select_option("#e-format", "csv")
        with budgets.expect_download() as download_info:
            budgets.get_by_role("link", name="Download").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".csv")
        text = Path(download.path()).read_text()
        header, *rows = text.splitlines()
        assert "date" in header and "source" in header
        assert rows and all("router" in r for r in rows)
        assert MANAGEMENT_KEY not in text
        assert console.errors == []
    finally:
        fake.stop()
