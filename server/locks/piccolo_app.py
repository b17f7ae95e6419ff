import os

from piccolo.conf.apps import AppConfig

from server.locks.tables import Lock

APP_CONFIG = AppConfig(
    app_name="locks",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Lock],
    migration_dependencies=["server.customers.piccolo_app"],
    commands=[],
)
