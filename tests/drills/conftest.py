"""The drills run after every other test of the session (they load the stack, and the fault drill
stops and kills components), the fault drill last of all."""

# Nothing stops Kafka before the drills: the first broker outage of a run is the Kafka outage drill.
ORDER = ("test_drill_uploads", "test_drill_abuse", "test_drill_authz", "test_drill_fuzz", "test_drill_open311_fuzz",
         "test_drill_instances",
         "test_drill_kafka_outage", "test_drill_faults")


def pytest_collection_modifyitems(items):
    def rank(item):
        if "drills" not in item.path.parts:
            return 0
        stem = item.path.stem
        return 1 + (ORDER.index(stem) if stem in ORDER else 0)
    items.sort(key=rank)  # stable: the order within each file is kept
