"""Lockwork server: the work-order system for Bluetooth door locks in Nordic home care."""
