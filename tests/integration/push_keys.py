"""A browser's side of a Web Push subscription, made in Python: a P-256 key pair and a
16-byte auth secret, as ``PushManager.subscribe`` would make them."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class SubscriptionKeys:
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)


def new_subscription_keys() -> SubscriptionKeys:
    return SubscriptionKeys(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
