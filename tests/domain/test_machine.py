"""Whose machine an agent is: the tool contract's login rule, spelled every way Windows does."""

from __future__ import annotations

import pytest

from atera_mcp.domain.machine import belongs_to, logins, user_keys
from atera_mcp.domain.wire_monitoring import AgentDto

JOHN = user_keys("John.Smith@acme.com", "John", "Smith")


def agent(last: str | None = None, current: str | None = None) -> AgentDto:
    return AgentDto(last_login_user=last, current_logged_users=current)


@pytest.mark.parametrize(
    "login",
    [
        "ACME\\jsmith",  # domain + first initial and last name
        "ACME\\John.Smith",  # domain + first.last, any case
        "john.smith",  # the email's local part
        "JSMITH",
        "john.smith@ACME.com",  # a whole email address (Azure AD sign-in)
        "  acme\\JSmith ",
    ],
)
def test_a_last_login_in_any_of_the_users_spellings_matches(login: str) -> None:
    assert belongs_to(agent(last=login), JOHN)


def test_any_one_of_the_current_users_is_enough() -> None:
    assert belongs_to(agent(current="ACME\\administrator, ACME\\jsmith"), JOHN)
    assert logins(agent("ACME\\a", "B\\c, ,d")) == ["a", "c", "d"]


@pytest.mark.parametrize(
    "login", ["ACME\\jsmithers", "ACME\\smith", "john", "ACME\\administrator", "", "ACME\\"]
)
def test_other_users_do_not_match(login: str) -> None:
    assert not belongs_to(agent(last=login, current=login), JOHN)


def test_an_agent_nobody_signed_in_to_belongs_to_nobody() -> None:
    assert not belongs_to(agent(), JOHN)
    assert not belongs_to(agent("ACME\\jsmith"), user_keys(None, None, None))


def test_names_are_folded_without_accents_or_punctuation() -> None:
    keys = user_keys("jose.nunez@example.com", "José", "Núñez-O'Brien")
    assert {"jose.nunez", "jnunezobrien", "jose.nunezobrien"} <= keys
    assert belongs_to(agent("EXAMPLE\\JNunezOBrien"), keys)


def test_a_user_without_a_name_is_matched_by_email_alone() -> None:
    keys = user_keys("dlevi@contoso.example", None, "Levi")
    assert keys == {"dlevi@contoso.example", "dlevi"}
