"""Rendering is a pure function of domain views: the keyboards and texts of /novo, /meus, /detalhes and the staff's
buttons, checked without Telegram or a database."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import buttons as b
from bot import keyboards, staff_keyboards
from bot.texts import customer as texts
from domain.services.wizard import CHOICE_STEPS, CONFIRM, Option, WizardView
from domain.statuses import StageStatus, TicketStatus
from domain.views import PageCursor, StageView, TicketDetails, TicketPage, TicketSummary
from domain.wizard_draft import WizardDraft

ZONE = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)


def view(step: str, options: int, real: tuple[str, ...] = CHOICE_STEPS, chosen=(), auto=()) -> WizardView:
    draft = WizardDraft.start(customer_id=1, telegram_user_id=9, chat_id=9, step=step, now=NOW,
                              lifetime=timedelta(minutes=30))
    return WizardView(draft, step, tuple(Option(100 + i, f"Opção {i}", "Torre A" if i == 0 else "")
                                         for i in range(options)), tuple(chosen), tuple(auto), real)


def pressed(markup) -> list[list[b.Button]]:
    return [[b.decode(button.callback_data) for button in row] for row in markup.inline_keyboard]


def labels(markup) -> list[list[str]]:
    return [[button.text for button in row] for row in markup.inline_keyboard]


def test_a_step_shows_eight_options_a_page_then_the_way_between_pages():
    first = pressed(keyboards.wizard_step(view("unidade", 19), page=1))
    assert [row[0] for row in first[:8]] == [b.WizardChoice("unidade", 100 + i) for i in range(8)]
    assert first[8] == [b.WizardPage("unidade", 2)]
    assert first[9] == [b.WizardBack(), b.WizardCancel()]
    middle = pressed(keyboards.wizard_step(view("unidade", 19), page=2))
    assert middle[8] == [b.WizardPage("unidade", 1), b.WizardPage("unidade", 3)]
    last = pressed(keyboards.wizard_step(view("unidade", 19), page=99))  # clamped to the last page
    assert len(last) == 3 + 2 and last[3] == [b.WizardPage("unidade", 2)]


def test_an_option_shows_its_detail_and_a_long_one_is_shortened():
    markup = keyboards.wizard_step(view("empreendimento", 2))
    assert labels(markup)[0] == ["Opção 0 — Torre A"]
    long = replace(view("empreendimento", 1), options=(Option(1, "X" * 80),))
    text = labels(keyboards.wizard_step(long))[0][0]
    assert len(text) == 60 and text.endswith("…")


def test_the_summary_offers_send_correct_and_cancel_and_the_corrections_only_real_choices():
    assert pressed(keyboards.wizard_confirm()) == [[b.WizardSend()], [b.WizardFix(), b.WizardCancel()]]
    corrections = pressed(keyboards.wizard_correct(view(CONFIRM, 0, real=("assunto", "unidade"))))
    assert corrections == [[b.WizardCorrect("assunto")], [b.WizardCorrect("unidade")],
                           [b.WizardCorrect("descricao")], [b.WizardSummary()]]


def test_the_step_text_says_what_was_chosen_automatically_and_which_page():
    text = texts.wizard_step([("tipo", "Assistência <técnica>"), ("assunto", "Infiltração")], [("assunto", "")],
                             "empreendimento", 2, 3)
    assert "Tipo: <b>Assistência &lt;técnica&gt;</b>" in text
    assert "Infiltração</b> <i>(única opção, escolhida automaticamente)</i>" in text
    assert "(página 2 de 3)" in text
    assert "descreva" in texts.wizard_step([], [], "descricao", 1, 1)


def summary(number: int, created: datetime) -> TicketSummary:
    return TicketSummary(number, number, TicketStatus.ABERTO, "Infiltração", "Vazamento & <mofo>", created, None)


def test_the_list_pages_by_cursor_and_every_line_offers_its_details():
    cursor = PageCursor(NOW, 7, backwards=True)
    page = TicketPage((summary(7, NOW), summary(6, NOW - timedelta(days=1))), 12, 2, 3,
                      next_cursor=PageCursor(NOW - timedelta(days=1), 6), prev_cursor=cursor)
    assert pressed(keyboards.ticket_list(page)) == [
        [b.ShowTicket(7)], [b.ShowTicket(6)],
        [b.TicketListPage.at(cursor), b.TicketListPage(NOW - timedelta(days=1), 6, False)]]
    text = texts.ticket_list(page, ZONE)
    assert "12 no total (página 2 de 3)" in text and "Vazamento &amp; &lt;mofo&gt;" in text
    assert "27/11/2026 12:30" in text  # in TIMEZONE, dd/mm/aaaa HH:MM


def details(status: TicketStatus, *stages: StageStatus) -> TicketDetails:
    return TicketDetails(
        1, 41, status, "Vazamento", NOW, None, None, 1, "Ana", "Assistência", 10, "Infiltração", True, "Jardins",
        "Torre A", "101", (), "bot",
        tuple(StageView(i + 1, f"Etapa {i + 1}", s, NOW, None, None, None, None) for i, s in enumerate(stages)))


def test_only_an_open_atendimento_without_a_resolved_stage_offers_cancelling():
    assert pressed(keyboards.ticket_details(details(TicketStatus.ABERTO, StageStatus.PENDENTE))) == [
        [b.CancelTicket(41)]]
    assert keyboards.ticket_details(details(TicketStatus.ABERTO, StageStatus.RESOLVIDA)) is None
    assert keyboards.ticket_details(details(TicketStatus.CANCELADO)) is None


def test_staff_get_resolve_and_note_on_each_pending_stage_and_nothing_on_a_final_atendimento():
    open_one = details(TicketStatus.ABERTO, StageStatus.RESOLVIDA, StageStatus.PENDENTE)
    assert pressed(staff_keyboards.ticket_actions(open_one)) == [[b.StaffResolve(41, 2), b.StaffNote(41, 2)]]
    assert staff_keyboards.ticket_actions(details(TicketStatus.ENCERRADO, StageStatus.RESOLVIDA)) is None
    assert pressed(staff_keyboards.pendencia_actions(41, 3)) == [[b.StaffView(41), b.StaffResolve(41, 3)],
                                                                 [b.StaffNote(41, 3)]]


def test_the_cancellation_texts_name_the_atendimento():
    assert "nº 41" in texts.ask_cancel_reason(41) and "/cancelar" in texts.ask_cancel_reason(41)
    assert "nº 41</b> cancelado" in texts.cancelled_by_customer(41)
