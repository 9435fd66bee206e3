"""What free text written by people must look like before it is stored."""
from __future__ import annotations

import unicodedata

import pytest

from domain.errors import DomainError, InvalidText
from domain.text_rules import (
    DESCRIPTION_MAX_CHARS,
    NOTE_MAX_CHARS,
    REASON_MAX_CHARS,
    STAGE_DESCRIPTION_MAX_CHARS,
    checked_description,
    checked_note,
    checked_reason,
    checked_stage_description,
    clean_text,
)


def problem(check, raw) -> str:
    with pytest.raises(InvalidText) as caught:
        check(raw)
    assert isinstance(caught.value, DomainError)
    return caught.value.params["problem"]


def test_clean_text_trims_lines_and_collapses_blank_runs():
    raw = "  Vazamento na cozinha  \r\n\r\n\r\n\r\n  embaixo da pia \rdesde ontem  "
    assert clean_text(raw) == "Vazamento na cozinha\n\nembaixo da pia\ndesde ontem"


def test_clean_text_drops_control_characters_but_keeps_tabs_and_newlines():
    assert clean_text("a\x00b\x07c\x1bd\x7fe\x9ff\tg\nh") == "abcdef\tg\nh"


def test_clean_text_normalises_to_nfc():
    decomposed = unicodedata.normalize("NFD", "Infiltração no teto")
    assert decomposed != "Infiltração no teto"
    assert clean_text(decomposed) == "Infiltração no teto"


def test_clean_text_of_nothing_is_empty():
    assert clean_text(None) == ""
    assert clean_text("  \n\t \n ") == ""


def test_a_description_needs_a_few_words():
    assert checked_description("  Vazamento na cozinha  ") == "Vazamento na cozinha"
    assert problem(checked_description, "ok ok") == "too_short"
    assert problem(checked_description, "Vazamentonacozinha") == "too_short"  # one word
    assert problem(checked_description, "a b c d e") == "too_short"  # five characters


@pytest.mark.parametrize("raw", [None, "", "   ", "\n\n", "!!! ???", "\x00\x01", "\u200b\u200b"])
def test_empty_text_is_refused_everywhere(raw):
    for check in (checked_description, checked_note, checked_reason, checked_stage_description):
        assert problem(check, raw) == "empty"


@pytest.mark.parametrize(
    ("check", "limit"),
    [
        (checked_description, DESCRIPTION_MAX_CHARS),
        (checked_note, NOTE_MAX_CHARS),
        (checked_reason, REASON_MAX_CHARS),
        (checked_stage_description, STAGE_DESCRIPTION_MAX_CHARS),
    ],
)
def test_text_may_reach_its_limit_but_not_pass_it(check, limit):
    fits = ("palavra " * limit)[: limit - 1] + "x"
    assert len(fits) == limit
    assert check(fits) == fits
    with pytest.raises(InvalidText) as caught:
        check(fits + "x")
    assert caught.value.params == {"field": caught.value.params["field"], "problem": "too_long",
                                   "max_chars": limit, "length": limit + 1}


def test_a_description_fits_one_telegram_message_with_its_headings():
    assert DESCRIPTION_MAX_CHARS < 4096


def test_the_limit_counts_the_cleaned_text():
    padded = "   " + "a" * (REASON_MAX_CHARS - 1) + "\x00\x00   "
    assert len(checked_reason(padded)) == REASON_MAX_CHARS - 1


def test_a_note_may_be_a_single_word():
    assert checked_note("Ok") == "Ok"
    assert checked_note("👍 feito") == "👍 feito"


def test_a_reason_and_a_stage_description_need_three_letters_or_digits():
    assert checked_reason("Duplicado") == "Duplicado"
    assert problem(checked_reason, "no") == "too_short"
    assert problem(checked_reason, "n.o.") == "too_short"
    assert checked_stage_description("Reparo") == "Reparo"
    assert problem(checked_stage_description, "ab") == "too_short"


def test_the_field_at_fault_is_named():
    for check, field in (
        (checked_description, "descricao"),
        (checked_note, "observacao"),
        (checked_reason, "motivo"),
        (checked_stage_description, "etapa"),
    ):
        with pytest.raises(InvalidText) as caught:
            check("")
        assert caught.value.params["field"] == field
        assert caught.value.code == "invalid_text"
