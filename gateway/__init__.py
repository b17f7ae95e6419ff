"""Lockwork gateway: talks to locks over Bluetooth Low Energy (bleak) and to the server."""
