import os

from piccolo.conf.apps import AppConfig

from server.locks.tables import GatewayLock, Lock, LockIssuance, LockReport

APP_CONFIG = AppConfig(
    app_name="locks",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Lock, LockReport, LockIssuance, GatewayLock],
    migration_dependencies=["server.customers.piccolo_app", "server.accounts.piccolo_app"],
    commands=[],
)
