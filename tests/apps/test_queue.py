"""The queue (search_tickets' app) in headless Chromium through the reference host."""

from datetime import timedelta

import pytest
from playwright.async_api import Browser, expect

from tests.apps.browser_rig import AppPage, open_app
from tests.harness import NOW, sandbox_app
from tests.server.mcp_rig import mcp_rig

pytestmark = pytest.mark.anyio
RANK = {"Critical": 0, "High": 1, "Medium": 2, "Low": 3}
TONE = {"breached": "tone-danger", "at_risk": "tone-warning", "ok": "tone-success"}


async def column(shown: AppPage, index: int) -> list[str]:
    cells = shown.app.locator(f"tr.hit td:nth-child({index})")
    return [text.strip() for text in await cells.all_inner_texts()]


async def test_the_queue_shows_each_hit_and_colours_its_sla_state(browser: Browser) -> None:
    async with mcp_rig() as rig:
        found = await rig.ok("search_tickets", limit=20)
        async with open_app(browser, rig, "search_tickets", {"limit": 20}) as shown:
            rows = shown.app.locator("tr.hit")
            await expect(rows).to_have_count(len(found["tickets"]))
            assert await column(shown, 1) == [str(t["ticket_id"]) for t in found["tickets"]]
            assert await column(shown, 2) == [t["title"] for t in found["tickets"]]
            assert (await column(shown, 7))[0] == "16 min"  # #300, created 14:44, seen at 15:00
            await expect(shown.app.locator("p.count")).to_have_text(
                f"20 of {found['total']} matching tickets"
            )
            for row, hit in zip(await rows.all(), found["tickets"], strict=True):
                badge = row.locator("td:nth-child(6) .badge")
                state = hit.get("sla_state") or (
                    "breached" if hit.get("overdue") and "sla_due" not in hit else "ok"
                )
                if hit["status"] in ("Open", "Pending"):
                    await expect(badge).to_have_class(f"badge {TONE[state]}")
            shown.assert_clean()


async def test_an_overdue_ticket_is_shown_breached(browser: Browser) -> None:
    arguments = {"overdue": True}
    async with mcp_rig() as rig, open_app(browser, rig, "search_tickets", arguments) as shown:
        badges = shown.app.locator("tr.hit td:nth-child(6) .badge")
        await expect(badges.first).to_have_text("Breached")
        assert set(await badges.all_inner_texts()) == {"Breached"}
        shown.assert_clean()


async def test_a_column_header_sorts_the_rows_and_a_second_click_reverses_them(
    browser: Browser,
) -> None:
    async with mcp_rig() as rig, open_app(browser, rig, "search_tickets", {"limit": 30}) as shown:
        await expect(shown.app.locator("tr.hit")).to_have_count(30)
        await shown.app.locator("button.sort[data-key=priority]").click()
        ranks = [RANK[p] for p in await column(shown, 5)]
        assert ranks == sorted(ranks)
        assert ranks[0] < ranks[-1]
        await shown.app.locator("button.sort[data-key=priority]").click()
        assert [RANK[p] for p in await column(shown, 5)] == sorted(ranks, reverse=True)
        await shown.app.locator("button.sort[data-key=ticket_id]").click()
        ids = [int(i) for i in await column(shown, 1)]
        assert ids == sorted(ids)
        shown.assert_clean()


async def test_a_row_opens_that_tickets_card_through_get_ticket(browser: Browser) -> None:
    async with mcp_rig() as rig:
        found = await rig.ok("search_tickets", limit=5)
        second = found["tickets"][1]
        async with open_app(browser, rig, "search_tickets", {"limit": 5}) as shown:
            await shown.app.locator(f"tr.hit[data-ticket-id='{second['ticket_id']}']").click()
            await expect(shown.app.locator("h1.title")).to_have_text(second["title"])
            await expect(shown.app.locator(".time")).to_be_visible()
            opened = {
                "ticket_id": second["ticket_id"],
                "include_comments": True,
                "include_time": True,
            }
            assert ("get_ticket", opened) in shown.tool_calls
            await shown.app.locator("button.back").click()
            await expect(shown.app.locator("tr.hit")).to_have_count(5)
            shown.assert_clean()


async def test_more_fetches_the_next_page_with_next_cursor(browser: Browser) -> None:
    async with mcp_rig() as rig:
        first = await rig.ok("search_tickets", priority=["High", "Critical"], limit=5)
        second = await rig.ok(
            "search_tickets", priority=["High", "Critical"], limit=5, cursor=first["next_cursor"]
        )
        arguments = {"priority": ["High", "Critical"], "limit": 5}
        async with open_app(browser, rig, "search_tickets", arguments) as shown:
            await expect(shown.app.locator("tr.hit")).to_have_count(5)
            await shown.app.locator("button.more").click()
            await expect(shown.app.locator("tr.hit")).to_have_count(10)
            expected = [str(t["ticket_id"]) for t in first["tickets"] + second["tickets"]]
            assert await column(shown, 1) == expected
            assert shown.tool_calls == [
                ("search_tickets", {**arguments, "cursor": first["next_cursor"]})
            ]
            shown.assert_clean()


async def test_a_hostile_title_in_the_queue_is_only_text(browser: Browser) -> None:
    hostile = "<img src=x onerror=\"document.documentElement.dataset.pwned='yes'\">"
    async with mcp_rig() as rig:
        contacts = await rig.ok("find_contacts", email="david.reed@")
        await rig.ok(
            "create_ticket",
            title=hostile,
            description="x",
            end_user_id=contacts["contacts"][0]["id"],
        )
        async with open_app(browser, rig, "search_tickets", {"limit": 3}) as shown:
            await expect(shown.app.locator("tr.hit td.title").first).to_have_text(hostile)
            assert await shown.app.locator("img").count() == 0
            assert await shown.app.locator("html").get_attribute("data-pwned") is None
            shown.assert_clean()


async def test_a_ticket_due_within_the_hour_is_shown_at_risk(browser: Browser) -> None:
    # Created half an hour before "now" at Critical priority: its first response is due in 30 min.
    app = sandbox_app(clock=lambda: NOW - timedelta(minutes=30))
    async with mcp_rig(app=app) as rig:
        contacts = await rig.ok("find_contacts", email="david.reed@")
        created = await rig.ok(
            "create_ticket",
            title="Server room is flooding",
            description="Water under the rack.",
            priority="Critical",
            end_user_id=contacts["contacts"][0]["id"],
        )
        ticket_id = created["ticket"]["ticket_id"]
        async with open_app(browser, rig, "search_tickets", {"limit": 3}) as shown:
            row = shown.app.locator(f"tr.hit[data-ticket-id='{ticket_id}']")
            badge = row.locator("td.sla .badge")
            await expect(badge).to_have_text("Due within the hour")
            await expect(badge).to_have_class("badge tone-warning")
            await row.click()
            due = shown.app.locator("table.sla tbody tr").nth(0).locator(".sla-state .badge")
            await expect(due).to_have_text("30 min left")
            await expect(due).to_have_class("badge tone-warning")
            shown.assert_clean()
