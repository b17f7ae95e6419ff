"""The app's vendored browser libraries (pwa/vendor/) are exactly what the pinned npm packages
give (package-lock.json, installed by `make setup`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pwa.tools.vendor import NODE_MODULES, VENDOR, jsqr_files
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]


def test_jsqr_is_pinned_exactly() -> None:
    wanted = json.loads((ROOT / "package.json").read_text())["dependencies"]["jsqr"]
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert wanted[0].isdigit(), "pin an exact version (no ^ or ~)"
    assert lock["packages"]["node_modules/jsqr"]["version"] == wanted
    assert lock["packages"]["node_modules/jsqr"]["integrity"].startswith("sha512-")
    assert f"// jsQR {wanted}:" in (VENDOR / "jsqr.js").read_text(encoding="utf-8")


def test_vendored_files_are_the_pinned_package() -> None:
    if not (NODE_MODULES / "jsqr").is_dir():
        if IN_CI:
            pytest.fail("node_modules/jsqr is missing: `make test` runs npm ci first")
        pytest.skip("node_modules/jsqr is not installed (make setup)")
    for name, text in jsqr_files().items():
        assert (VENDOR / name).read_text(encoding="utf-8") == text, (
            f"pwa/vendor/{name} is stale: run python pwa/tools/vendor.py"
        )
