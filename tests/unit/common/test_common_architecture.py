"""The shape the brief fixes: services never import one another, domain code stays pure."""
import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[3] / "services"
SERVICE_NAMES = ("budget", "appeals", "media", "notify")
INFRASTRUCTURE = ("flask", "flask_smorest", "kafka", "sqlalchemy", "redis", "minio", "psycopg", "werkzeug")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(folder: Path):
    return [p for p in folder.rglob("*.py") if "migrations" not in p.parts or p.name == "env.py"]


def test_no_service_imports_another_service():
    offenders = []
    for name in SERVICE_NAMES:
        others = tuple(f"services.{o}" for o in SERVICE_NAMES if o != name)
        for path in python_files(SERVICES / name):
            offenders += [f"{path.relative_to(SERVICES)} imports {m}" for m in imported_modules(path)
                          if m.startswith(others)]
    assert offenders == []


def test_the_chassis_imports_no_service():
    offenders = [f"{p.name}: {m}" for p in python_files(SERVICES / "common") for m in imported_modules(p)
                 if m.startswith(tuple(f"services.{o}" for o in SERVICE_NAMES))]
    assert offenders == []


def test_domain_code_imports_no_framework_or_client():
    offenders = []
    for domain in SERVICES.glob("*/domain"):
        for path in domain.rglob("*.py"):
            offenders += [f"{path.relative_to(SERVICES)} imports {m}" for m in imported_modules(path)
                          if m.split(".")[0] in INFRASTRUCTURE]
    assert offenders == []


def test_settings_and_topics_need_only_the_standard_library():
    """The launcher imports them before the virtualenv exists."""
    for name in ("settings.py", "topics.py"):
        modules = imported_modules(SERVICES / "common" / name)
        assert all(m.split(".")[0] in {"os", "pathlib", "dataclasses", "__future__"} for m in modules), modules
