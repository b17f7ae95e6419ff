"""HTTP routes of the customers area."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, get, patch, post
from litestar.di import Provide

from server.accounts import permissions as perm
from server.accounts.permissions import Principal
from server.accounts.tables import Organisation
from server.customers.schemas import ContactIn, ContactOut, CustomerIn, CustomerOut, CustomerPatch
from server.customers.tables import Customer, CustomerContact
from server.errors import Forbidden, NotFound, ValidationFailed
from server.scopes import customer_scope, has_visible_order
from server.secrets_box import normalise_identity_number
from server.sync.changes import CUSTOMER, changed, unit_of_work
from server.web import Limit, Offset, Page, Services, provide_principal


async def customers_out(rows: list[dict[str, Any]]) -> list[CustomerOut]:
    ids = [r["id"] for r in rows]
    contacts: dict[Any, list[ContactOut]] = {i: [] for i in ids}
    if ids:
        for c in (
            await CustomerContact.select()
            .where(CustomerContact.customer.is_in(ids))
            .order_by(CustomerContact.name)
        ):
            contacts[c["customer"]].append(
                ContactOut(
                    id=c["id"],
                    name=c["name"],
                    relation=c["relation"],
                    phone=c["phone"],
                    best_times=c["best_times"],
                )
            )
    return [
        CustomerOut(
            id=r["id"],
            provider_id=r["provider"],
            name=r["name"],
            street_address=r["street_address"],
            postal_code=r["postal_code"],
            city=r["city"],
            area=r["area"],
            phone=r["phone"],
            best_times=r["best_times"],
            identity_number_masked=r["identity_number_masked"],
            contacts=contacts[r["id"]],
            updated_at=r["updated_at"],
        )
        for r in rows
    ]


CUSTOMER_COLUMNS = tuple(
    c for c in Customer._meta.columns if c._meta.name != "identity_number_ciphertext"
)


async def visible_customer(principal: Principal, customer_id: UUID) -> dict[str, Any]:
    row = await Customer.select(*CUSTOMER_COLUMNS).where(Customer.id == customer_id).first()
    if not row or not perm.can_see_customer(
        principal,
        str(row["provider"]),
        via_visible_order=await has_visible_order(principal, customer_id=customer_id),
    ):
        raise NotFound("No such customer.")
    return row


async def _replace_contacts(customer_id: Any, contacts: list[ContactIn]) -> None:
    await CustomerContact.delete().where(CustomerContact.customer == customer_id)
    if contacts:
        await CustomerContact.insert(
            *[
                CustomerContact(
                    customer=customer_id,
                    name=c.name,
                    relation=c.relation,
                    phone=c.phone,
                    best_times=c.best_times,
                )
                for c in contacts
            ]
        )


class CustomerController(Controller):
    path = "/api/customers"
    tags = ["customers"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_customers(
        self,
        principal: Principal,
        area: str | None = None,
        q: str | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page:
        """Customers you may see, by name; filter by area or a part of the name or address."""
        conditions = [c for c in [customer_scope(principal)] if c is not None]
        if area:
            conditions.append(Customer.area == area)
        if q:
            conditions.append(
                Customer.name.ilike(f"%{q}%") | Customer.street_address.ilike(f"%{q}%")
            )
        rows = (
            await Customer.select(*CUSTOMER_COLUMNS)
            .where(*conditions)
            .order_by(Customer.name)
            .limit(limit)
            .offset(offset)
        )
        total = await Customer.count().where(*conditions)
        return Page(total=total, limit=limit, offset=offset, items=await customers_out(rows))

    @get("/{customer_id:uuid}")
    async def get_customer(self, customer_id: UUID, principal: Principal) -> CustomerOut:
        return (await customers_out([await visible_customer(principal, customer_id)]))[0]

    @post("/")
    async def create_customer(
        self, data: CustomerIn, principal: Principal, services: Services
    ) -> CustomerOut:
        """Home-care staff add their organisation's customers."""
        provider_id = str(data.provider_id or principal.organisation_id)
        provider = (
            await Organisation.select(Organisation.kind)
            .where(Organisation.id == provider_id)
            .first()
        )
        if not provider or not perm.can_see_organisation(principal, provider_id):
            raise ValidationFailed("No such home-care provider.", field="provider_id")
        if provider["kind"] != perm.OrganisationKind.HOME_CARE_PROVIDER:
            raise ValidationFailed("Customers belong to a home-care provider.", field="provider_id")
        if not perm.can_manage_customer(principal, provider_id):
            raise Forbidden("Only the home-care provider's staff can add its customers.")
        customer = Customer(
            provider=provider_id,
            name=data.name,
            street_address=data.street_address,
            postal_code=data.postal_code,
            city=data.city,
            area=data.area,
            phone=data.phone,
            best_times=data.best_times,
        )
        if data.identity_number:
            number, masked = normalise_identity_number(
                data.identity_number, services.settings.country
            )
            customer.identity_number_ciphertext = services.box.seal_identity_number(
                number, str(customer.id)
            )
            customer.identity_number_masked = masked
        async with unit_of_work(services.engine):
            await customer.save()
            await _replace_contacts(customer.id, data.contacts)
            changed(CUSTOMER, customer.id)
        return (await customers_out([await visible_customer(principal, customer.id)]))[0]

    @patch("/{customer_id:uuid}")
    async def update_customer(
        self, customer_id: UUID, data: CustomerPatch, principal: Principal, services: Services
    ) -> CustomerOut:
        row = await visible_customer(principal, customer_id)
        if not perm.can_manage_customer(principal, str(row["provider"])):
            raise Forbidden("Only the home-care provider's staff can change its customers.")
        values: dict[Any, Any] = {}
        for name in (
            "name",
            "street_address",
            "postal_code",
            "city",
            "area",
            "phone",
            "best_times",
        ):
            value = getattr(data, name)
            if value is not None:
                values[Customer._meta.get_column_by_name(name)] = value
        if data.identity_number is not None:
            if data.identity_number.strip():
                number, masked = normalise_identity_number(
                    data.identity_number, services.settings.country
                )
                values[Customer.identity_number_ciphertext] = services.box.seal_identity_number(
                    number, str(customer_id)
                )
                values[Customer.identity_number_masked] = masked
            else:
                values[Customer.identity_number_ciphertext] = ""
                values[Customer.identity_number_masked] = ""
        values[Customer.updated_at] = services.clock.now()
        async with unit_of_work(services.engine):
            await Customer.update(values).where(Customer.id == customer_id)
            changed(CUSTOMER, customer_id)
            if data.contacts is not None:
                await _replace_contacts(customer_id, data.contacts)
        return (await customers_out([await visible_customer(principal, customer_id)]))[0]
