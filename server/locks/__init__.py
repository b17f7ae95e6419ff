"""Locks: the Bluetooth lock units installed at customers' doors."""
