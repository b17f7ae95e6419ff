import os

from piccolo.conf.apps import AppConfig

from server.sync.tables import SyncChange, SyncClient, SyncCounter, SyncMutation, SyncResend

APP_CONFIG = AppConfig(
    app_name="sync",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[SyncCounter, SyncChange, SyncClient, SyncMutation, SyncResend],
    migration_dependencies=["server.accounts.piccolo_app"],
    commands=[],
)
