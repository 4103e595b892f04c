"""The ticket card (get_ticket's app) in headless Chromium through the reference host."""

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from atera_mcp.auth.tokens import TokenFile
from tests.apps.browser_rig import HOST_VARIABLES, AppPage, open_app
from tests.harness import NOW, TECHNICIANS, settings
from tests.server.http_rig import http_rig
from tests.server.mcp_rig import McpRig, mcp_rig

pytestmark = pytest.mark.anyio

# The skill document's table, written out here rather than read from domain/policy.
MOVES = {
    "Open": ["Pending", "Resolved"],
    "Pending": ["Open", "Resolved", "Closed"],
    "Resolved": ["Open", "Closed"],
    "Closed": [],
}
HOSTILE = "<img src=x onerror=\"document.documentElement.dataset.pwned='yes'\">"


async def first_with_status(rig: McpRig, status: str) -> int:
    found = await rig.ok("search_tickets", status=[status], limit=1)
    ticket_id: int = found["tickets"][0]["ticket_id"]
    return ticket_id


async def status_of(rig: McpRig, ticket_id: int) -> str:
    status: str = (await rig.ok("get_ticket", ticket_id=ticket_id))["ticket"]["status"]
    return status


async def shown_moves(shown: AppPage) -> list[str]:
    await expect(shown.app.locator(".time")).to_be_visible()  # the card has what it fetched
    moves: list[str] = []
    for button in await shown.app.locator("button.move").all():
        moves.append(str(await button.get_attribute("data-status")))
    return moves


async def test_the_card_shows_the_tickets_own_title_status_people_and_sla(browser: Browser) -> None:
    async with mcp_rig() as rig:
        ticket = (await rig.ok("get_ticket", ticket_id=300))["ticket"]
        async with open_app(browser, rig, "get_ticket", {"ticket_id": 300}) as shown:
            app = shown.app
            await expect(app.locator("h1.title")).to_have_text(ticket["title"])
            await expect(app.locator(".badges .badge").first).to_have_text(ticket["status"])
            await expect(app.locator(".people")).to_contain_text(ticket["customer"]["name"])
            await expect(app.locator(".people")).to_contain_text(ticket["technician"]["name"])
            # Created 14:44 with Low priority (24 h), seen at 15:00 the same day.
            sla = app.locator("table.sla tbody tr")
            await expect(sla.nth(0)).to_contain_text("First response")
            await expect(sla.nth(0).locator(".sla-state")).to_have_text("23 h 44 min left")
            await expect(app.locator(".comment").first).to_contain_text(ticket["description"])
            await expect(app.locator(".time")).to_contain_text("Billable")
            assert max(await shown.sizes()) > 300  # it told the host how tall it is
            shown.assert_clean()


async def test_a_hostile_title_and_reply_render_as_text_and_run_nothing(browser: Browser) -> None:
    async with mcp_rig() as rig:
        contacts = await rig.ok("find_contacts", email="david.reed@")
        created = await rig.ok(
            "create_ticket",
            title=HOSTILE,
            description="<script>document.documentElement.dataset.pwned='yes'</script>",
            end_user_id=contacts["contacts"][0]["id"],
        )
        ticket_id = created["ticket"]["ticket_id"]
        await rig.ok("add_comment", ticket_id=ticket_id, text=HOSTILE, internal=False)
        async with open_app(browser, rig, "get_ticket", {"ticket_id": ticket_id}) as shown:
            app = shown.app
            await expect(app.locator("h1.title")).to_have_text(HOSTILE)
            await expect(app.locator(".comment-text").first).to_have_text(HOSTILE)
            await expect(app.locator(".description")).to_contain_text("<script>")
            assert await app.locator("img, main script").count() == 0
            assert await app.locator("html").get_attribute("data-pwned") is None
            shown.assert_clean()


@pytest.mark.parametrize("status", list(MOVES))
async def test_the_status_buttons_offer_exactly_the_moves_the_rules_allow(
    browser: Browser, status: str
) -> None:
    async with mcp_rig() as rig:
        ticket_id = await first_with_status(rig, status)
        async with open_app(browser, rig, "get_ticket", {"ticket_id": ticket_id}) as shown:
            assert await shown_moves(shown) == MOVES[status]
            shown.assert_clean()


async def test_an_allowed_move_asks_first_then_lands_in_the_sandbox(browser: Browser) -> None:
    async with mcp_rig() as rig:
        ticket_id = await first_with_status(rig, "Open")
        async with open_app(browser, rig, "get_ticket", {"ticket_id": ticket_id}) as shown:
            await shown_moves(shown)
            await shown.app.locator("button.move[data-status=Pending]").click()
            await expect(shown.app.locator(".confirm")).to_contain_text("to Pending?")
            assert "update_ticket" not in [name for name, _ in shown.tool_calls]
            await shown.app.locator("button.confirm-yes").click()
            await expect(shown.app.locator(".notice.ok")).to_contain_text("Pending")
            assert await status_of(rig, ticket_id) == "Pending"
            await expect(shown.app.locator(".badges .badge").first).to_have_text("Pending")
            assert await shown_moves(shown) == MOVES["Pending"]
            shown.assert_clean()


async def test_a_cancelled_move_sends_nothing(browser: Browser) -> None:
    async with mcp_rig() as rig:
        ticket_id = await first_with_status(rig, "Open")
        async with open_app(browser, rig, "get_ticket", {"ticket_id": ticket_id}) as shown:
            await shown_moves(shown)
            await shown.app.locator("button.move[data-status=Resolved]").click()
            await shown.app.locator("button.confirm-no").click()
            await expect(shown.app.locator(".confirm")).to_have_count(0)
            assert "update_ticket" not in [name for name, _ in shown.tool_calls]
            assert await status_of(rig, ticket_id) == "Open"


async def test_a_move_the_server_refuses_shows_the_tools_message(browser: Browser) -> None:
    async with mcp_rig() as rig:
        ticket_id = await first_with_status(rig, "Open")
        async with open_app(browser, rig, "get_ticket", {"ticket_id": ticket_id}) as shown:
            await shown_moves(shown)
            # Closed behind the card's back: its "Pending" button is now a forbidden move.
            await rig.ok("update_ticket", ticket_id=ticket_id, status="Resolved")
            await rig.ok("update_ticket", ticket_id=ticket_id, status="Closed")
            await shown.app.locator("button.move[data-status=Pending]").click()
            await shown.app.locator("button.confirm-yes").click()
            refusal = shown.app.locator(".notice.error")
            await expect(refusal).to_contain_text(f"Ticket {ticket_id} is Closed, which is final")
            assert await status_of(rig, ticket_id) == "Closed"
            shown.assert_clean()


async def test_in_read_only_mode_the_server_refuses_a_move_from_the_card(browser: Browser) -> None:
    async with mcp_rig(read_only=True) as rig:
        ticket_id = await first_with_status(rig, "Open")
        async with open_app(browser, rig, "get_ticket", {"ticket_id": ticket_id}) as shown:
            await shown_moves(shown)
            await shown.app.locator("button.move[data-status=Resolved]").click()
            await shown.app.locator("button.confirm-yes").click()
            await expect(shown.app.locator(".notice.error")).to_contain_text(
                "Unknown tool: update_ticket"
            )
            assert all(r.request.method == "GET" for r in rig.recorder.records)


async def test_a_move_from_the_card_is_refused_to_a_token_without_update_ticket(
    browser: Browser, tmp_path: Path
) -> None:
    path = tmp_path / "tokens.json"
    token, _ = TokenFile(path).add(
        technician_id=TECHNICIANS[0].id, name="", read_only=False, tools=("get_ticket",), now=NOW
    )
    async with (
        http_rig(settings(tokens_file=path)) as rig,
        rig.client(token) as client,
        open_app(browser, client, "get_ticket", {"ticket_id": 253}) as shown,
    ):
        assert await shown_moves(shown) == MOVES["Open"]
        await shown.app.locator("button.move[data-status=Resolved]").click()
        await shown.app.locator("button.confirm-yes").click()
        await expect(shown.app.locator(".notice.error")).to_contain_text(
            "Unknown tool: update_ticket"
        )
        assert all(r.request.method == "GET" for r in rig.recorder.records)
        shown.assert_clean()


async def test_a_reply_needs_an_explicit_audience_and_a_confirmation(browser: Browser) -> None:
    async with mcp_rig() as rig:
        ticket_id = await first_with_status(rig, "Open")
        async with open_app(browser, rig, "get_ticket", {"ticket_id": ticket_id}) as shown:
            app = shown.app
            await shown_moves(shown)
            await app.locator("textarea").fill("Checked the mailbox rules; no forwarding.")
            await expect(app.locator("button.send")).to_be_disabled()
            await app.locator("input[value=internal]").check()
            await app.locator("button.send").click()
            await expect(app.locator(".confirm")).to_contain_text("internal note")
            await app.locator("button.confirm-yes").click()
            newest = app.locator(".comment").first
            await expect(newest).to_contain_text("Checked the mailbox rules")
            await expect(newest).to_have_class("comment internal")
            await expect(newest.locator(".badge")).to_have_text("Internal note")
            comments = await rig.ok("list_comments", ticket_id=ticket_id)
            assert comments["comments"][0]["internal"] is True
            shown.assert_clean()


async def test_light_and_dark_follow_the_hosts_theme(browser: Browser) -> None:
    async with mcp_rig() as rig:
        looks = {}
        for theme in ("light", "dark"):
            async with open_app(browser, rig, "get_ticket", {"ticket_id": 300}, theme) as shown:
                await shown_moves(shown)
                body = shown.app.locator("body")
                looks[theme] = await body.evaluate("b => getComputedStyle(b).backgroundColor")
                shown.assert_clean()
        # The host's own --color-background-primary, not the app's fallback.
        assert looks == {"light": "rgb(255, 255, 255)", "dark": "rgb(38, 38, 36)"}


async def test_a_theme_switched_by_the_host_restyles_the_open_card(browser: Browser) -> None:
    async with mcp_rig() as rig, open_app(browser, rig, "get_ticket", {"ticket_id": 300}) as shown:
        await shown_moves(shown)
        body = shown.app.locator("body")
        await expect(body).to_have_css("background-color", "rgb(255, 255, 255)")
        await shown.page.evaluate(
            "([theme, variables]) => window.changeTheme(theme, variables)",
            ["dark", HOST_VARIABLES["dark"]],
        )
        await expect(body).to_have_css("background-color", "rgb(38, 38, 36)")
        await expect(shown.app.locator("html")).to_have_attribute("data-theme", "dark")
        shown.assert_clean()
