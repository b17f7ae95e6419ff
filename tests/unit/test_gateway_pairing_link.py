"""The pairing link the gateway's QR code holds, and the QR code printed on its terminal (pure).

That the printed QR code decodes and pairs, with a real decoder and camera, is
tests/browser/test_lock_panel.py's QR test."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import segno

from gateway.local_api.pairing_link import (
    gateway_address,
    pairing_link,
    read_terminal_qr,
    terminal_qr,
)
from gateway.serve import announce_code

GATEWAY = "http://127.0.0.1:8765"


def test_the_link_opens_the_app_with_the_code_only_in_the_fragment() -> None:
    link = pairing_link("012345", GATEWAY, "https://lockwork.example/")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "lockwork.example", "/gateway")
    assert parse_qs(parts.query) == {"url": [GATEWAY]}
    # A browser sends path and query to the server, never the fragment.
    assert "012345" not in parts.query and parts.fragment == "code=012345"


def test_without_a_server_the_link_is_for_the_apps_scanner() -> None:
    assert pairing_link("012345", GATEWAY, None) == f"lockwork-gateway:{GATEWAY}#code=012345"


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "http://127.0.0.1:8765"),
        ("0.0.0.0", "http://127.0.0.1:8765"),
        ("::", "http://[::1]:8765"),
        ("::1", "http://[::1]:8765"),
        ("localhost", "http://localhost:8765"),
    ],
)
def test_the_gateway_address_is_one_the_app_can_reach(host: str, address: str) -> None:
    assert gateway_address(host, 8765) == address


def test_the_terminal_qr_code_holds_exactly_the_link() -> None:
    link = pairing_link("987654", GATEWAY, "http://127.0.0.1:8000")
    printed = read_terminal_qr(terminal_qr(link).splitlines())
    expected = segno.make(link, error="m", micro=False)
    border = 4
    assert len(printed) == len(printed[0]) == expected.symbol_size(scale=1, border=border)[0]
    inner = [row[border:-border] for row in printed[border:-border]]
    assert inner == [[1 if module else 0 for module in row] for row in expected.matrix]
    # The quiet zone is light (drawn), so it reads on a dark terminal.
    assert set(printed[0]) == {0} and set(printed[-1]) == {0}


def test_the_code_is_announced_with_its_qr_code_and_its_digits(
    capsys: pytest.CaptureFixture[str],
) -> None:
    link = pairing_link("987654", GATEWAY, "http://127.0.0.1:8000")
    announce_code("987654", link)
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith("pairing code: 987654  (valid 10 minutes;")
    assert "\n".join(lines[1:-1]) + "\n" == terminal_qr(link)
    assert "987654" not in "\n".join(lines[:-1])  # the digits only where they are meant to be
