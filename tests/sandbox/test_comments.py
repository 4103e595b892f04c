"""Comments: chronological, exactly one author, internal notes, and the ticket's summary fields."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox.helpers import JOHN_SMITH_ID, TECH_ID, new_ticket, ticket, utc

pytestmark = pytest.mark.anyio


def by_tech(text: str, internal: bool = False, tech: int = TECH_ID) -> dict[str, Any]:
    details = {"TechnicianId": tech, "IsInternal": internal}
    return {"CommentText": text, "TechnicianCommentDetails": details}


def by_user(text: str, user: int = JOHN_SMITH_ID) -> dict[str, Any]:
    return {"CommentText": text, "EnduserCommentDetails": {"EnduserId": user}}


async def comments(api: httpx.AsyncClient, ticket_id: int) -> list[dict[str, Any]]:
    body = (await api.get(f"/tickets/{ticket_id}/comments", params={"itemsInPage": 50})).json()
    items: list[dict[str, Any]] = body["items"]
    return items


async def test_seeded_comments_are_chronological_and_open_with_the_description(
    api: httpx.AsyncClient,
) -> None:
    for ticket_id in (1, 150, 300):
        listed = await comments(api, ticket_id)
        dates = [utc(c["Date"]) for c in listed]
        assert dates == sorted(dates)
        assert listed[0]["Comment"] == (await ticket(api, ticket_id))["FirstComment"]
        assert listed[0]["EndUserID"] is not None


async def test_a_public_technician_comment_answers_200_and_updates_the_ticket(
    api: httpx.AsyncClient,
) -> None:
    ticket_id = await new_ticket(api)
    response = await api.post(f"/tickets/{ticket_id}/comments", json=by_tech("On my way."))
    assert response.status_code == 200
    assert set(response.json()) == {"ActionID"}
    last = (await comments(api, ticket_id))[-1]
    assert (last["Comment"], last["TechnicianContactID"], last["IsInternal"]) == (
        "On my way.",
        TECH_ID,
        False,
    )
    assert (last["FirstName"], last["Email"]) == ("Maya", "maya.patel@brightpath-it.com")
    updated = await ticket(api, ticket_id)
    assert updated["LastTechnicianComment"] == "On my way."
    assert updated["LastTechnicianCommentTimestamp"] == last["Date"]
    assert updated["TechnicianFirstCommentDate"] == last["Date"]


async def test_an_internal_note_is_not_a_first_response(api: httpx.AsyncClient) -> None:
    ticket_id = await new_ticket(api)
    await api.post(f"/tickets/{ticket_id}/comments", json=by_tech("Checked logs.", internal=True))
    assert (await comments(api, ticket_id))[-1]["IsInternal"] is True
    assert (await ticket(api, ticket_id))["TechnicianFirstCommentDate"] is None


async def test_the_first_public_reply_date_is_kept_by_later_replies(api: httpx.AsyncClient) -> None:
    ticket_id = await new_ticket(api)
    await api.post(f"/tickets/{ticket_id}/comments", json=by_tech("First."))
    first = (await ticket(api, ticket_id))["TechnicianFirstCommentDate"]
    await api.post(f"/tickets/{ticket_id}/comments", json=by_tech("Second."))
    updated = await ticket(api, ticket_id)
    assert updated["TechnicianFirstCommentDate"] == first
    assert updated["LastTechnicianComment"] == "Second."


async def test_an_end_user_comment_is_public_and_updates_the_last_end_user_comment(
    api: httpx.AsyncClient,
) -> None:
    ticket_id = await new_ticket(api)
    response = await api.post(f"/tickets/{ticket_id}/comments", json=by_user("Still broken."))
    assert response.status_code == 200
    last = (await comments(api, ticket_id))[-1]
    assert (last["EndUserID"], last["IsInternal"], last["Email"]) == (
        JOHN_SMITH_ID,
        False,
        "john.smith@acme.com",
    )
    assert (await ticket(api, ticket_id))["LastEndUserComment"] == "Still broken."


async def test_a_back_dated_comment_is_filed_in_date_order(api: httpx.AsyncClient) -> None:
    body = {**by_user("Earlier note."), "CommentTimestampUTC": "2026-06-01T09:00:00Z"}
    await api.post("/tickets/300/comments", json=body)
    listed = await comments(api, 300)
    dates = [utc(c["Date"]) for c in listed]
    assert dates == sorted(dates)
    assert "Earlier note." in [c["Comment"] for c in listed]


@pytest.mark.parametrize(
    "body",
    [
        {**by_tech("x"), **by_user("x")},
        {"CommentText": "x"},
        {"CommentText": "x", "IsInternal": False},  # the skill document's flat body
    ],
    ids=["both authors", "no author", "flat IsInternal"],
)
async def test_a_comment_needs_exactly_one_author(
    api: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    response = await api.post("/tickets/1/comments", json=body)
    assert response.status_code == 400
    assert (
        "exactly one of TechnicianCommentDetails or EnduserCommentDetails"
        in (response.json()["detail"])
    )


async def test_comment_text_is_required(api: httpx.AsyncClient) -> None:
    response = await api.post("/tickets/1/comments", json=by_tech(""))
    assert response.status_code == 400
    assert response.json()["detail"] == "CommentText is required"


async def test_an_unknown_author_is_400(api: httpx.AsyncClient) -> None:
    unknown_tech = await api.post("/tickets/1/comments", json=by_tech("x", tech=5))
    unknown_user = await api.post("/tickets/1/comments", json=by_user("x", user=5))
    assert unknown_tech.status_code == unknown_user.status_code == 400
    assert "TechnicianId 5" in unknown_tech.json()["detail"]
    assert "EnduserId 5" in unknown_user.json()["detail"]


async def test_commenting_on_an_unknown_ticket_is_404(api: httpx.AsyncClient) -> None:
    assert (await api.post("/tickets/424242/comments", json=by_tech("x"))).status_code == 404
    assert (await api.get("/tickets/424242/comments")).status_code == 404


async def test_nested_author_fields_bind_case_insensitively_and_drop_unknowns(
    api: httpx.AsyncClient,
) -> None:
    ticket_id = await new_ticket(api)
    details = {"technicianid": TECH_ID, "isinternal": True, "Mood": "calm"}
    body = {"commenttext": "Quiet note.", "technicianCommentDetails": details}
    assert (await api.post(f"/tickets/{ticket_id}/comments", json=body)).status_code == 200
    last = (await comments(api, ticket_id))[-1]
    assert (last["Comment"], last["IsInternal"]) == ("Quiet note.", True)


async def test_an_omitted_is_internal_flag_means_public(api: httpx.AsyncClient) -> None:
    ticket_id = await new_ticket(api)
    body = {"CommentText": "Hello.", "TechnicianCommentDetails": {"TechnicianId": TECH_ID}}
    assert (await api.post(f"/tickets/{ticket_id}/comments", json=body)).status_code == 200
    assert (await comments(api, ticket_id))[-1]["IsInternal"] is False
