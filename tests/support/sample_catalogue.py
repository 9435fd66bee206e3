"""A small construtora for the service tests (written into a real database by `seed`): the people and things the
stories talk about.

Ana owns two units in Residencial Jardins and a house in Parque das Águas; Bruno owns a unit in Vila Nova and shares
Ana's Torre A 101. João handles leaks, Maria is the configured responsible, Admin is told about failures.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from domain.catalogue import (
    Customer,
    Empreendimento,
    Obra,
    ServiceConfig,
    StaffUser,
    StageTemplate,
    Subject,
    TicketType,
    Unit,
)
from domain.statuses import Visibility

if TYPE_CHECKING:
    from tests.support.sql_store import Store

JOAO = StaffUser(1, "joao", "João Silva", telegram_user_id=5001, email="joao@construtora.example")
MARIA = StaffUser(2, "maria", "Maria Lima", telegram_user_id=5002)
ADMIN = StaffUser(3, "admin", "Admin TI")
PEDRO = StaffUser(4, "pedro", "Pedro Antigo", active=False)

ASSISTENCIA = TicketType(1, "Assistência técnica")
SOLICITACAO = TicketType(2, "Solicitação")
INFORMACAO = TicketType(3, "Informação")  # no subject: never offered

JARDINS = Empreendimento(100, "Residencial Jardins", (Obra(1001, 100, "Torre A"), Obra(1002, 100, "Torre B")))
AGUAS = Empreendimento(200, "Parque das Águas", (Obra(2001, 200, "Bloco 1"),))
VILA_NOVA = Empreendimento(300, "Vila Nova", (Obra(3001, 300, "Quadra 1"),))

TORRE_A_101 = Unit(5000, 100, 1001, "Torre A - Apto 101", ("Apartamento 101", "Vaga 12"))
TORRE_B_202 = Unit(5001, 100, 1002, "Torre B - Apto 202", ("Apartamento 202",))
CASA_3 = Unit(6000, 200, 2001, "Bloco 1 - Casa 3", ())
LOTE_7 = Unit(7000, 300, 3001, "Quadra 1 - Lote 7", ())

INFILTRACAO = Subject(
    10, "Infiltração", enabled=True, responsible_id=JOAO.id, return_call=True,
    type_ids=frozenset({1}), empreendimento_ids=frozenset({100}),
    stages=(StageTemplate(1, "Vistoria técnica", JOAO.id, 3), StageTemplate(2, "Reparo", None, 7)),
)
BOLETO = Subject(  # no template, related to no empreendimento: every empreendimento
    11, "Segunda via de boleto", enabled=True, responsible_id=MARIA.id, return_call=False,
    type_ids=frozenset({2}),
)
RACHADURA = Subject(  # not offered by the bot
    12, "Rachadura", enabled=False, responsible_id=JOAO.id, return_call=False,
    type_ids=frozenset({1}), empreendimento_ids=frozenset({100}),
    stages=(StageTemplate(1, "Vistoria estrutural", None, 5),),
)
PORTAO = Subject(  # only where Ana owns nothing
    13, "Portão da quadra", enabled=True, responsible_id=None, return_call=False,
    type_ids=frozenset({1}), empreendimento_ids=frozenset({300}),
)
VAZAMENTO = Subject(  # names nobody: the configured responsible gets its stages
    14, "Vazamento", enabled=True, responsible_id=None, return_call=False,
    type_ids=frozenset({1, 2}), empreendimento_ids=frozenset({100, 200}),
    stages=(
        StageTemplate(1, "Diagnóstico", None, 1),
        StageTemplate(2, "Troca de tubulação", JOAO.id, 5),
        StageTemplate(3, "Teste de estanqueidade", None, None),
    ),
)

ANA = Customer(1, "Ana Souza", "12345678909", email="ana@example.com", telegram_user_id=9001)
BRUNO = Customer(2, "Bruno Costa", "11222333000181", telegram_user_id=9002)

CONFIG = ServiceConfig(
    visibility=Visibility.WEB_SUBJECTS, responsible_id=MARIA.id, config_user_id=ADMIN.id,
    send_external_email=True, staff_chat_id=-1001234567890,
)


async def seed(store: Store, config: ServiceConfig = CONFIG) -> Store:
    await store.add_staff(JOAO, MARIA, ADMIN, PEDRO)
    await store.add_ticket_types(ASSISTENCIA, SOLICITACAO, INFORMACAO)
    await store.add_empreendimentos(JARDINS, AGUAS, VILA_NOVA)
    await store.add_units(TORRE_A_101, TORRE_B_202, CASA_3, LOTE_7)
    await store.add_subjects(INFILTRACAO, BOLETO, RACHADURA, PORTAO, VAZAMENTO)
    await store.add_customer(ANA, phones=["+5511999990001"], units=[TORRE_A_101.id, TORRE_B_202.id, CASA_3.id])
    await store.add_customer(BRUNO, phones=["+5521988887777"], units=[LOTE_7.id, TORRE_A_101.id])
    await store.set_config(config)
    return store
