import os

from piccolo.conf.apps import AppConfig

from server.intake.tables import FaultCase, QrToken

APP_CONFIG = AppConfig(
    app_name="intake",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[QrToken, FaultCase],
    migration_dependencies=[
        "server.orders.piccolo_app",
        "server.accounts.piccolo_app",
        "server.customers.piccolo_app",
        "server.locks.piccolo_app",
    ],
    commands=[],
)
