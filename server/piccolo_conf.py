"""Piccolo's configuration module (``PICCOLO_CONF=server.piccolo_conf``).

``DB`` is built from ``LOCKWORK_DATABASE_URL`` for Piccolo's command line (generating
migrations); the running server rebinds it with ``server.db.bind_engine``.
"""

from piccolo.conf.apps import AppRegistry

from server.db import engine_from_url
from server.settings import load_settings

DB = engine_from_url(load_settings().resolved_database_url)

APP_REGISTRY = AppRegistry(
    apps=[
        "server.accounts.piccolo_app",
        "server.customers.piccolo_app",
        "server.locks.piccolo_app",
        "server.orders.piccolo_app",
        "server.notify.piccolo_app",
        "server.sync.piccolo_app",
        "server.booking.piccolo_app",
        "server.routing.piccolo_app",
        "server.intake.piccolo_app",
    ]
)
