"""Bluetooth for the gateway: the only package that imports bleak.

``radio`` picks the radio from configuration, ``connection`` holds a session with one lock,
``errors`` has the typed failures, ``bumble_backend`` is bleak on the Bumble host stack.
"""
