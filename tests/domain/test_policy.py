"""The skill document's status table, priorities and SLAs, as pure rules."""

from datetime import UTC, datetime

import pytest

from atera_mcp.domain.policy import (
    BASE_STATUSES,
    StatusRules,
    canonical_impact,
    canonical_priority,
    canonical_type,
    response_due,
)
from atera_mcp.errors import RuleError

# from -> to -> "same" | "yes" | "no": the table in docs/tool-contract.md, cell by cell.
TABLE = {
    "Open": {"Open": "same", "Pending": "yes", "Resolved": "yes", "Closed": "no"},
    "Pending": {"Open": "yes", "Pending": "same", "Resolved": "yes", "Closed": "yes"},
    "Resolved": {"Open": "yes", "Pending": "no", "Resolved": "same", "Closed": "yes"},
    "Closed": {"Open": "no", "Pending": "no", "Resolved": "no", "Closed": "same"},
}
CELLS = [(a, b, TABLE[a][b]) for a in BASE_STATUSES for b in BASE_STATUSES]


@pytest.mark.parametrize(("current", "target", "verdict"), CELLS)
def test_every_cell_of_the_transition_table_is_enforced(
    current: str, target: str, verdict: str
) -> None:
    rules = StatusRules()
    if verdict == "no":
        with pytest.raises(RuleError):
            rules.check(4711, current, target)
        return
    transition = rules.check(4711, current, target.lower())
    assert transition.target == target
    assert transition.changes is (verdict == "yes")


def test_open_to_closed_says_to_resolve_first_and_lists_the_allowed_moves() -> None:
    with pytest.raises(RuleError) as caught:
        StatusRules().check(4711, "Open", "Closed")
    assert str(caught.value) == (
        "Ticket 4711 is Open; it cannot be Closed directly. "
        "Resolve it first (allowed from Open: Pending, Resolved)."
    )


def test_closed_is_final_whatever_the_target() -> None:
    with pytest.raises(RuleError, match="final"):
        StatusRules().check(9, "Closed", "Open")


def test_custom_status_follows_the_row_and_column_of_its_base_status() -> None:
    rules = StatusRules({"Waiting on vendor": "Pending"})
    assert rules.check(1, "Waiting on vendor", "Closed").changes
    assert rules.check(1, "Open", "waiting on vendor").target == "Waiting on vendor"
    assert rules.check(1, "Pending", "Waiting on vendor").changes
    with pytest.raises(RuleError):
        rules.check(1, "Resolved", "Waiting on vendor")
    assert "Waiting on vendor" in rules.allowed_from("Open")


def test_unknown_requested_status_lists_the_valid_ones() -> None:
    with pytest.raises(RuleError, match="Use one of: Open, Pending, Resolved, Closed, On hold"):
        StatusRules({"On hold": "Pending"}).check(1, "Open", "Done")


def test_unconfigured_current_status_asks_for_configuration() -> None:
    with pytest.raises(RuleError, match="ATERA_CUSTOM_STATUSES"):
        StatusRules().check(1, "In progress", "Resolved")


def test_priorities_types_and_impacts_match_any_case_and_come_back_in_atera_spelling() -> None:
    assert canonical_priority(" critical ") == "Critical"
    assert canonical_type("INCIDENT") == "Incident"
    assert canonical_impact("sitedown") == "SiteDown"
    with pytest.raises(RuleError, match="Use one of: Low, Medium, High, Critical"):
        canonical_priority("Urgent")


@pytest.mark.parametrize(
    ("priority", "hours"), [("Critical", 1), ("High", 4), ("Medium", 8), ("Low", 24), (None, 8)]
)
def test_response_due_follows_the_priority_sla(priority: str | None, hours: int) -> None:
    created = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert (response_due(created, priority) - created).total_seconds() == hours * 3600
