"""Which address a request comes from, believing ``X-Forwarded-For`` only from trusted proxies.

Login throttling counts failures per client address, so whoever chooses the address chooses
their own throttle. The TCP peer is the client unless it is one of the proxies named in
``LOCKWORK_TRUSTED_PROXIES``; then ``X-Forwarded-For`` is read from the right (each proxy
appends the address it received the request from) and the first hop that is not a trusted
proxy is the client. Whatever a client writes into the header itself lies to the left of that
hop and is never read. With no trusted proxies (the default) the header is ignored entirely.

Pure: no I/O; the server starts uvicorn with its own proxy-header handling off, so this module
is the only place that reads the header.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"  # no peer address (a Unix socket): never a trusted proxy


class TrustedProxiesInvalid(ValueError):
    """An entry of the trusted-proxy setting is not an address or a network."""


def parse_trusted_proxies(text: str) -> tuple[Network, ...]:
    """``"10.0.0.1, 192.168.0.0/24, ::1"`` -> networks; an empty text trusts no proxy."""
    networks = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise TrustedProxiesInvalid(
                f"LOCKWORK_TRUSTED_PROXIES: '{entry}' is not an IP address or network "
                "(write e.g. 10.0.0.5 or 10.0.0.0/24, comma-separated)."
            ) from exc
    return tuple(networks)


def _address(text: str) -> Address | None:
    """An address as proxies write it: bare, ``1.2.3.4:5678`` or ``[2001:db8::1]:443``."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # IPv4 with a port; a bare IPv6 address has several colons
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:1.2.3.4 is the IPv4 client 1.2.3.4
    return address


def _trusted(address: Address | None, trusted: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in trusted)


def client_address(
    peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[Network]
) -> str:
    """The client's address: the peer, or the nearest untrusted hop behind trusted proxies.

    ``forwarded_for`` holds the values of every ``X-Forwarded-For`` header, in order.
    """
    peer_address = _address(peer or "")
    if peer_address is None:
        return (peer or UNKNOWN)[:64]
    if not _trusted(peer_address, trusted):
        return str(peer_address)
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    client = peer_address
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # A hop a trusted proxy wrote that is no address: stop at the proxy that wrote it.
            # Its clients then share one throttle, which errs on the side of throttling.
            break
        client = address
        if not _trusted(address, trusted):
            break
    return str(client)
