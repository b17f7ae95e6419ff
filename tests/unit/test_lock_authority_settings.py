"""server.locks.authority: the lock settings are checked at start-up, before serving."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lock_protocol.crypto import SigningKey
from server.errors import ConfigurationError
from server.locks.authority import load_lock_authority, server_signing_key
from server.secrets_box import SecretBox
from server.settings import load_settings
from tests.lock_helpers import operator_certificate

SECRET = "s" * 64


def settings_with(**values: str):  # type: ignore[no-untyped-def]
    return load_settings(environ={}, secret_key=SECRET, **values)


def test_the_signing_key_follows_from_the_secret_key() -> None:
    first = server_signing_key(SecretBox(SECRET)).public_key
    assert first == server_signing_key(SecretBox(SECRET)).public_key
    assert first != server_signing_key(SecretBox("t" * 64)).public_key


def test_a_certificate_for_this_key_is_accepted_from_hex_or_files(tmp_path: Path) -> None:
    factory = SigningKey(os.urandom(32))
    server_key = server_signing_key(SecretBox(SECRET)).public_key
    certificate = operator_certificate(factory, server_key)
    (tmp_path / "factory.pub").write_text(factory.public_key.hex() + "\n")
    (tmp_path / "operator.cert").write_text(certificate.hex())
    other = SigningKey(os.urandom(32)).public_key.hex()
    for authorities, cert in (
        (f"{other},{factory.public_key.hex()}", certificate.hex()),
        (f"{tmp_path / 'factory.pub'}", str(tmp_path / "operator.cert")),
    ):
        authority = load_lock_authority(
            settings_with(lock_factory_authorities=authorities, lock_operator_certificate=cert),
            SecretBox(SECRET),
        )
        assert authority.operator_certificate == certificate
        assert factory.public_key in authority.factory_authorities
        assert authority.operator == "Test fitters AB"


def test_no_certificate_means_no_tickets_but_a_server_that_starts() -> None:
    authority = load_lock_authority(settings_with(), SecretBox(SECRET))
    assert authority.operator_certificate is None and authority.factory_authorities == ()


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("other_key", "vouches for another server key"),
        ("other_factory", "not signed by any of"),
        ("no_factory", "LOCKWORK_LOCK_FACTORY_AUTHORITIES is empty"),
        ("not_hex", "neither hex nor a readable file"),
        ("short_key", "32 bytes"),
    ],
)
def test_inconsistent_settings_stop_the_start(case: str, words: str) -> None:
    factory = SigningKey(os.urandom(32))
    own = server_signing_key(SecretBox(SECRET)).public_key
    values = {
        "lock_factory_authorities": factory.public_key.hex(),
        "lock_operator_certificate": operator_certificate(factory, own).hex(),
    }
    if case == "other_key":
        stranger = SigningKey(os.urandom(32)).public_key
        values["lock_operator_certificate"] = operator_certificate(factory, stranger).hex()
    elif case == "other_factory":
        values["lock_factory_authorities"] = SigningKey(os.urandom(32)).public_key.hex()
    elif case == "no_factory":
        values["lock_factory_authorities"] = ""
    elif case == "not_hex":
        values["lock_operator_certificate"] = "/no/such/file"
    else:
        values["lock_factory_authorities"] = "abcd"
    with pytest.raises(ConfigurationError) as refused:
        load_lock_authority(settings_with(**values), SecretBox(SECRET))
    assert words in refused.value.message
