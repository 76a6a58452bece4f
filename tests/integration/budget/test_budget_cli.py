"""The CLI: bootstrap is idempotent (the loaded sample is not loaded again); import is all or nothing."""
import json

from services.budget import cli

from .conftest import csv_of, line


def test_bootstrap_skips_a_loaded_sample(capsys):
    assert cli.main(["bootstrap"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["loaded"] is False and result["marker"].startswith("seed=")


def test_cli_import_rejects_a_bad_file_and_accepts_it_fixed(tmp_path, capsys, new_institution):
    inst = new_institution()
    bad = tmp_path / "lines.csv"
    bad.write_bytes(csv_of([line(inst["bin"]), line(inst["bin"], year="twenty")]))
    assert cli.main(["import", str(bad)]) == 1
    assert '"row": 2' in capsys.readouterr().err
    good = tmp_path / "lines.json"
    good.write_text(json.dumps([line(inst["bin"]), line(inst["bin"], year=2025)]))
    assert cli.main(["import", str(good)]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["changed_lines"] == 2
    assert cli.main(["import", str(good)]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["changed_lines"] == 0
