"""HTTP routes of the customers area: decode, call the customer service, encode."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, patch, post
from litestar.di import Provide

from server.accounts.permissions import Principal
from server.context import Services
from server.customers.schemas import CustomerIn, CustomerOut, CustomerPatch
from server.customers.service import CustomerService, contacts_of, visible_customer
from server.customers.views import customer_out, customers_out
from server.web import Limit, Offset, Page, provide_principal


async def _customer(principal: Principal, customer_id: UUID) -> CustomerOut:
    row = await visible_customer(principal, customer_id)
    return customer_out(row, (await contacts_of([row]))[row["id"]])


class CustomerController(Controller):
    path = "/api/customers"
    tags = ["customers"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_customers(
        self,
        principal: Principal,
        services: Services,
        area: str | None = None,
        q: str | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page:
        """Customers you may see, by name; filter by area or a part of the name or address."""
        total, rows = await CustomerService(services).list_customers(
            principal, area, q, limit, offset
        )
        return Page(
            total=total,
            limit=limit,
            offset=offset,
            items=customers_out(rows, await contacts_of(rows)),
        )

    @get("/{customer_id:uuid}")
    async def get_customer(self, customer_id: UUID, principal: Principal) -> CustomerOut:
        return await _customer(principal, customer_id)

    @post("/")
    async def create_customer(
        self, data: CustomerIn, principal: Principal, services: Services
    ) -> CustomerOut:
        """Home-care staff add their organisation's customers."""
        customer_id = await CustomerService(services).create(principal, data)
        return await _customer(principal, customer_id)

    @patch("/{customer_id:uuid}")
    async def update_customer(
        self, customer_id: UUID, data: CustomerPatch, principal: Principal, services: Services
    ) -> CustomerOut:
        await CustomerService(services).update(principal, customer_id, data)
        return await _customer(principal, customer_id)
