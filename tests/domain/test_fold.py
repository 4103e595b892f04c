"""Folding names for lookups: accents and case, runs of words, and one typo."""

from __future__ import annotations

from atera_mcp.domain.fold import fold, name_key, near_words, within_one_edit


def test_fold_drops_accents_and_case_and_spells_out_letters_nfkd_keeps_whole() -> None:
    assert fold("Zoë ØRSTED") == "zoe orsted"
    assert fold("Straße") == "strasse"
    assert fold(None) == ""


def test_a_name_key_holds_the_words_and_the_words_run_together() -> None:
    assert name_key("Seán O'Brien") == "sean o brien seanobrien"
    assert "obrien" in name_key("Seán O'Brien")
    assert name_key("  ") == ""


def test_one_insertion_deletion_replacement_or_swap_is_within_one_edit() -> None:
    for typo in ("jon", "johnn", "jahn", "jhon", "john"):
        assert within_one_edit("john", typo), typo
    for far in ("jo", "jhnoo", "ohnj", "mary"):
        assert not within_one_edit("john", far), far


def test_near_words_leaves_short_terms_exact_and_never_repeats_the_term() -> None:
    vocabulary = ["smith", "smyth", "smits", "lee", "leo"]
    assert near_words("smith", vocabulary) == ["smyth", "smits"]
    assert near_words("lee", vocabulary) == []
