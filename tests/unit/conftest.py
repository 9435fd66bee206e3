"""Unit-test fixtures: the sample construtora in the in-memory fakes of the ports."""
from __future__ import annotations

import pytest

from domain.services.queries import CustomerQueries, StaffQueries
from domain.services.tickets import TicketService
from tests.unit.fakes import FakeDatabase, FakeUnitOfWorkFactory
from tests.unit.sample_catalogue import seed


@pytest.fixture
def fake_db(clock) -> FakeDatabase:
    return seed(FakeDatabase(clock))


@pytest.fixture
def fake_uow_factory(fake_db) -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory(fake_db)


@pytest.fixture
def service(fake_uow_factory, clock) -> TicketService:
    return TicketService(fake_uow_factory, clock)


@pytest.fixture
def customer_queries(fake_uow_factory) -> CustomerQueries:
    return CustomerQueries(fake_uow_factory)


@pytest.fixture
def staff_queries(fake_uow_factory) -> StaffQueries:
    return StaffQueries(fake_uow_factory)
