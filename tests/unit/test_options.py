"""What a customer may choose at each step of /novo, and every forged choice refused."""
from __future__ import annotations

import pytest

from domain.catalogue import Subject
from domain.errors import ChoiceNotAllowed
from domain.services.options import CustomerOptions
from tests.support import sample_catalogue as c

TYPES = [c.ASSISTENCIA, c.SOLICITACAO, c.INFORMACAO]
SUBJECTS = [c.INFILTRACAO, c.BOLETO, c.RACHADURA, c.PORTAO, c.VAZAMENTO]
EMPREENDIMENTOS = [c.JARDINS, c.AGUAS, c.VILA_NOVA]


def options_for(*units, subjects=SUBJECTS) -> CustomerOptions:
    return CustomerOptions.build(TYPES, subjects, list(units), EMPREENDIMENTOS)


ANA = options_for(c.TORRE_A_101, c.CASA_3, c.TORRE_B_202)
BRUNO = options_for(c.LOTE_7, c.TORRE_A_101)


def names(items) -> list[str]:
    return [getattr(i, "name", None) or i.label for i in items]


def test_only_subjects_enabled_for_the_bot_are_offered():
    assert c.RACHADURA not in ANA.subjects
    assert all(s.enabled for s in ANA.subjects)
    assert names(ANA.subjects_for(c.ASSISTENCIA.id)) == ["Infiltração", "Vazamento"]


def test_a_subject_is_offered_only_where_the_customer_owns_a_unit():
    assert c.PORTAO not in ANA.subjects_for(c.ASSISTENCIA.id)  # Vila Nova only: Ana owns nothing there
    assert names(BRUNO.subjects_for(c.ASSISTENCIA.id)) == ["Infiltração", "Portão da quadra", "Vazamento"]


def test_the_empreendimentos_offered_are_those_of_the_subject_where_the_customer_owns_a_unit():
    assert names(ANA.empreendimentos) == ["Parque das Águas", "Residencial Jardins"]
    assert names(ANA.empreendimentos_for(c.ASSISTENCIA.id, c.INFILTRACAO.id)) == ["Residencial Jardins"]
    assert names(ANA.empreendimentos_for(c.ASSISTENCIA.id, c.VAZAMENTO.id)) == ["Parque das Águas",
                                                                                "Residencial Jardins"]
    assert names(BRUNO.empreendimentos_for(c.ASSISTENCIA.id, c.VAZAMENTO.id)) == ["Residencial Jardins"]


def test_a_subject_related_to_no_empreendimento_is_related_to_all_of_them():
    assert c.BOLETO.empreendimento_ids == frozenset()
    assert names(ANA.empreendimentos_for(c.SOLICITACAO.id, c.BOLETO.id)) == ["Parque das Águas",
                                                                             "Residencial Jardins"]
    assert names(BRUNO.empreendimentos_for(c.SOLICITACAO.id, c.BOLETO.id)) == ["Residencial Jardins", "Vila Nova"]


def test_the_units_offered_are_the_customers_own_in_that_empreendimento():
    assert names(ANA.units_for(c.ASSISTENCIA.id, c.INFILTRACAO.id, c.JARDINS.id)) == [
        "Torre A - Apto 101", "Torre B - Apto 202"]
    assert ANA.units_for(c.SOLICITACAO.id, c.BOLETO.id, c.AGUAS.id) == (c.CASA_3,)
    assert BRUNO.units_for(c.ASSISTENCIA.id, c.INFILTRACAO.id, c.JARDINS.id) == (c.TORRE_A_101,)
    assert c.TORRE_A_101.items == ("Apartamento 101", "Vaga 12")


def test_a_type_without_a_possible_subject_is_not_offered():
    assert names(ANA.types_offered()) == ["Assistência técnica", "Solicitação"]
    only_disabled = options_for(c.TORRE_A_101, subjects=[c.RACHADURA])
    assert only_disabled.types_offered() == ()
    assert not only_disabled.can_open_any


def test_a_customer_without_units_can_open_nothing():
    nobody = options_for()
    assert nobody.types_offered() == () and nobody.empreendimentos == ()
    assert not nobody.can_open_any
    with pytest.raises(ChoiceNotAllowed):
        nobody.subject(c.SOLICITACAO.id, c.BOLETO.id)


def test_a_valid_path_through_the_wizard_is_accepted():
    assert ANA.can_open_any
    assert ANA.ticket_type(c.ASSISTENCIA.id) == c.ASSISTENCIA
    assert ANA.subject(c.ASSISTENCIA.id, c.INFILTRACAO.id) == c.INFILTRACAO
    assert ANA.empreendimento(c.ASSISTENCIA.id, c.INFILTRACAO.id, c.JARDINS.id) == c.JARDINS
    assert ANA.unit(c.ASSISTENCIA.id, c.INFILTRACAO.id, c.JARDINS.id, c.TORRE_B_202.id) == c.TORRE_B_202


@pytest.mark.parametrize(
    ("step", "choose"),
    [
        ("tipo", lambda o: o.ticket_type(c.INFORMACAO.id)),  # no subject for it
        ("tipo", lambda o: o.ticket_type(999)),
        ("tipo", lambda o: o.subject(999, c.INFILTRACAO.id)),
        ("assunto", lambda o: o.subject(c.ASSISTENCIA.id, c.RACHADURA.id)),  # not enabled for the bot
        ("assunto", lambda o: o.subject(c.ASSISTENCIA.id, c.PORTAO.id)),  # no unit of hers there
        ("assunto", lambda o: o.subject(c.ASSISTENCIA.id, c.BOLETO.id)),  # a subject of another type
        ("assunto", lambda o: o.subject(c.ASSISTENCIA.id, 999)),
        ("empreendimento", lambda o: o.empreendimento(c.ASSISTENCIA.id, c.INFILTRACAO.id, c.AGUAS.id)),
        ("empreendimento", lambda o: o.empreendimento(c.ASSISTENCIA.id, c.VAZAMENTO.id, c.VILA_NOVA.id)),
        ("empreendimento", lambda o: o.units_for(c.ASSISTENCIA.id, c.INFILTRACAO.id, c.VILA_NOVA.id)),
        ("unidade", lambda o: o.unit(c.ASSISTENCIA.id, c.INFILTRACAO.id, c.JARDINS.id, c.LOTE_7.id)),  # Bruno's
        ("unidade", lambda o: o.unit(c.ASSISTENCIA.id, c.VAZAMENTO.id, c.JARDINS.id, c.CASA_3.id)),  # elsewhere
        ("unidade", lambda o: o.unit(c.ASSISTENCIA.id, c.VAZAMENTO.id, c.JARDINS.id, 999)),
        ("assunto", lambda o: o.unit(c.ASSISTENCIA.id, c.RACHADURA.id, c.JARDINS.id, c.TORRE_A_101.id)),
    ],
)
def test_a_forged_choice_is_refused_at_its_step(step, choose):
    with pytest.raises(ChoiceNotAllowed) as caught:
        choose(ANA)
    assert caught.value.params["step"] == step


def test_choices_are_listed_by_name_whatever_the_catalogue_order():
    shuffled = CustomerOptions.build(
        list(reversed(TYPES)), list(reversed(SUBJECTS)), [c.TORRE_B_202, c.CASA_3, c.TORRE_A_101],
        list(reversed(EMPREENDIMENTOS)),
    )
    assert shuffled == ANA


def test_an_empreendimento_of_a_subject_that_does_not_exist_changes_nothing():
    ghost = Subject(20, "Fantasma", enabled=True, responsible_id=None, return_call=False,
                    type_ids=frozenset({1}), empreendimento_ids=frozenset({12345}))
    options = options_for(c.TORRE_A_101, subjects=[ghost])
    assert options.subjects_for(1) == ()
