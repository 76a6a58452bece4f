"""Every Kafka topic of Ashyq, in one place.

Standard library only: the launcher reads it to create the topics (auto-create is off).
Each topic carries one aggregate's events, keyed by the aggregate id, so the events of one
institution / appeal / media object stay in order. Each has a dead-letter topic `<topic>.dlq`.
"""

PARTITIONS = 3

BUDGET_INSTITUTIONS = "budget.institutions"   # kz.ashyq.budget.institution_upserted.v1
BUDGET_BUDGETS = "budget.budgets"             # kz.ashyq.budget.budget_updated.v1
APPEALS = "appeals.appeals"                   # kz.ashyq.appeals.appeal_*.v1
MEDIA = "media.media"                         # kz.ashyq.media.media_stored.v1 / media_rejected.v1
NOTIFICATIONS = "notify.notifications"        # kz.ashyq.notify.notification_sent.v1 / _failed.v1
MINIO_EVENTS = "media.minio-events"           # MinIO's own bucket notifications (not CloudEvents)

TOPICS = (BUDGET_INSTITUTIONS, BUDGET_BUDGETS, APPEALS, MEDIA, NOTIFICATIONS, MINIO_EVENTS)


def dlq(topic: str) -> str:
    return f"{topic}.dlq"


ALL_TOPICS = TOPICS + tuple(dlq(t) for t in TOPICS)
