"""Typed notifications: each kind's renderer as a pure function of its payload, the payloads' JSON (this version and
the rows written before payloads were typed), and queue names made and read in one place."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.texts import notifications as texts
from domain.notifications import (
    PAYLOAD_TYPES,
    Audience,
    CustomerUnreachableNotice,
    InternalMessageNotice,
    Kind,
    NoteAddedNotice,
    OverdueGroup,
    OverdueItem,
    PayloadError,
    PendenciaNotice,
    ReminderDigestNotice,
    ReminderNotice,
    StageCreatedNotice,
    StageStatusNotice,
    TicketStatusNotice,
    parse_queue,
    queue_of,
)
from storage.notification_payloads import decode_payload, encode_payload

ZONE = ZoneInfo("America/Sao_Paulo")
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # 09:00 in São Paulo
ITEM = OverdueItem(4, 7, 1, "Vistoria <técnica>", T0)
PENDENCIA = PendenciaNotice(
    5, "novo_atendimento", 7, 1, "Vistoria técnica", created_at=T0, due_at=T0, description="Mancha & umidade",
    customer_name="Ana <Souza>", type_name="Assistência", subject_name="Infiltração", empreendimento_name="Jardins",
    unit_label="Apto 101", responsible_name="João Silva", responsible_login="joao",
)
EXAMPLES = [
    StageCreatedNotice(7, 2, "Reparo <urgente>", due_at=T0, at=T0),
    StageStatusNotice(7, 1, "Vistoria técnica", "Resolvida", T0),
    NoteAddedNotice(7, 1, "Vistoria técnica", "Chego às 9h & levo a escada", "João", T0),
    TicketStatusNotice(7, "Cancelado", "Cliente <desistiu>", T0),
    PENDENCIA,
    InternalMessageNotice(9, "entrega_falhou", {"where": "cliente 3", "error": "chat not found"}, 1),
    CustomerUnreachableNotice(3, "Bruno & Filhos"),
    ReminderDigestNotice(date(2026, 3, 3), (OverdueGroup("João Silva", (ITEM,)), OverdueGroup("", (ITEM, ITEM)))),
    ReminderNotice(date(2026, 3, 3), (ITEM,)),
]


def test_every_kind_has_a_payload_type_a_renderer_and_an_example():
    assert set(PAYLOAD_TYPES) == set(Kind)
    assert set(texts.RENDERERS) == set(PAYLOAD_TYPES.values())
    assert {type(example) for example in EXAMPLES} == set(PAYLOAD_TYPES.values())


@pytest.mark.parametrize("notice", EXAMPLES, ids=lambda n: n.KIND.value)
def test_each_renderer_escapes_what_people_wrote(notice):
    text = texts.render(notice, ZONE)
    assert "<técnica>" not in text and "<urgente>" not in text and "<desistiu>" not in text and "<Souza>" not in text
    assert " & " not in text


def test_customer_pushes_say_what_changed_with_local_dates():
    assert texts.render(EXAMPLES[0], ZONE) == (
        "🔔 Atendimento <b>nº 7</b>: nova etapa <b>2 — Reparo &lt;urgente&gt;</b>.\nPrevisão: 02/03/2026 09:00."
    )
    assert texts.render(StageCreatedNotice(7, 2, "Reparo"), ZONE) == (
        "🔔 Atendimento <b>nº 7</b>: nova etapa <b>2 — Reparo</b>."
    )
    assert texts.render(EXAMPLES[1], ZONE).endswith("<b>1 — Vistoria técnica</b> está ✅ Resolvida.")
    assert texts.render(EXAMPLES[2], ZONE).endswith("nova observação (João):\nChego às 9h &amp; levo a escada")
    assert texts.render(EXAMPLES[3], ZONE) == (
        "🔔 Atendimento <b>nº 7</b>: foi cancelado. ❌\nMotivo: Cliente &lt;desistiu&gt;"
    )
    assert "Motivo" not in texts.render(TicketStatusNotice(7, "Encerrado", "x"), ZONE)


def test_staff_posts():
    post = texts.render(PENDENCIA, ZONE)
    assert post.startswith("🆕 <b>Novo atendimento nº 7</b>\nCliente: Ana &lt;Souza&gt;\nUnidade: Jardins · Apto 101")
    assert "Responsável: João Silva (@joao)" in post and "Prazo: 02/03/2026 09:00" in post
    stage = PendenciaNotice(6, "nova_etapa", 7, 2, "Reparo")
    assert texts.render(stage, ZONE).startswith("📌 <b>Nova etapa no atendimento nº 7</b>")
    assert "ninguém (configure o responsável)" in texts.render(stage, ZONE)
    assert "Prazo: sem prazo" in texts.render(stage, ZONE)
    assert "chat not found" in texts.render(EXAMPLES[5], ZONE)
    digest = texts.render(EXAMPLES[7], ZONE)
    assert "<b>João Silva</b> (1)" in digest and "<b></b> (2)" in digest
    assert "• nº 7, etapa 1 — Vistoria &lt;técnica&gt; (prazo 02/03/2026 09:00)" in digest
    assert texts.render(EXAMPLES[8], ZONE).startswith("⏰ Você tem <b>1</b> pendência(s) atrasada(s):")


@pytest.mark.parametrize("notice", EXAMPLES, ids=lambda n: n.KIND.value)
def test_payloads_survive_their_json(notice):
    stored = encode_payload(notice)
    assert stored["v"] == notice.VERSION
    assert decode_payload(notice.KIND, stored) == notice


def test_rows_written_before_payloads_were_typed_are_read():
    """Version 0: the dicts the services wrote until December 2026 (no "v"), digest groups as [name, items]."""
    old_note = {"ticket_number": 7, "stage_position": 1, "stage_description": "Vistoria", "author": "Equipe",
                "text": "aviso 1", "at": "2026-03-02T12:00:00+00:00"}
    assert decode_payload("note_added", old_note) == NoteAddedNotice(7, 1, "Vistoria", "aviso 1", "Equipe", T0)
    old_item = {"pendencia_id": 4, "ticket_number": 7, "stage_position": 1, "stage_description": "Vistoria <técnica>",
                "due_at": T0.isoformat()}
    old_digest = {"day": "2026-03-03", "groups": [["João Silva", [old_item]], ["", [old_item, old_item]]]}
    assert decode_payload("reminder_digest", old_digest) == EXAMPLES[7]
    old_pendencia = {**{k: v for k, v in encode_payload(PENDENCIA).items() if k != "v"}, "ticket_status": "Aberto",
                     "stage_status": "Pendente"}
    assert decode_payload("pendencia", old_pendencia).customer_name == "Ana <Souza>"


def test_an_unreadable_payload_is_a_payload_error():
    with pytest.raises(PayloadError, match="newer"):
        decode_payload("note_added", {**encode_payload(EXAMPLES[2]), "v": 99})
    with pytest.raises(PayloadError, match="ticket_number"):
        decode_payload("note_added", {"text": "sem o resto"})
    with pytest.raises(PayloadError, match="unknown"):
        decode_payload("carrier_pigeon", {})


@pytest.mark.parametrize(
    ("audience", "recipient", "name"),
    [(Audience.CUSTOMER, 12, "c:12"), (Audience.STAFF_USER, 3, "u:3"), (Audience.EMAIL, 3, "e:3"),
     (Audience.STAFF_GROUP, None, "g")],
)
def test_queue_names_are_made_and_read_in_one_place(audience, recipient, name):
    assert queue_of(audience, recipient) == name
    assert parse_queue(name) == (audience, recipient)


@pytest.mark.parametrize("name", ["", "x:1", "c:", "c:abc", "g:1"])
def test_what_is_not_a_queue_name_is_none(name):
    assert parse_queue(name) is None
