"""Work hours: entry rules, per-ticket records and totals, bulk billing, the period report."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox.helpers import (
    ACME_ID,
    JOHN_SMITH_ID,
    TECH_EMAIL,
    TECH_ID,
    connect,
    make_app,
    new_ticket,
)

pytestmark = pytest.mark.anyio


def entry(start: str, end: str, billable: bool = True, on_site: bool = False) -> dict[str, Any]:
    return {
        "StartWorkHour": start,
        "EndWorkHour": end,
        "TechnicianContactID": TECH_ID,
        "Billiable": billable,
        "OnCustomerSite": on_site,
        "Description": "Remote session",
    }


async def log(api: httpx.AsyncClient, ticket_id: int, body: dict[str, Any]) -> int:
    response = await api.post(f"/tickets/{ticket_id}/workhours", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["ActionID"])


async def logged_ticket(api: httpx.AsyncClient) -> int:
    """A ticket with three entries (times in UTC; the account is in New York, EDT in June)."""
    ticket_id = await new_ticket(api)
    # Wednesday 10:00-11:30 EDT, on site: billable, inside business hours.
    await log(api, ticket_id, entry("2026-06-10T14:00:00Z", "2026-06-10T15:30:00Z", on_site=True))
    # Wednesday 21:00-21:15 EDT, remote: billable, after hours.
    await log(api, ticket_id, entry("2026-06-11T01:00:00Z", "2026-06-11T01:15:00Z"))
    # Friday 09:00-11:00 EDT, remote: not billable.
    await log(api, ticket_id, entry("2026-06-12T13:00:00Z", "2026-06-12T15:00:00Z", False))
    return ticket_id


async def test_work_summaries_add_up_by_site_and_business_hours(api: httpx.AsyncClient) -> None:
    ticket_id = await logged_ticket(api)
    summary = (await api.get(f"/tickets/{ticket_id}/workhours")).json()
    assert summary == {
        "TicketID": ticket_id,
        "Billable": {
            "OffSLADurationHours": 0.25,
            "OffSiteDurationHours": 0.25,
            "OnSLADurationHours": 1.5,
            "OnSiteDurationHours": 1.5,
            "TotalDurationHours": 1.75,
            "ticketId": ticket_id,
        },
        "NonBillable": {
            "OffSLADurationHours": 0.0,
            "OffSiteDurationHours": 2.0,
            "OnSLADurationHours": 2.0,
            "OnSiteDurationHours": 0.0,
            "TotalDurationHours": 2.0,
            "ticketId": ticket_id,
        },
    }
    billable = (await api.get(f"/tickets/{ticket_id}/billableduration")).json()
    non_billable = (await api.get(f"/tickets/{ticket_id}/nonbillableduration")).json()
    assert billable == summary["Billable"]
    assert non_billable == summary["NonBillable"]


async def test_work_records_list_every_entry_in_start_order(api: httpx.AsyncClient) -> None:
    ticket_id = await new_ticket(api)
    later = await log(api, ticket_id, entry("2026-06-12T13:00:00Z", "2026-06-12T14:00:00Z"))
    earlier = await log(api, ticket_id, entry("2026-06-10T13:00:00Z", "2026-06-10T13:15:00Z"))
    items = (await api.get(f"/tickets/{ticket_id}/workhoursrecords")).json()["items"]
    assert [i["WorkHoursID"] for i in items] == [earlier, later]
    assert items[0]["StartWorkHour"] == "2026-06-10T13:00:00Z"
    assert (items[0]["TicketID"], items[0]["TechnicianEmail"]) == (ticket_id, TECH_EMAIL)
    assert items[0]["Billiable"] is True


async def test_a_technician_may_be_named_by_email(api: httpx.AsyncClient) -> None:
    body = entry("2026-06-10T13:00:00Z", "2026-06-10T13:30:00Z")
    body = {
        **{k: v for k, v in body.items() if k != "TechnicianContactID"},
        "TechnicianEmail": TECH_EMAIL,
    }
    work_id = await log(api, await new_ticket(api), body)
    assert work_id > 0


async def test_omitted_billable_flag_defaults_to_false(api: httpx.AsyncClient) -> None:
    ticket_id = await new_ticket(api)
    body = {k: v for k, v in entry("2026-06-10T13:00:00Z", "2026-06-10T14:00:00Z").items()}
    del body["Billiable"]
    await log(api, ticket_id, body)
    summary = (await api.get(f"/tickets/{ticket_id}/workhours")).json()
    assert summary["NonBillable"]["TotalDurationHours"] == 1.0


@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-06-10T14:00:00Z", "2026-06-10T13:00:00Z"), ("2026-06-10T14:00:00Z",) * 2],
)
async def test_start_must_be_before_end(api: httpx.AsyncClient, start: str, end: str) -> None:
    response = await api.post("/tickets/1/workhours", json=entry(start, end))
    assert response.status_code == 400
    assert response.json()["detail"] == "StartWorkHour must be before EndWorkHour."


async def test_the_technician_must_be_known_and_given(api: httpx.AsyncClient) -> None:
    body = entry("2026-06-10T13:00:00Z", "2026-06-10T14:00:00Z")
    unknown = await api.post("/tickets/1/workhours", json={**body, "TechnicianContactID": 7})
    missing = await api.post("/tickets/1/workhours", json={**body, "TechnicianContactID": None})
    assert unknown.status_code == missing.status_code == 400
    assert "TechnicianContactID 7" in unknown.json()["detail"]
    assert "TechnicianContactID or TechnicianEmail is required" in missing.json()["detail"]


async def test_a_rejected_entry_is_not_written(api: httpx.AsyncClient) -> None:
    ticket_id = await new_ticket(api)
    body = entry("2026-06-10T14:00:00Z", "2026-06-10T13:00:00Z")
    await api.post(f"/tickets/{ticket_id}/workhours", json=body)
    records = (await api.get(f"/tickets/{ticket_id}/workhoursrecords")).json()
    assert records["totalItemCount"] == 0


async def test_bulk_billable_duration_answers_one_dto_per_ticket(api: httpx.AsyncClient) -> None:
    ticket_id = await logged_ticket(api)
    response = await api.post("/tickets/billableduration", json=[ticket_id, 1])
    assert response.status_code == 200
    answers = response.json()
    assert [a["ticketId"] for a in answers] == [ticket_id, 1]
    assert answers[0]["TotalDurationHours"] == 1.75


async def test_bulk_billable_duration_refuses_more_than_fifty_ids(api: httpx.AsyncClient) -> None:
    response = await api.post("/tickets/billableduration", json=list(range(1, 52)))
    assert response.status_code == 400
    assert "50" in response.json()["detail"]
    ok = await api.post("/tickets/billableduration", json=list(range(1, 51)))
    assert len(ok.json()) == 50


async def test_bulk_billable_duration_needs_an_array_of_ids(api: httpx.AsyncClient) -> None:
    response = await api.post("/tickets/billableduration", json={"ids": [1]})
    assert response.status_code == 400


async def period(api: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await api.get("/workhours", params={"itemsInPage": "50", **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totalPages"] <= 1, "narrow the window: the test reads one page"
    items: list[dict[str, Any]] = body["items"]
    return items


async def test_the_period_report_reads_dates_in_the_account_time_zone(
    api: httpx.AsyncClient,
) -> None:
    ticket_id = await new_ticket(api)
    # 23:30-23:45 on June 9 in New York is 03:30-03:45 UTC on June 10.
    work_id = await log(api, ticket_id, entry("2026-06-10T03:30:00Z", "2026-06-10T03:45:00Z"))
    evening = await period(
        api, startWorkhour="2026-06-09T23:00:00", endWorkhour="2026-06-09T23:59:59"
    )
    assert work_id in [i["WorkHoursID"] for i in evening]
    next_day = await period(api, startWorkhour="2026-06-10", endWorkhour="2026-06-10T08:00:00")
    assert work_id not in [i["WorkHoursID"] for i in next_day]
    ours = next(i for i in evening if i["WorkHoursID"] == work_id)
    assert (ours["CustomerID"], ours["EndUserID"], ours["TicketID"]) == (
        ACME_ID,
        JOHN_SMITH_ID,
        ticket_id,
    )


async def test_the_period_report_follows_a_configured_zone() -> None:
    async with connect(make_app(time_zone_name="GMT Standard Time")) as api:
        ticket_id = await new_ticket(api)
        work_id = await log(api, ticket_id, entry("2026-06-10T03:30:00Z", "2026-06-10T03:45:00Z"))
        # London is UTC+1 in June: the entry ran 04:30-04:45 local.
        found = await period(
            api, startWorkhour="2026-06-10T04:00:00", endWorkhour="2026-06-10T05:00:00"
        )
        assert work_id in [i["WorkHoursID"] for i in found]
        assert (await api.get("/account")).json()["TimeZoneName"] == "GMT Standard Time"


async def test_the_period_report_filters_start_on_or_after_and_end_on_or_before(
    api: httpx.AsyncClient,
) -> None:
    ticket_id = await new_ticket(api)
    work_id = await log(api, ticket_id, entry("2026-06-10T03:30:00Z", "2026-06-10T03:45:00Z"))
    exact = await period(
        api, startWorkhour="2026-06-09T23:30:00", endWorkhour="2026-06-09T23:45:00"
    )
    assert work_id in [i["WorkHoursID"] for i in exact]
    cut = await period(api, startWorkhour="2026-06-09T23:30:00", endWorkhour="2026-06-09T23:44:59")
    assert work_id not in [i["WorkHoursID"] for i in cut]


@pytest.mark.parametrize(
    "value", ["2026-06-10T00:00:00Z", "2026-06-10T00:00:00+02:00", "06/10/2026", "2026-13-01"]
)
async def test_an_offset_or_a_bad_date_in_the_period_is_400(
    api: httpx.AsyncClient, value: str
) -> None:
    response = await api.get("/workhours", params={"startWorkhour": value})
    assert response.status_code == 400
    assert "startWorkhour" in response.json()["detail"]


async def test_rates_appear_only_when_asked_for(api: httpx.AsyncClient) -> None:
    window = {"startWorkhour": "2026-06-01", "endWorkhour": "2026-06-08"}
    plain = (await api.get("/workhours", params=window)).json()["items"]
    rated = (await api.get("/workhours", params={**window, "includeRates": "true"})).json()["items"]
    assert plain
    assert not any("RateID" in item or "RateAmount" in item for item in plain)
    assert all("RateID" in item and "RateAmount" in item for item in rated)
    assert any(item["RateAmount"] for item in rated if item["Billiable"])
