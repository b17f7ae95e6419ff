"""A simulated Bluetooth door lock on Bumble's virtual radio, for tests and the demo."""
