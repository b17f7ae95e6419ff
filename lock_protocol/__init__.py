"""The lock protocol, pure: frames, canonical encoding, crypto, and both sides' state machines.

No I/O, no clock, no ambient randomness: time and random bytes are always parameters. Shared by
the gateway (client side, `client`, `session.ClientHandshake`, `pairing.PairingClient`), the
firmware simulator (lock side, `lock_core`) and the server (`reports.verify_report`,
`pairing.verify_pairing_receipt`, the `issue_*` functions). See the module docstrings for the
wire formats; `tests/fixtures/protocol/vectors.json` pins them.
"""

from lock_protocol.errors import ProtocolError

__all__ = ["ProtocolError"]
