from services.budget.db import metadata
from services.common.migrations import run_migrations

run_migrations("budget", metadata)
