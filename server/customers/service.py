"""The customers area's queries and transactions: who may see a customer, adding and
changing customers and their contacts."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from server.accounts import permissions as perm
from server.accounts.permissions import Principal
from server.accounts.tables import Organisation
from server.context import Services
from server.customers.schemas import ContactIn, CustomerIn, CustomerPatch
from server.customers.tables import Customer, CustomerContact
from server.errors import Forbidden, NotFound, ValidationFailed
from server.scopes import customer_scope, has_visible_order
from server.secrets_box import normalise_identity_number
from server.sync.changes import CUSTOMER, changed, unit_of_work

# Every column but the sealed identity number, which never leaves the server.
CUSTOMER_COLUMNS = tuple(
    c for c in Customer._meta.columns if c._meta.name != "identity_number_ciphertext"
)
# The fields a patch may change as they are (the identity number is sealed first).
PATCHED_AS_SENT = ("name", "street_address", "postal_code", "city", "area", "phone", "best_times")


async def contacts_of(rows: list[dict[str, Any]]) -> dict[Any, list[dict[str, Any]]]:
    """The contacts of each of these customers, by name."""
    ids = [r["id"] for r in rows]
    contacts: dict[Any, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        for c in (
            await CustomerContact.select()
            .where(CustomerContact.customer.is_in(ids))
            .order_by(CustomerContact.name)
        ):
            contacts[c["customer"]].append(c)
    return contacts


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


class CustomerService:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def list_customers(
        self, principal: Principal, area: str | None, q: str | None, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """The total and one page of the customers the principal may see, by name."""
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
        return total, rows

    async def create(self, principal: Principal, data: CustomerIn) -> UUID:
        """Home-care staff add their organisation's customers; the new customer's id."""
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
                data.identity_number, self.s.settings.country
            )
            customer.identity_number_ciphertext = self.s.box.seal_identity_number(
                number, str(customer.id)
            )
            customer.identity_number_masked = masked
        async with unit_of_work(self.s.engine):
            await customer.save()
            await _replace_contacts(customer.id, data.contacts)
            changed(CUSTOMER, customer.id)
        return customer.id

    async def update(self, principal: Principal, customer_id: UUID, data: CustomerPatch) -> None:
        """Change what the patch names; contacts, when sent, replace the customer's."""
        row = await visible_customer(principal, customer_id)
        if not perm.can_manage_customer(principal, str(row["provider"])):
            raise Forbidden("Only the home-care provider's staff can change its customers.")
        values: dict[Any, Any] = {}
        for name in PATCHED_AS_SENT:
            value = getattr(data, name)
            if value is not None:
                values[Customer._meta.get_column_by_name(name)] = value
        if data.identity_number is not None:
            if data.identity_number.strip():
                number, masked = normalise_identity_number(
                    data.identity_number, self.s.settings.country
                )
                values[Customer.identity_number_ciphertext] = self.s.box.seal_identity_number(
                    number, str(customer_id)
                )
                values[Customer.identity_number_masked] = masked
            else:
                values[Customer.identity_number_ciphertext] = ""
                values[Customer.identity_number_masked] = ""
        values[Customer.updated_at] = self.s.clock.now()
        async with unit_of_work(self.s.engine):
            await Customer.update(values).where(Customer.id == customer_id)
            changed(CUSTOMER, customer_id)
            if data.contacts is not None:
                await _replace_contacts(customer_id, data.contacts)
