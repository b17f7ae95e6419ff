"""The gateway's local HTTP API for the app (contract B): `lockwork-gateway serve`."""
