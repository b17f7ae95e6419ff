"""Every timing and size bound of the protocol, each with the reason for its value.

Times are Unix seconds as floats passed in by the caller; nothing here reads a clock.
"""

from __future__ import annotations

from typing import Final

# The lock opens for pairing only after a button press on the lock itself (physical presence).
# 30 s is enough to start pairing from an already-connected gateway, and short enough that a
# stranger cannot wait for it.
PAIRING_WINDOW_SECONDS: Final = 30.0

# A lock's command nonce is single-use and lives 3 s: one BLE round trip plus signing on a slow
# phone takes well under a second; anything older is a relay or a replay.
NONCE_VALIDITY_SECONDS: Final = 3.0

# Lock clocks drift (RTC without network time; cold). 2 min tolerates months of drift between
# battery changes but keeps a credential's visit window meaningful.
CLOCK_SKEW_SECONDS: Final = 120.0

# A pairing ticket is fetched by the fitter on the doorstep; 10 min covers the fitting work
# after fetching it and keeps a leaked ticket short-lived.
PAIRING_TICKET_MAX_LIFETIME_SECONDS: Final = 600.0

# An unbind token is used right after it is fetched, like a pairing ticket.
UNBIND_TOKEN_MAX_LIFETIME_SECONDS: Final = 600.0

# Staff credentials cover one visit window; a whole working day is the longest shift. The lock
# refuses longer ones so a mis-issued credential cannot live for months.
CREDENTIAL_MAX_LIFETIME_SECONDS: Final = 24 * 3600.0

# Reports are queued by an offline gateway and uploaded later; two weeks bounds that queue.
REPORT_MAX_AGE_SECONDS: Final = 14 * 24 * 3600.0

# At most this many command nonces wait for an answer; older ones are dropped first. One
# connection at a time uses the lock, so a small number only absorbs retries.
MAX_OUTSTANDING_NONCES: Final = 4

# Event log entries kept on the lock (ring buffer).
EVENT_LOG_CAPACITY: Final = 64

# BLE: with MTU 247 an ATT write/notification carries 247 - 3 = 244 bytes of value.
DEFAULT_ATT_MTU: Final = 247
ATT_HEADER_BYTES: Final = 3
DEFAULT_FRAGMENT_SIZE: Final = DEFAULT_ATT_MTU - ATT_HEADER_BYTES

# Largest frame (header + payload) we accept, before or after reassembly. The biggest real
# message (a command with credential and unbind token) is well under 1 KiB; the bound stops a
# peer from making us buffer without limit.
MAX_FRAME_BYTES: Final = 4096
