"""A simulated Bluetooth door lock on Bumble's virtual radio, for tests and the demo.

battery.py     lithium cell: voltage curve, drain per operation, stages, sag under load
model.py       bolt + motor + battery (what OPERATE_TEST physically does)
faults.py      injectable faults and their mechanical outcome
results.py     result bytes of READ_BATTERY / READ_STATUS / DIAGNOSE
store.py       one lock's durable state (atomic JSON file)
identity.py    factory authority key, serials
peripheral.py  Bumble GATT server, advertising, one secure session per connection
clock.py       the lock's clocks: real (SystemClock) or moved by a test (ManualClock)
lock.py        SimLock: sleep/wake, firmware around lock_protocol.lock_core.LockCore
fleet.py       N locks from one data folder
control.py     JSON-lines control channel (touch, battery, faults, status)
radio_hub.py   the shared virtual air and the multi-process hub
__main__.py    the `lockwork-sim` command line
"""
