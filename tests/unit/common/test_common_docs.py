"""The generated documents say what the code says."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def load_gendocs():
    spec = importlib.util.spec_from_file_location("gendocs", ROOT / "deploy" / "tools" / "gendocs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_environment_and_event_documents_are_current():
    gendocs = load_gendocs()
    for name, render in gendocs.DOCUMENTS.items():
        assert (ROOT / "docs" / name).read_text(encoding="utf-8") == render(), \
            f"docs/{name} is stale: run var/venv/bin/python deploy/tools/gendocs.py"
