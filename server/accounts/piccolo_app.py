import os

from piccolo.conf.apps import AppConfig

from server.accounts.tables import DeviceToken, LoginFailure, LoginSession, Organisation, User

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Organisation, User, LoginSession, DeviceToken, LoginFailure],
    migration_dependencies=[],
    commands=[],
)
