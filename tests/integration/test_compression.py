"""Responses are gzip-compressed for clients that accept it; the live stream is not buffered."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio


async def test_large_json_answers_are_gzipped(client, world) -> None:
    response = await client.get(
        "/api/orders", headers={**world["admin"].headers, "Accept-Encoding": "gzip"}
    )
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == "gzip"
    assert response.json()["total"] == 2  # httpx decompresses: the content is intact
