"""The Team page in a real browser against a real team server: members made with the CLI,
their usage pushed over HTTP with their own tokens, the server on 0.0.0.0 with its access
token as a team server runs. The owner (the access-token cookie) sees and manages
everyone; a member and a viewer sign in on the page with their own token and see what
their role allows; a wrong token is refused with the fix."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import Console, Server, aiusage, open_page, start_server, stop_server
from playwright.sync_api import Browser, BrowserContext, Page, expect
from team_seed import add_user, event, now_ms, push, set_user

MEMBERS = ("ada", "alice", "bob", "carol")  # those who push
EXPECTED_401 = "status of 401"  # the sign-in page's first look at /api/v1/team/me


@dataclass
class Team:
    server: Server
    owner_token: str
    tokens: dict[str, str]

    @property
    def url(self) -> str:
        return self.server.url

    def api(self, path: str, token: str | None = None, **params: Any) -> Any:
        bearer = {"Authorization": f"Bearer {token or self.owner_token}"}
        got = httpx.get(self.url + "/api/v1/team" + path, headers=bearer, params=params)
        got.raise_for_status()
        return got.json() if "json" in got.headers["content-type"] else got.text


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    """Five people and a disabled sixth on one served home; four of them pushed."""
    home = tmp_path_factory.mktemp("team") / "home"
    tokens = {
        "ada": add_user(home, "ada", "--role", "admin", "--department", "platform"),
        "alice": add_user(home, "alice", "--department", "eng", "--email", "alice@example.com"),
        "bob": add_user(home, "bob", "--department", "eng", "--label", "bob-pc"),
        "carol": add_user(home, "carol", "--department", "data"),
        "vic": add_user(home, "vic", "--role", "viewer", "--department", "finance"),
        "dan": add_user(home, "dan", "--department", "data"),
    }
    set_user(home, "alice", "--leaderboard")
    set_user(home, "ada", "--leaderboard")
    set_user(home, "bob", "--hide-projects")
    set_user(home, "dan", "--role", "member")  # an audit entry more
    assert aiusage(home, "team", "users", "disable", "dan").returncode == 0  # history kept
    server = start_server(home, "--no-collect", "--host", "0.0.0.0")
    try:
        found = re.search(r"Access token.*\n(\S+)", server.log)
        assert found, server.log
        # Within the last two hours: the same figures whatever the day of the month.
        ago = [now_ms() - i * 5 * 60_000 for i in range(24)]
        push(server.url, tokens["alice"], [
            event(f"al{i}:r", ago[i], 0.0, project="shop", input_tokens=20_000,
                  output_tokens=3_000) for i in range(24)
        ], "alice-laptop")  # fmt: skip
        push(server.url, tokens["bob"], [
            event(f"bo{i}:r", ago[i], 0.0, project="secret-skunkworks", input_tokens=9_000,
                  output_tokens=1_500) for i in range(12)
        ], "bob-pc")  # fmt: skip
        push(server.url, tokens["ada"], [
            event(f"ad{i}:r", ago[i], 0.0, project="infra", source="codex", provider="openai",
                  model="gpt-5", input_tokens=12_000, output_tokens=2_000) for i in range(8)
        ], "ada-mac")  # fmt: skip
        push(server.url, tokens["carol"], [
            event(f"ca{i}:r", ago[i], 0.0, project="shop-reports", input_tokens=4_000,
                  output_tokens=700) for i in range(6)
        ], "carol-box")  # fmt: skip
        yield Team(server, found.group(1), tokens)
    finally:
        stop_server(server)


def money(v: float) -> str:
    """What the page's A.money shows (en-US): 2 decimals, up to 4 under a dollar."""
    if 0 < abs(v) < 0.995:
        text = f"{v:.4f}".rstrip("0")
        return "$" + (text + "0" * (2 - len(text.split(".")[1])))
    return f"${v:,.2f}"


def owner_page(ctx: BrowserContext, team: Team, console: Console | None = None) -> Page:
    ctx.add_cookies([{"name": "aiusage_token", "value": team.owner_token, "url": team.url}])
    page = open_page(ctx, team.url + "/team", console)
    expect(page.locator("#team-signed-in")).to_contain_text("owner")
    return page


def sign_in(ctx: BrowserContext, team: Team, token: str, console: Console | None = None) -> Page:
    page = open_page(ctx, team.url + "/team", console)
    expect(page.get_by_role("heading", name="Sign in with your team token")).to_be_visible()
    page.get_by_role("textbox", name="Team token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    return page


def tile(page: Page, label: str) -> str:
    return page.locator("#team-tiles .tile", has_text=label).locator(".value").inner_text()


def test_the_owner_sees_the_members_and_totals_of_the_api_and_a_members_detail(
    context: BrowserContext, team: Team
) -> None:
    console = Console()
    page = owner_page(context, team, console)
    api = team.api("/overview", period="month")
    assert tile(page, "Spent this month") == money(api["totals"]["month_usd"])
    assert tile(page, "Spent today") == money(api["totals"]["today_usd"])
    totals = api["totals"]
    assert totals["members"] == 5  # dan is disabled
    assert tile(page, "Active members this month") == f"{totals['members_active']} of 5"
    # Everyone, costliest first, as the API ranks them; the disabled one says so.
    rows = page.locator("#members-table tbody tr")
    expect(rows).to_have_count(len(api["members"]))
    names = [r.get_attribute("data-member") for r in rows.all()]
    assert names == [m["name"] for m in api["members"]]
    assert names[:4] == ["alice", "bob", "ada", "carol"]
    expect(page.locator("tr[data-member=dan]")).to_contain_text("disabled")
    top = api["members"][0]
    expect(rows.first).to_contain_text(money(top["cost_usd"]))
    share = round(100 * top["cost_usd"] / sum(m["cost_usd"] for m in api["members"]))
    bar = rows.first.get_by_role("progressbar")
    assert bar.get_attribute("aria-valuenow") == str(share)
    # Projects: bob hides his names from everyone, admins included.
    expect(page.locator("#projects-table")).to_contain_text("(hidden)")
    expect(page.locator("#projects-table")).not_to_contain_text("secret-skunkworks")
    expect(page.locator("#depts-table tbody tr")).to_have_count(len(api["departments"]))
    expect(page.locator("#leaderboard li")).to_have_count(2)  # ada and alice opted in

    page.get_by_role("button", name="alice: show the detail").click()
    detail = page.locator("#member-detail")
    expect(detail.get_by_role("heading", name="alice")).to_be_visible()
    expect(detail).to_contain_text("alice@example.com")
    expect(detail.locator("#detail-chart canvas")).to_be_attached()
    expect(detail.locator("#detail-machines")).to_contain_text("alice-laptop")
    expect(detail.locator("#detail-projects")).to_contain_text("shop")
    expect(detail.locator("#detail-sources")).to_contain_text("claude-sonnet-4-5")
    mine = team.api("/members/alice")
    expect(detail.locator("#detail-tiles")).to_contain_text(money(mine["totals"]["month_usd"]))
    page.get_by_role("button", name="bob: show the detail").click()
    expect(detail.locator("#detail-projects")).to_contain_text("(hidden)")
    expect(detail.locator("#detail-machines")).to_contain_text("bob-pc")

    page.get_by_role("button", name="Today").click()
    today = team.api("/overview", period="today")["totals"]
    expect(page.locator("#team-tiles")).to_contain_text("Tokens today")
    expect(page.locator("#team-tiles .tile", has_text="Requests today")).to_contain_text(
        f"{today['requests']:,}"
    )

    # Live: a push moves the markers, the page refreshes itself (throttled) without reload.
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name="This month").click()
    expect(page.locator("#team-tiles")).to_contain_text("Tokens this month")
    before = tile(page, "Spent this month")
    push(team.url, team.tokens["carol"], [
        event(f"live{i}:r", now_ms() - i * 1000, 0.0, project="shop-reports",
              input_tokens=50_000, output_tokens=9_000) for i in range(3)
    ], "carol-box")  # fmt: skip
    after = money(team.api("/overview", period="month")["totals"]["month_usd"])
    assert after != before
    expect(page.locator("#team-tiles .tile", has_text="Spent this month")).to_contain_text(
        after, timeout=15_000
    )
    assert page.evaluate("window.stillTheSamePage") is True
    assert console.errors == []


def test_revoking_a_token_shows_in_the_audit_log_which_pages_back(
    context: BrowserContext, team: Team
) -> None:
    owner = {"Authorization": f"Bearer {team.owner_token}"}
    for i in range(6):  # more history than one page of the log holds
        changed = httpx.patch(
            team.url + "/api/v1/team/users/vic", json={"email": f"vic{i}@example.com"},
            headers=owner,
        )  # fmt: skip
        assert changed.status_code == 200, changed.text
    page = owner_page(context, team)
    page.on("dialog", lambda d: d.accept())
    form = page.locator("#add-token-form")
    form.get_by_label("Member").select_option("carol")
    form.get_by_label("Label").fill("carol-desktop")
    form.get_by_role("button", name="Make token").click()
    dialog = page.locator("#token-dialog")
    expect(dialog.get_by_role("heading", name="Token for carol")).to_be_visible()
    token = page.locator("#token-value").input_value()
    assert team.api("/me", token=token)["name"] == "carol"
    dialog.get_by_role("button", name="Done").click()
    expect(page.locator("#token-value")).to_have_value("")  # shown once

    row = page.locator("#tokens-table tr", has_text="carol-desktop")
    token_id = row.get_attribute("data-token")
    row.get_by_role("button", name=re.compile("Revoke token")).click()
    expect(page.locator("#toasts")).to_contain_text(f"Token {token_id} of carol revoked")
    expect(page.locator("#tokens-table tr", has_text="carol-desktop")).to_have_count(0)
    page.get_by_label("Show revoked").check()
    expect(page.locator("#tokens-table tr", has_text="carol-desktop")).to_contain_text("revoked")
    assert httpx.get(team.url + "/api/v1/team/me", headers={
        "Authorization": f"Bearer {token}"}).status_code == 401  # fmt: skip
    newest = page.locator("#audit-table tbody tr").first
    expect(newest).to_contain_text("revoked a token of carol")
    expect(newest).to_contain_text(f"token {token_id}")
    expect(newest).to_contain_text("owner")

    # Newest first, 20 at a time; "Older entries" pages back to the very first change.
    total = len(team.api("/audit", limit=1000)["entries"])
    assert total > 20
    expect(page.locator("#audit-table tbody tr")).to_have_count(20)
    while page.locator("#audit-older").is_visible():
        page.locator("#audit-older").click()
        page.wait_for_timeout(150)
    expect(page.locator("#audit-table tbody tr")).to_have_count(total)
    expect(page.locator("#audit-table tbody tr").last).to_contain_text("added member ada")
    expect(page.locator("#audit-table tbody tr").last).to_contain_text("cli:")


def test_cost_centres_then_the_chargeback_csv(context: BrowserContext, team: Team) -> None:
    page = owner_page(context, team)
    editor = page.locator("#cc-form")
    expect(page.locator("#cc-empty")).to_be_visible()
    for pattern, centre in (("shop-*", "retail"), ("shop", "storefront")):
        editor.get_by_role("button", name="Add a rule").click()
        n = editor.locator("li").count()
        editor.get_by_label(f"Project pattern of rule {n}").fill(pattern)
        editor.get_by_label(f"Cost centre of rule {n}").fill(centre)
    editor.get_by_role("button", name="Move rule 2 up").click()  # order matters
    expect(editor.get_by_label("Project pattern of rule 1")).to_have_value("shop")
    editor.get_by_role("button", name="Save rules").click()
    expect(page.locator("#toasts")).to_contain_text("Cost-centre rules saved (2)")
    assert team.api("/cost-centres")["rules"] == [
        {"pattern": "shop", "cost_centre": "storefront"},
        {"pattern": "shop-*", "cost_centre": "retail"},
    ]
    expect(page.locator("#audit-table tbody tr").first).to_contain_text("shop → storefront")
    page.reload()
    page.wait_for_selector("body[data-ready]")
    expect(page.get_by_label("Cost centre of rule 2")).to_have_value("retail")

    month = page.locator("#cb-month").input_value()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename == f"aiusage-chargeback-{month}.csv"
    text = Path(download.path()).read_text()
    assert text == team.api("/chargeback.csv", month=month)
    rows = list(csv.DictReader(io.StringIO(text)))
    centre = {(r["user"], r["project"]): r["cost_centre"] for r in rows}
    assert centre[("alice", "shop")] == "storefront"
    assert centre[("carol", "shop-reports")] == "retail"
    assert centre[("ada", "infra")] == "platform"  # no rule: the member's department
    assert centre[("bob", "(hidden)")] == "eng"  # the real name decided, never shown
    assert {r["month"] for r in rows} == {month}


def test_an_empty_server_teaches_then_a_new_members_token_is_shown_once(
    context: BrowserContext, tmp_path: Path
) -> None:
    server = start_server(tmp_path / "empty", "--no-collect")  # loopback: the owner
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
        console = Console()
        page = open_page(context, server.url + "/team", console)
        empty = page.locator("#team-empty")
        expect(empty).to_be_visible()
        expect(empty).to_contain_text("aiusage team users add")
        expect(empty).to_contain_text(f"aiusage team join {server.url}")

        form = page.locator("#add-member-form")
        form.get_by_label("Name").fill("erin")
        form.get_by_label("Department").fill("eng")
        form.get_by_label("Email").fill("erin@example.com")
        form.get_by_label("Token label").fill("erin-laptop")
        form.get_by_role("button", name="Add member").click()
        dialog = page.locator("#token-dialog")
        expect(dialog.get_by_role("heading", name="Token for erin")).to_be_visible()
        token = page.locator("#token-value").input_value()
        assert token.startswith("aiu_")
        expect(page.locator("#token-cmd")).to_have_value(f"aiusage team join {server.url}")
        dialog.get_by_role("button", name="Copy token").click()
        expect(dialog.get_by_role("button", name="Copied ✓")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == token
        dialog.get_by_role("button", name="Done").click()
        expect(dialog).to_be_hidden()
        expect(empty).to_be_hidden()
        expect(page.locator("#team-quiet")).to_contain_text("No member has joined yet")
        bearer = {"Authorization": "Bearer " + token}  # what `aiusage team join` checks
        got = httpx.get(server.url + "/api/v1/team/me", headers=bearer)
        assert got.json() == {"name": "erin", "role": "member", "owner": False}
        expect(page.locator("#people-table tr[data-user=erin]")).to_contain_text("eng")
        # The same name again: the API's 409, said in a toast with its fix.
        form.get_by_label("Name").fill("erin")
        form.get_by_role("button", name="Add member").click()
        expect(page.locator("#toasts")).to_contain_text("Could not add erin")
        expect(page.locator("#toasts")).to_contain_text("exists")

        page.reload()
        page.wait_for_selector("body[data-ready]")
        expect(page.locator("#people-table tr[data-user=erin]")).to_be_visible()
        expect(page.locator("#tokens-table tr", has_text="erin-laptop")).to_be_visible()
        assert token not in page.content()  # gone: only its row stays
        # Change her role and department in the dialog; the audit log says what changed.
        page.get_by_role("button", name="Change erin").click()
        edit = page.locator("#edit-dialog")
        edit.get_by_label("Role").select_option("viewer")
        edit.get_by_label("Department").fill("finance")
        edit.get_by_role("button", name="Save changes").click()
        expect(page.locator("#people-table tr[data-user=erin]")).to_contain_text("viewer")
        expect(page.locator("#audit-table tbody tr").first).to_contain_text("role: viewer")
        assert [e for e in console.errors if "409 (Conflict)" not in e] == []  # the 2nd erin
    finally:
        stop_server(server)


def test_a_member_signs_in_and_sees_only_their_own_detail(
    context: BrowserContext, team: Team
) -> None:
    console = Console()
    asked: list[str] = []
    context.on("request", lambda r: asked.append(r.url.replace(team.url, "")))
    page = sign_in(context, team, team.tokens["alice"], console)
    expect(page.locator("#team-signed-in")).to_contain_text("alice (member)")
    detail = page.locator("#member-detail")
    expect(detail.get_by_role("heading", name="Your usage (alice)")).to_be_visible()
    expect(detail.locator("#detail-machines")).to_contain_text("alice-laptop")
    mine = team.api("/members/alice", token=team.tokens["alice"])
    expect(detail.locator("#detail-tiles")).to_contain_text(money(mine["totals"]["month_usd"]))
    expect(page.locator("#leaderboard li")).to_have_count(2)
    for hidden in ("#members-panel", "#team-admin", "#status-badge", "#detail-close"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("nav a:visible")).to_have_count(1)  # Team; the rest would 401
    expect(page.locator("#live")).to_have_text("every 30 s")
    main = page.locator("#team-main").inner_text()
    for other in ("bob", "carol", "secret-skunkworks", "bob-pc"):
        assert other not in main
    # The tab's token goes with every team request; another member's detail is refused.
    refused = page.evaluate(
        "aiusage.api('/api/v1/team/members/bob').then(() => 0, (e) => e.status)"
    )
    assert refused == 403
    assert not [u for u in asked if u.startswith(("/api/v1/events", "/api/v1/overview"))]
    assert page.evaluate("sessionStorage.getItem('aiusage_team_token')") == team.tokens["alice"]
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in with your team token")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('aiusage_team_token')") is None
    expected = (EXPECTED_401, "403 (Forbidden) @ " + team.url + "/api/v1/team/members/bob")
    assert [e for e in console.errors if not any(x in e for x in expected)] == []


def test_a_viewer_sees_aggregates_only(context: BrowserContext, team: Team) -> None:
    page = sign_in(context, team, team.tokens["vic"])
    expect(page.locator("#team-signed-in")).to_contain_text("vic (viewer)")
    expect(page.locator("#viewer-note")).to_be_visible()
    api = team.api("/overview", token=team.tokens["vic"], period="month")
    assert tile(page, "Spent this month") == money(api["totals"]["month_usd"])
    for hidden in ("#members-panel", "#member-detail", "#leaderboard-panel", "#team-admin"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("#depts-table tbody tr")).to_have_count(len(api["departments"]))
    main = page.locator("#team-main").inner_text()
    for name in MEMBERS:
        assert name not in main


def test_a_wrong_token_is_refused_with_the_fix(context: BrowserContext, team: Team) -> None:
    page = sign_in(context, team, "aiu_not-a-real-token")
    error = page.locator("#signin-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("not accepted")
    expect(error).to_contain_text("ask your team's admin for a new one")
    expect(page.get_by_role("textbox", name="Team token")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#team-main")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('aiusage_team_token')") is None


def test_the_team_page_on_a_phone_by_keyboard_and_in_the_dark(
    chromium: Browser, team: Team
) -> None:
    phone = chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="en-US"
    )
    try:
        page = owner_page(phone, team)
        page.get_by_role("button", name="alice: show the detail").click()
        expect(page.locator("#detail-chart canvas")).to_be_attached()
        page.wait_for_timeout(200)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"/team is {width}px wide on a 390px phone"
    finally:
        phone.close()
    dark = chromium.new_context(color_scheme="dark", locale="en-US")
    try:
        page = owner_page(dark, team)
        rgb = page.evaluate(
            "getComputedStyle(document.querySelector('.panel')).backgroundColor.match(/\\d+/g)"
        )
        assert sum(int(c) for c in rgb[:3]) < 3 * 60
        # From the keyboard: the period switch, then a member's button opens the detail.
        page.get_by_role("button", name="This week").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("button", name="This week")).to_have_attribute(
            "aria-pressed", "true"
        )
        page.get_by_role("button", name="carol: show the detail").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#member-detail")).to_be_focused()
        expect(page.locator("#detail-h")).to_have_text("carol")
        page.keyboard.press("Tab")  # the first control in the detail: Close
        page.keyboard.press("Enter")
        expect(page.locator("#member-detail")).to_be_hidden()
        expect(page.get_by_role("button", name="carol: show the detail")).to_be_focused()
    finally:
        dark.close()
