"""Reading import files: CSV, JSON shapes, Fiscal Data Package descriptors, unreadable files."""
import json

import pytest

from services.budget.importer import ImportRejected, parse_rows


def test_csv_rows_keep_their_columns_and_flag_extra_values():
    rows = parse_rows("\ufeffinstitution_bin,year\n123456789012,2024\n123456789012,2025,extra\n".encode(), "csv")
    assert rows[0] == {"institution_bin": "123456789012", "year": "2024"}
    assert rows[1]["__extra__"] == ["extra"]


def test_json_accepts_a_list_or_lines():
    assert parse_rows(b'[{"year": 2024}]', "json") == [{"year": 2024}]
    assert parse_rows(b'{"lines": [{"year": 2025}]}', "json") == [{"year": 2025}]


def test_fiscal_data_package_columns_are_mapped():
    package = {"resources": [{"schema": {"fields": [{"name": "bin", "ashyq:column": "institution_bin"},
                                                    {"name": "year"}]},
                              "data": [["123456789012", 2024]]}]}
    assert parse_rows(json.dumps(package).encode(), "json") == [{"institution_bin": "123456789012", "year": 2024}]


@pytest.mark.parametrize("content,fmt", [(b"\xff\xfe", "csv"), (b"", "csv"), (b"{not json", "json"),
                                         (b'{"something": 1}', "json"), (b'{"resources": []}', "json")])
def test_unreadable_files_are_rejected_with_a_reason(content, fmt):
    with pytest.raises(ImportRejected) as rejected:
        parse_rows(content, fmt)
    assert rejected.value.errors[0]["reason"]
