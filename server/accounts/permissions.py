"""Who may see and do what: the access rules, in one place, with no I/O.

Services gather the facts (which organisation ordered an order, who is assigned) and ask
here. Visibility decides 404 (another organisation's object is never confirmed to exist);
an action refused on a visible object is 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from server.orders.lifecycle import Action


class Role(StrEnum):
    ORDERER = "orderer"
    PLANNER = "planner"
    FITTER = "fitter"
    ADMIN = "admin"


class OrganisationKind(StrEnum):
    HOME_CARE_PROVIDER = "home_care_provider"
    FITTERS_COMPANY = "fitters_company"
    ADMINISTRATION = "administration"


# Which roles an organisation's users may hold: a provider's staff order, a fitters' company
# plans and fits, the administration administers.
ROLES_BY_ORGANISATION_KIND: dict[OrganisationKind, frozenset[Role]] = {
    OrganisationKind.HOME_CARE_PROVIDER: frozenset({Role.ORDERER}),
    OrganisationKind.FITTERS_COMPANY: frozenset({Role.PLANNER, Role.FITTER}),
    OrganisationKind.ADMINISTRATION: frozenset({Role.ADMIN, Role.ORDERER, Role.PLANNER}),
}


@dataclass(frozen=True)
class Principal:
    user_id: str
    organisation_id: str
    roles: frozenset[Role]
    name: str = ""
    device: str = field(default="", compare=False)
    # The device token's id when the caller is a device (a gateway); None for a browser.
    device_id: str | None = field(default=None, compare=False)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def has(self, role: Role) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class OrderFacts:
    ordering_organisation_id: str
    performing_organisation_id: str | None
    assigned_fitter_id: str | None
    # The order's status, where a rule depends on it (None: a rule that does not).
    status: str | None = None


def _relations(principal: Principal, order: OrderFacts) -> frozenset[Role]:
    """The roles through which the principal is related to this order."""
    related: set[Role] = set()
    if principal.has(Role.ORDERER) and order.ordering_organisation_id == principal.organisation_id:
        related.add(Role.ORDERER)
    if (
        principal.has(Role.PLANNER)
        and order.performing_organisation_id is not None
        and order.performing_organisation_id == principal.organisation_id
    ):
        related.add(Role.PLANNER)
    if principal.has(Role.FITTER) and order.assigned_fitter_id == principal.user_id:
        related.add(Role.FITTER)
    return frozenset(related)


def can_see_order(principal: Principal, order: OrderFacts) -> bool:
    return principal.is_admin or bool(_relations(principal, order))


# Which related role may move an order with each action (admins may do all).
ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.PLACE: frozenset({Role.ORDERER}),
    Action.START_CONTACTING: frozenset({Role.FITTER, Role.PLANNER}),
    Action.SCHEDULE: frozenset({Role.FITTER, Role.PLANNER}),
    Action.CONFIRM: frozenset({Role.FITTER, Role.PLANNER}),
    Action.LOCK_APPOINTMENT: frozenset({Role.PLANNER}),
    Action.PRINT_LETTER: frozenset({Role.PLANNER}),
    Action.RECORD_REPLY: frozenset({Role.PLANNER}),
    Action.FOLLOW_UP_MANUALLY: frozenset({Role.PLANNER}),
    Action.START: frozenset({Role.FITTER}),
    Action.COMPLETE: frozenset({Role.FITTER}),
    Action.PUT_ON_HOLD: frozenset({Role.FITTER, Role.PLANNER}),
    Action.RESUME: frozenset({Role.FITTER, Role.PLANNER}),
    Action.CANCEL: frozenset({Role.ORDERER, Role.PLANNER}),
}


# Home-care staff cancel their own order while no visit is booked (issue 16): before one is, or
# while the order is on hold; once a fitter's day is planned around it, the fitters' planner
# cancels it (staff write to them on the order).
ORDERER_CANCELLABLE = frozenset({"draft", "ordered", "contacting", "on_hold"})


def can_transition(principal: Principal, order: OrderFacts, action: Action) -> bool:
    if principal.is_admin:
        return True
    relations = _relations(principal, order) & ACTION_ROLES[action]
    if action is Action.CANCEL and relations == {Role.ORDERER}:
        return order.status is None or order.status in ORDERER_CANCELLABLE
    return bool(relations)


def can_log_contact_attempt(principal: Principal, order: OrderFacts) -> bool:
    return principal.is_admin or bool(_relations(principal, order) & {Role.FITTER, Role.PLANNER})


def can_add_photo(principal: Principal, order: OrderFacts) -> bool:
    """A photo for the order: its fitter (at the door) or the fitters' planner."""
    return principal.is_admin or bool(_relations(principal, order) & {Role.FITTER, Role.PLANNER})


def can_assign(principal: Principal, order: OrderFacts) -> bool:
    return principal.is_admin or Role.PLANNER in _relations(principal, order)


def can_edit_order_details(principal: Principal, order: OrderFacts) -> bool:
    """Description, contacts and best times: the orderer who owns it, or its planner."""
    return principal.is_admin or bool(_relations(principal, order) & {Role.ORDERER, Role.PLANNER})


def can_see_customer(principal: Principal, provider_id: str, *, via_visible_order: bool) -> bool:
    """Orderers see their own organisation's customers; planners and fitters see customers
    through the orders they can see."""
    if principal.is_admin or via_visible_order:
        return True
    return principal.has(Role.ORDERER) and provider_id == principal.organisation_id


def can_manage_customer(principal: Principal, provider_id: str) -> bool:
    return principal.is_admin or (
        principal.has(Role.ORDERER) and provider_id == principal.organisation_id
    )


def can_order_for(principal: Principal, provider_id: str) -> bool:
    return can_manage_customer(principal, provider_id)


def can_see_lock(
    principal: Principal, customer_provider_id: str | None, *, via_visible_order: bool
) -> bool:
    """Locks at a customer follow the customer; locks in stock belong to the fitters' side."""
    if principal.is_admin or via_visible_order:
        return True
    if customer_provider_id is None:
        return principal.has(Role.PLANNER)
    return principal.has(Role.ORDERER) and customer_provider_id == principal.organisation_id


def can_register_lock(principal: Principal) -> bool:
    return principal.is_admin or principal.has(Role.PLANNER)


def can_see_organisation(principal: Principal, organisation_id: str) -> bool:
    return principal.is_admin or organisation_id == principal.organisation_id


def can_see_user(principal: Principal, user_organisation_id: str, user_id: str) -> bool:
    return (
        principal.is_admin
        or user_id == principal.user_id
        or user_organisation_id == principal.organisation_id
    )


def can_manage_accounts(principal: Principal) -> bool:
    return principal.is_admin


def can_manage_devices(principal: Principal) -> bool:
    """Device tokens are made, listed and revoked by a person logged in, never by a device:
    a token that could mint tokens would outlive its own revocation in the ones it made."""
    return principal.device_id is None


def can_revoke_device(principal: Principal, owner_id: str) -> bool:
    """Your own devices; any, for administrators (a lost phone of someone on leave)."""
    return can_manage_devices(principal) and (principal.is_admin or owner_id == principal.user_id)


def can_read_outbox(principal: Principal) -> bool:
    """The notification outbox holds other people's mail: administrators only."""
    return principal.is_admin


def can_see_push_subscription(principal: Principal, owner_user_id: str) -> bool:
    """A push subscription is one person's device: only that person (and admins) see it."""
    return principal.is_admin or owner_user_id == principal.user_id


def can_post_message(principal: Principal, order: OrderFacts) -> bool:
    """Everyone who can see an order may take part in its dialogue."""
    return can_see_order(principal, order)


def can_have_calendar_feed(principal: Principal) -> bool:
    """A private calendar feed of planned visits: for fitters, of their own visits."""
    return principal.has(Role.FITTER)


def can_forward(principal: Principal, order: OrderFacts) -> bool:
    """Handing an order to a colleague to act on by a date (seed 001): the back office's tool,
    for the order's planners (and administrators)."""
    return principal.is_admin or Role.PLANNER in _relations(principal, order)


def can_receive_forward(sender: Principal, recipient: Principal, order: OrderFacts) -> bool:
    """A forward goes to another person of the sender's own organisation who can see the order."""
    return (
        recipient.user_id != sender.user_id
        and recipient.organisation_id == sender.organisation_id
        and can_see_order(recipient, order)
    )


def can_close_forward(principal: Principal, from_user_id: str, to_user_id: str) -> bool:
    """The colleague it was sent to marks it done, or whoever sent it (an administrator too)."""
    return principal.is_admin or principal.user_id in {from_user_id, to_user_id}
