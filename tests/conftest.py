"""Markers come from the folder a test lives in: tests/unit -> unit, tests/integration -> integration..."""
import pytest

KINDS = ("unit", "integration", "e2e", "browser", "drills")


def pytest_collection_modifyitems(items):
    for item in items:
        parts = item.path.parts
        for kind in KINDS:
            if kind in parts:
                item.add_marker(getattr(pytest.mark, "drill" if kind == "drills" else kind))
                break
