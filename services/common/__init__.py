"""Cross-cutting code shared by the services: settings, logging, web chassis, events, outbox, consumers.

Nothing here knows about appeals, budgets, media or emails.
"""
