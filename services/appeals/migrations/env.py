from services.appeals.db import metadata
from services.common.migrations import run_migrations

run_migrations("appeals", metadata)
