"""Linking by a shared contact: only a +55 number can match a customer's phone (SPEC.md "Linking").

Each foreign account below shares its own number, whose digits spell a Brazilian customer's phone once the country
code is forgotten; none of them is linked. Brazilian contacts, with or without `+` and the ninth digit, are."""
from __future__ import annotations

import pytest

from domain.brazil import normalise_phone
from domain.catalogue import Customer
from domain.errors import LinkRefused
from domain.services.linking import LinkingService
from tests.support import sample_catalogue as c
from tests.support.sql_store import store  # noqa: F401 - fixtures
from tests.unit.test_brazil import FOREIGN_CONTACTS_THAT_LOOK_BRAZILIAN

FIRST_ID = 501


@pytest.fixture
async def lookalikes(store):
    """One Brazilian customer per foreign example, with the catalogue phone its digits collide with."""
    customers = []
    for offset, (_, catalogue_phone) in enumerate(FOREIGN_CONTACTS_THAT_LOOK_BRAZILIAN):
        customer = Customer(FIRST_ID + offset, f"Cliente {offset}", f"0000000{offset:04d}")
        await store.add_customer(customer, phones=[normalise_phone(catalogue_phone)])
        customers.append(customer)
    return customers


@pytest.mark.parametrize(("contact", "catalogue"), FOREIGN_CONTACTS_THAT_LOOK_BRAZILIAN)
async def test_a_foreign_account_sharing_its_own_number_is_never_linked_to_a_brazilian_customer(
    contact, catalogue, lookalikes, uow_factory, clock
):
    linking = LinkingService(uow_factory, clock)
    for account, spelling in ((7001, contact), (7002, "+" + contact)):
        with pytest.raises(LinkRefused):
            await linking.link_by_contact(account, account, spelling)
    async with uow_factory() as uow:
        assert [await uow.customers.by_telegram(account) for account in (7001, 7002)] == [None, None]


@pytest.mark.parametrize("offset", range(len(FOREIGN_CONTACTS_THAT_LOOK_BRAZILIAN)))
async def test_the_brazilian_owner_of_those_digits_links_with_the_country_code(
    offset, lookalikes, uow_factory, clock
):
    contact, _ = FOREIGN_CONTACTS_THAT_LOOK_BRAZILIAN[offset]
    linking = LinkingService(uow_factory, clock)
    result = await linking.link_by_contact(7100 + offset, 7100 + offset, "55" + contact)
    assert result.customer.id == lookalikes[offset].id


@pytest.mark.parametrize(
    "contact",
    ["5511999990001", "+5511999990001", "551199990001", "+551199990001", "+55 11 99999-0001"],
)
async def test_a_brazilian_mobile_links_with_or_without_plus_and_ninth_digit(contact, store, uow_factory, clock):
    linking = LinkingService(uow_factory, clock)
    assert (await linking.link_by_contact(7200, 7200, contact)).customer.id == c.ANA.id


@pytest.mark.parametrize("contact", ["555132221234", "+555132221234"])
async def test_a_brazilian_landline_links_with_or_without_plus(contact, store, uow_factory, clock):
    carla = Customer(601, "Carla Dias", "52998224725")
    await store.add_customer(carla, phones=[normalise_phone("(51) 3222-1234")])
    linking = LinkingService(uow_factory, clock)
    assert (await linking.link_by_contact(7300, 7300, contact)).customer.id == carla.id
