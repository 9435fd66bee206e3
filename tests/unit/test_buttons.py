"""The one codec for inline buttons (bot/buttons.py): every kind comes back as itself, never past 64 bytes, and
anything it did not write — garbled, forged, from an older bot — comes back as None."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import buttons as b

NUMBERS = st.integers(min_value=1, max_value=b.MAX_INT - 1)
CHOICE_STEPS = st.sampled_from(sorted(b.CHOICE_STEP.codes))
INSTANTS = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC))

KINDS = {
    b.WizardChoice: st.builds(b.WizardChoice, CHOICE_STEPS, NUMBERS),
    b.WizardPage: st.builds(b.WizardPage, CHOICE_STEPS, NUMBERS),
    b.WizardBack: st.just(b.WizardBack()),
    b.WizardCancel: st.just(b.WizardCancel()),
    b.WizardSend: st.just(b.WizardSend()),
    b.WizardFix: st.just(b.WizardFix()),
    b.WizardCorrect: st.builds(b.WizardCorrect, st.sampled_from(sorted(b.CORRECTABLE_STEP.codes))),
    b.WizardSummary: st.just(b.WizardSummary()),
    b.TicketListPage: st.builds(b.TicketListPage, INSTANTS, NUMBERS, st.booleans()),
    b.ShowTicket: st.builds(b.ShowTicket, NUMBERS),
    b.CancelTicket: st.builds(b.CancelTicket, NUMBERS),
    b.StaffView: st.builds(b.StaffView, NUMBERS),
    b.StaffResolve: st.builds(b.StaffResolve, NUMBERS, NUMBERS),
    b.StaffNote: st.builds(b.StaffNote, NUMBERS, NUMBERS),
}


def test_every_kind_of_button_is_covered_here():
    assert set(KINDS) == set(b.KINDS)


@given(st.one_of(*KINDS.values()))
def test_every_button_comes_back_as_itself_within_64_bytes(button):
    data = button.encode()
    assert len(data.encode()) <= b.MAX_BYTES
    assert b.decode(data) == button


@given(st.one_of(st.text(max_size=80), st.binary(max_size=80).map(lambda raw: raw.decode("latin-1")),
                 st.lists(st.sampled_from(["n", "m", "d", "s", "c", "p", "x", "ok", "t", "0", "01", "7", "-1", "",
                                           "99999999999999999999", "f", "b", "é"]), max_size=6).map(":".join)))
def test_anything_else_is_refused_or_is_exactly_what_encode_writes(data):
    button = b.decode(data)
    assert button is None or button.encode() == data  # one spelling per button: no forged variant gets in


@pytest.mark.parametrize("data", [None, 12, b"n:b", "", "n", "n:b:", "n:b:1", "n:c:t", "n:c:t:0", "n:c:t:-1",
                                  "n:c:t:01", "n:c:z:1", "n:c:d:1", "n:p:t:x", "m:d:4611686018427387904",
                                  "m:p:1:1:x", "m:p:99999999999999999999:1:f", "d:x:1:2", "s:v", "s:r:1",
                                  "s:o:1:0", "x:y", "n:b" + " " * 70, "n:c:t:１"])
def test_garbled_or_forged_data_decodes_to_none(data):
    assert b.decode(data) is None


def test_a_button_that_cannot_be_written_is_refused_when_drawn():
    with pytest.raises(ValueError):
        b.WizardChoice("descricao", 1).encode()  # not a choice step
    with pytest.raises(ValueError):
        b.StaffView(0).encode()
    with pytest.raises(ValueError):
        b.ShowTicket(True).encode()


def test_the_64_bytes_are_enforced_by_encode(monkeypatch):
    monkeypatch.setattr(b, "MAX_BYTES", 10)
    with pytest.raises(b.ButtonTooLong):
        b.StaffResolve(123456, 7).encode()


def test_a_page_of_the_list_names_its_row_to_the_microsecond():
    at = datetime(2026, 11, 27, 12, 0, 0, 123456, tzinfo=UTC)
    button = b.TicketListPage(at, 42, backwards=True)
    assert button.encode() == "m:p:1795780800123456:42:b"
    assert b.decode(button.encode()).cursor.created_at == at
