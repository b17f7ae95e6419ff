import os

from piccolo.conf.apps import AppConfig

from server.customers.tables import Customer, CustomerContact

APP_CONFIG = AppConfig(
    app_name="customers",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Customer, CustomerContact],
    migration_dependencies=["server.accounts.piccolo_app"],
    commands=[],
)
