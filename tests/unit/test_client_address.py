"""Which address a request comes from (server.client_address): the header helps no client."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.client_address import (
    TrustedProxiesInvalid,
    client_address,
    parse_trusted_proxies,
)

PROXIES = parse_trusted_proxies("10.0.0.1, 10.1.0.0/16, ::1")
# Whatever a client may write into the header: addresses, junk, lists, ports.
HEADER_TEXT = st.one_of(
    st.ip_addresses().map(str),
    st.text(max_size=30),
    st.lists(st.ip_addresses().map(str), max_size=4).map(", ".join),
    st.just("10.0.0.1"),  # pretending to be a trusted proxy
)
HEADERS = st.lists(HEADER_TEXT, max_size=3)
UNTRUSTED = (
    st.ip_addresses(v=4).filter(lambda a: not any(a in network for network in PROXIES)).map(str)
)


@given(peer=UNTRUSTED, headers=HEADERS)
def test_without_a_trusted_peer_the_header_is_never_read(peer: str, headers: list[str]) -> None:
    assert client_address(peer, headers, PROXIES) == peer
    assert client_address(peer, headers, ()) == peer


@given(peer=st.ip_addresses().map(str), headers=HEADERS)
def test_with_no_trusted_proxies_configured_the_peer_is_the_client(
    peer: str, headers: list[str]
) -> None:
    expected = ipaddress.ip_address(peer)
    if isinstance(expected, ipaddress.IPv6Address) and expected.ipv4_mapped is not None:
        expected = expected.ipv4_mapped  # ::ffff:1.2.3.4 is the IPv4 client 1.2.3.4
    assert ipaddress.ip_address(client_address(peer, headers, ())) == expected


@given(client=UNTRUSTED, spoofed=HEADERS)
def test_behind_trusted_proxies_what_the_client_wrote_does_not_count(
    client: str, spoofed: list[str]
) -> None:
    # The client sent its own X-Forwarded-For; the edge proxy 10.1.2.3 appended the client's
    # address, and the inner proxy 10.0.0.1 (our peer) appended the edge proxy's.
    headers = [*spoofed, f"{client}, 10.1.2.3"]
    assert client_address("10.0.0.1", headers, PROXIES) == client


def test_the_forms_proxies_write() -> None:
    assert client_address("10.0.0.1", ["203.0.113.9:5123"], PROXIES) == "203.0.113.9"
    assert client_address("10.0.0.1", ["[2001:db8::7]:443"], PROXIES) == "2001:db8::7"
    assert client_address("::ffff:10.0.0.1", ["::ffff:203.0.113.9"], PROXIES) == "203.0.113.9"
    # Only trusted hops: the leftmost is the client; no header at all: the proxy itself.
    assert client_address("10.0.0.1", ["10.1.0.5, 10.0.0.1"], PROXIES) == "10.1.0.5"
    assert client_address("10.0.0.1", [], PROXIES) == "10.0.0.1"
    # A trusted proxy that wrote junk: its clients share its address (one throttle).
    assert client_address("10.0.0.1", ["203.0.113.9, junk"], PROXIES) == "10.0.0.1"
    assert client_address(None, ["203.0.113.9"], PROXIES) == "unknown"


def test_the_setting_names_a_wrong_entry() -> None:
    assert parse_trusted_proxies("") == ()
    assert len(parse_trusted_proxies(" 192.168.1.10 ,, 2001:db8::/32")) == 2
    with pytest.raises(TrustedProxiesInvalid, match=r"'proxy\.local'"):
        parse_trusted_proxies("10.0.0.1, proxy.local")


def test_a_wrong_setting_stops_the_start() -> None:
    from server.errors import ConfigurationError
    from server.settings import load_settings

    secret = "s" * 40
    assert load_settings(environ={}, secret_key=secret).trusted_proxy_networks == ()
    with pytest.raises(ConfigurationError, match="LOCKWORK_TRUSTED_PROXIES"):
        load_settings(environ={"LOCKWORK_TRUSTED_PROXIES": "10.0.0.1/33"}, secret_key=secret)
