from services.media.db import metadata
from services.common.migrations import run_migrations

run_migrations("media", metadata)
