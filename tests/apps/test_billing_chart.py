"""The billing chart (get_billable's app) in headless Chromium through the reference host."""

from typing import Any

import pytest
from playwright.async_api import Browser, expect

from tests.apps.browser_rig import AppPage, open_app
from tests.server.mcp_rig import mcp_rig

pytestmark = pytest.mark.anyio
NOVEMBER = {"period_start": "2026-11-01", "period_end": "2026-11-30"}


def hours(value: float) -> str:
    return f"{value:.2f} h"


async def tile(shown: AppPage, key: str) -> str:
    return (await shown.app.locator(f"[data-total='{key}']").inner_text()).strip()


async def assert_totals_match(shown: AppPage, report: dict[str, Any]) -> None:
    t = report["totals"]
    await expect(shown.app.locator("[data-total='billable']")).to_have_text(
        hours(t["billable_hours"])
    )
    assert await tile(shown, "non-billable") == hours(t["non_billable_hours"])
    assert await tile(shown, "total") == hours(t["billable_hours"] + t["non_billable_hours"])
    logged = t["billable_seconds"] + t["non_billable_seconds"]
    assert await tile(shown, "on-site-share") == f"{round(100 * t['on_site_seconds'] / logged)}%"
    for footer in await shown.app.locator("table.figures tfoot tr").all():
        cells = [c.strip() for c in await footer.locator("td").all_inner_texts()]
        assert cells == [
            hours(t["billable_hours"]),
            hours(t["non_billable_hours"]),
            hours(t["on_site_hours"]),
            hours(t["billable_hours"] + t["non_billable_hours"]),
        ]


async def test_a_periods_chart_and_table_show_the_reports_own_totals(browser: Browser) -> None:
    async with mcp_rig() as rig:
        report = await rig.ok("get_billable", **NOVEMBER)
        async with open_app(browser, rig, "get_billable", NOVEMBER) as shown:
            await assert_totals_match(shown, report)
            await expect(shown.app.locator(".period")).to_have_text(report["period"])
            charts = shown.app.locator("figure.chart")
            await expect(charts).to_have_count(2)
            await expect(charts.nth(0).locator("g.bar-row")).to_have_count(
                len(report["by_customer"])
            )
            await expect(charts.nth(1).locator("g.bar-row")).to_have_count(
                len(report["by_technician"])
            )
            tables = shown.app.locator("table.figures")
            names = await tables.nth(0).locator("tbody td:first-child").all_inner_texts()
            assert names == [c["name"] for c in report["by_customer"]]
            shown.assert_clean()


async def test_each_bar_is_split_billable_against_non_billable_in_proportion(
    browser: Browser,
) -> None:
    async with mcp_rig() as rig:
        report = await rig.ok("get_billable", **NOVEMBER)
        async with open_app(browser, rig, "get_billable", NOVEMBER) as shown:
            rows = shown.app.locator("figure.chart").nth(1).locator("g.bar-row")
            await expect(rows).to_have_count(len(report["by_technician"]))
            widths = []
            for row in await rows.all():
                billable = float(str(await row.locator("rect.billable").get_attribute("width")))
                other = float(str(await row.locator("rect.non-billable").get_attribute("width")))
                widths.append((billable, other))
            longest = max(b + o for b, o in widths)
            technicians = report["by_technician"]
            most = max(t["billable_seconds"] + t["non_billable_seconds"] for t in technicians)
            for (billable, other), bucket in zip(widths, technicians, strict=True):
                assert billable / longest == pytest.approx(
                    bucket["billable_seconds"] / most, abs=0.01
                )
                assert other / longest == pytest.approx(
                    bucket["non_billable_seconds"] / most, abs=0.01
                )
            shown.assert_clean()


async def test_a_list_of_tickets_is_charted_per_ticket(browser: Browser) -> None:
    arguments = {"ticket_ids": [294, 260, 253, 99999]}
    async with mcp_rig() as rig:
        report = await rig.ok("get_billable", **arguments)
        async with open_app(browser, rig, "get_billable", arguments) as shown:
            await assert_totals_match(shown, report)
            charts = shown.app.locator("figure.chart")
            await expect(charts).to_have_count(1)
            await expect(charts.locator("g.bar-row")).to_have_count(len(report["by_ticket"]))
            await expect(shown.app.locator(".notice")).to_contain_text("Not found: 99999")
            names = await shown.app.locator("table.figures tbody td:first-child").all_inner_texts()
            assert [n.split()[0] for n in names] == [f"#{t['id']}" for t in report["by_ticket"]]
            shown.assert_clean()


async def test_light_and_dark_charts_look_different(browser: Browser) -> None:
    shots = {}
    async with mcp_rig() as rig:
        for theme in ("light", "dark"):
            async with open_app(browser, rig, "get_billable", NOVEMBER, theme) as shown:
                await expect(shown.app.locator("figure.chart").first).to_be_visible()
                shots[theme] = await shown.page.locator("#app").screenshot()
                shown.assert_clean()
    assert shots["light"] != shots["dark"]
