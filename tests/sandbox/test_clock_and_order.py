"""The running clock (real time unless injected) and the configurable order of GET /tickets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from atera_mcp.cli import main
from atera_mcp.launch import sandbox_settings
from atera_mcp.sandbox import SandboxConfig
from tests.harness import settings
from tests.sandbox.helpers import NOW, connect, make_app, new_ticket, ticket, utc

pytestmark = pytest.mark.anyio


async def test_writes_are_stamped_with_the_real_time_even_when_the_seed_is_pinned(
    api: httpx.AsyncClient,
) -> None:
    before = datetime.now(UTC)
    created = await ticket(api, await new_ticket(api))
    after = datetime.now(UTC)
    assert before <= utc(created["TicketCreatedDate"]) <= after


async def test_last_modified_a_few_seconds_ago_finds_a_ticket_just_updated(
    api: httpx.AsyncClient,
) -> None:
    ticket_id = await new_ticket(api)
    since = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    await api.put(f"/tickets/{ticket_id}", json={"TicketStatus": "Pending"})
    body = (await api.get("/tickets/lastmodified", params={"date": since})).json()
    assert [t["TicketID"] for t in body["items"]] == [ticket_id]


async def test_an_injected_clock_stamps_every_write() -> None:
    pinned = datetime(2026, 6, 15, 14, 45, 30, tzinfo=UTC)
    async with connect(make_app(clock=lambda: pinned)) as api:
        created = await ticket(api, await new_ticket(api))
    assert utc(created["TicketCreatedDate"]) == pinned
    assert utc(created["FirstResponseDueDate"]) == pinned + timedelta(hours=8)


async def test_a_naive_injected_clock_is_read_as_utc() -> None:
    async with connect(make_app(clock=lambda: datetime(2026, 6, 15, 15, 0))) as api:
        created = await ticket(api, await new_ticket(api))
    assert utc(created["TicketCreatedDate"]) == datetime(2026, 6, 15, 15, 0, tzinfo=UTC)


def test_without_a_pinned_now_the_seed_is_anchored_to_the_clock_minute() -> None:
    config = SandboxConfig(clock=lambda: datetime(2026, 3, 2, 9, 41, 27, 5, tzinfo=UTC))
    assert config.anchor() == datetime(2026, 3, 2, 9, 41, tzinfo=UTC)
    assert SandboxConfig(now=NOW, clock=lambda: datetime(2000, 1, 1, tzinfo=UTC)).anchor() == NOW


async def listed_ids(api: httpx.AsyncClient, path: str, **params: int) -> list[int]:
    response = await api.get(path, params={"itemsInPage": 50, **params})
    assert response.status_code == 200, response.text
    return [t["TicketID"] for t in response.json()["items"]]


@pytest.mark.parametrize("path", ["/tickets", "/tickets/noComments"])
@pytest.mark.parametrize(("order", "newest_first"), [("newest", True), ("oldest", False)])
async def test_ticket_lists_follow_the_configured_order(
    path: str, order: str, newest_first: bool
) -> None:
    async with connect(make_app(order=order)) as api:
        newest = await new_ticket(api)
        ids = await listed_ids(api, path)
        last_page = (await api.get(path, params={"itemsInPage": 50})).json()["totalPages"]
        tail = await listed_ids(api, path, page=last_page)
    assert ids == sorted(ids, reverse=newest_first)
    assert (ids[0] if newest_first else tail[-1]) == newest


@pytest.mark.parametrize("order", ["newest", "oldest"])
async def test_filters_and_paging_keep_the_order(order: str) -> None:
    async with connect(make_app(order=order)) as api:
        pages = [
            await listed_ids(api, "/tickets", customerId=1, itemsInPage=5, page=page)
            for page in (1, 2, 3)
        ]
    ids = [i for page in pages for i in page]
    assert len(ids) == 15
    assert ids == sorted(ids, reverse=order == "newest")


def test_an_unknown_order_is_refused_with_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="newest, oldest"):
        SandboxConfig(order="random")  # type: ignore[arg-type]


async def test_the_embedded_sandbox_of_serve_takes_the_order() -> None:
    config, transport = sandbox_settings(settings(), tickets=30, seed=1, order="oldest")
    key = config.api_key.get_secret_value() if config.api_key else ""
    async with httpx.AsyncClient(
        transport=transport, base_url=config.base_url, headers={"X-API-KEY": key}
    ) as api:
        ids = await listed_ids(api, "/tickets")
    assert ids == sorted(ids)
    assert len(ids) == 30


@pytest.mark.parametrize("command", ["sandbox", "serve"])
def test_the_command_line_refuses_an_unknown_order_naming_the_valid_ones(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--order", "sideways"])
    assert exit_info.value.code == 2
    assert "'newest', 'oldest'" in capsys.readouterr().err
