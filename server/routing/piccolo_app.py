import os

from piccolo.conf.apps import AppConfig

from server.routing.tables import (
    Area,
    AssignmentRule,
    BatteryRule,
    FitterGroup,
    RecurringSchedule,
    ScheduleRun,
)

APP_CONFIG = AppConfig(
    app_name="routing",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Area, FitterGroup, AssignmentRule, RecurringSchedule, ScheduleRun, BatteryRule],
    migration_dependencies=["server.locks.piccolo_app", "server.accounts.piccolo_app"],
    commands=[],
)
