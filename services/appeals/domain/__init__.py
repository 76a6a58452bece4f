"""Pure rules of appeals: no Flask, Kafka or SQLAlchemy here."""
