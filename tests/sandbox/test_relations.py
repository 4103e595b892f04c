"""Parent/child relations: shown only with includeRelations, one level deep, removable."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.helpers import new_ticket, ticket

pytestmark = pytest.mark.anyio


async def relate(api: httpx.AsyncClient, ticket_id: int, related: int, kind: str) -> httpx.Response:
    body = {"RelatedTicketId": related, "RelationType": kind}
    return await api.post(f"/tickets/{ticket_id}/relations", json=body)


async def test_a_child_relation_shows_on_both_tickets_with_include_relations(
    api: httpx.AsyncClient,
) -> None:
    parent, child = await new_ticket(api), await new_ticket(api)
    response = await relate(api, child, parent, "Child")
    assert response.status_code == 201
    assert response.json() == {"ActionID": str(child)}
    shown = await ticket(api, child, includeRelations="true")
    assert (shown["RelationType"], shown["RelatedTicketId"]) == ("Child", parent)
    other = await ticket(api, parent, includeRelations="true")
    assert (other["RelationType"], other["RelatedTicketId"]) == ("Parent", child)


async def test_relation_fields_are_absent_unless_asked_for(api: httpx.AsyncClient) -> None:
    plain = await ticket(api, 1)
    assert "RelationType" not in plain
    assert "RelatedTicketId" not in plain
    listed = (await api.get("/tickets", params={"includeRelations": "true"})).json()["items"]
    assert all("RelationType" in t for t in listed)
    assert {t["RelationType"] for t in listed} >= {"None"}


async def test_a_parent_relation_can_be_added_from_the_parent(api: httpx.AsyncClient) -> None:
    parent, child = await new_ticket(api), await new_ticket(api)
    assert (await relate(api, parent, child, "parent")).status_code == 201
    assert (await ticket(api, child, includeRelations="true"))["RelatedTicketId"] == parent


async def test_invalid_relations_are_400(api: httpx.AsyncClient) -> None:
    first, second, third = [await new_ticket(api) for _ in range(3)]
    assert (await relate(api, first, first, "Child")).status_code == 400
    assert (await relate(api, first, 424242, "Child")).status_code == 400
    assert (await relate(api, first, second, "None")).status_code == 400
    assert (await relate(api, first, second, "Sibling")).status_code == 400
    assert (await relate(api, first, second, "Child")).status_code == 201
    second_parent = await relate(api, first, third, "Child")
    assert second_parent.status_code == 400
    assert "already has a parent" in second_parent.json()["detail"]


async def test_removing_a_relation_answers_204_and_clears_both_sides(
    api: httpx.AsyncClient,
) -> None:
    parent, child = await new_ticket(api), await new_ticket(api)
    await relate(api, child, parent, "Child")
    response = await api.delete(f"/tickets/{child}/relations/Child")
    assert response.status_code == 204
    assert (await ticket(api, child, includeRelations="true"))["RelationType"] == "None"
    assert (await ticket(api, parent, includeRelations="true"))["RelatedTicketId"] is None
    again = await api.delete(f"/tickets/{child}/relations/Child")
    assert again.status_code == 400


async def test_deleting_a_parent_frees_its_children(api: httpx.AsyncClient) -> None:
    parent, child = await new_ticket(api), await new_ticket(api)
    await relate(api, child, parent, "Child")
    await api.delete(f"/tickets/{parent}")
    assert (await ticket(api, child, includeRelations="true"))["RelationType"] == "None"
