"""Wire encoders of the customers area: rows as the API and the sync protocol show them."""

from __future__ import annotations

from typing import Any

from server.customers.schemas import ContactOut, CustomerOut


def contact_out(c: dict[str, Any]) -> ContactOut:
    return ContactOut(
        id=c["id"],
        name=c["name"],
        relation=c["relation"],
        phone=c["phone"],
        best_times=c["best_times"],
    )


def customer_out(r: dict[str, Any], contacts: list[dict[str, Any]]) -> CustomerOut:
    return CustomerOut(
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
        contacts=[contact_out(c) for c in contacts],
        updated_at=r["updated_at"],
    )


def customers_out(
    rows: list[dict[str, Any]], contacts: dict[Any, list[dict[str, Any]]]
) -> list[CustomerOut]:
    """The customers with their contacts (``server.customers.service.contacts_of``)."""
    return [customer_out(r, contacts[r["id"]]) for r in rows]
