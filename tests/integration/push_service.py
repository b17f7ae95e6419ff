"""A Web Push service on loopback, strict like the real ones.

It checks the VAPID Authorization header (RFC 8292: an ES256 JWT signed with the server's
public key ``k``, ``aud`` = this service's origin, ``exp`` in the future and within 24 h, a
``sub`` contact) and decrypts the aes128gcm body (RFC 8291) with ``http_ece`` using the
subscription's private key and auth secret, made in the test like a browser would.
Each endpoint can be told how to answer: 201, 404, 410, 413 or 429 with Retry-After.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.integration.loopback import LoopbackService
from tests.integration.push_keys import SubscriptionKeys, new_subscription_keys


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Endpoint:
    keys: SubscriptionKeys
    status: int = 201
    retry_after: str | None = None
    received: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PushService(LoopbackService):
    expected_public_key: str
    port: int = 0
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def new_endpoint(self, name: str, status: int = 201) -> tuple[str, Endpoint]:
        self.endpoints[name] = Endpoint(new_subscription_keys(), status)
        return f"{self.origin}/push/{name}", self.endpoints[name]

    def _check_vapid(self, authorization: str) -> str | None:
        """None when the header is valid, else what is wrong."""
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            return "not a vapid Authorization"
        parts = dict(p.strip().split("=", 1) for p in params.split(","))
        if parts.get("k") != self.expected_public_key:
            return "k is not the server's public key"
        header_b64, payload_b64, signature_b64 = parts["t"].split(".")
        header = json.loads(_b64decode(header_b64))
        if header.get("alg") != "ES256":
            return "alg is not ES256"
        signature = _b64decode(signature_b64)
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), _b64decode(parts["k"])
        )
        try:
            public_key.verify(
                encode_dss_signature(
                    int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
                ),
                f"{header_b64}.{payload_b64}".encode(),
                ec.ECDSA(hashes.SHA256()),
            )
        except InvalidSignature:
            return "bad signature"
        claims = json.loads(_b64decode(payload_b64))
        if claims.get("aud") != self.origin:
            return f"aud {claims.get('aud')!r} is not {self.origin!r}"
        if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600:
            return "exp not in the next 24 hours"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return "no sub contact"
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        endpoint = self.endpoints.get(request.match_info["name"])
        if endpoint is None:
            return web.Response(status=404)
        problem = self._check_vapid(request.headers.get("Authorization", ""))
        if problem:
            self.rejected.append(problem)
            return web.Response(status=401, text=problem)
        if request.headers.get("Content-Encoding") != "aes128gcm":
            self.rejected.append("content encoding")
            return web.Response(status=400)
        if endpoint.status != 201:
            headers = {"Retry-After": endpoint.retry_after} if endpoint.retry_after else {}
            return web.Response(status=endpoint.status, headers=headers)
        body = await request.read()
        plain = http_ece.decrypt(
            body,
            private_key=endpoint.keys.private_key,
            auth_secret=endpoint.keys.auth_secret,
            version="aes128gcm",
        )
        endpoint.received.append({"payload": json.loads(plain), "ttl": request.headers.get("TTL")})
        return web.Response(status=201)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/push/{name}", self._handle)
