"""The report document: versioned JSON valid against the committed JSON Schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from xpulse_truth_worlds import inputs_from_world, planted_world

import xpulse
from xpulse.analytics import (
    CostRow,
    Report,
    ReportInputs,
    build_report,
    parse_period,
)
from xpulse.analytics.document import json_schema_text

SCHEMA_FILE = Path(xpulse.__file__).parent / "schemas" / "report.schema.json"
NOW = datetime(2026, 5, 27, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _full_report() -> Report:
    world = planted_world(seed=3, now=NOW)
    inputs = inputs_from_world(world, "1001", NOW)
    inputs = ReportInputs(
        inputs.account,
        inputs.posts,
        inputs.observations,
        cost=[CostRow("GET /2/tweets", 4, 380, 0.38)],
        username="acme",
    )
    return build_report(inputs, parse_period("last-week", "Europe/Berlin", NOW), generated_at=NOW)


def test_committed_schema_is_the_models_schema() -> None:
    # If this fails, regenerate the file (see xpulse.analytics.document.json_schema_text).
    assert SCHEMA_FILE.read_text(encoding="utf-8") == json_schema_text()


def test_built_report_validates_and_is_versioned(validator: Draft202012Validator) -> None:
    doc = json.loads(_full_report().to_json())
    errors = sorted(validator.iter_errors(doc), key=str)
    assert errors == []
    assert doc["schema"] == "https://xpulse.dev/schemas/report/v1"
    assert doc["version"] == 1
    assert doc["generated_at"] == "2026-05-27T12:00:00Z"
    assert doc["period"]["start"] == "2026-05-18T00:00:00+02:00"
    assert doc["period"]["tz"] == "Europe/Berlin"
    for section in ("best_time", "content_types", "spikes", "lifecycle"):
        assert doc[section]["method"]  # every method is stated
    assert doc["cost"]["usd"] == 0.38


def test_empty_report_validates_and_nulls_stay_null(validator: Draft202012Validator) -> None:
    report = build_report(
        ReportInputs("acme", []), parse_period("2026-W10", "UTC", NOW), generated_at=NOW
    )
    doc = json.loads(report.to_json())
    assert list(validator.iter_errors(doc)) == []
    assert doc["totals"]["engagement_rate"] is None
    assert doc["previous"]["change"]["impressions"] is None
    assert doc["cost"] is None
    assert doc["best_time"]["best_slots"] == []


def test_json_round_trip_is_lossless() -> None:
    report = _full_report()
    again = Report.from_dict(json.loads(report.to_json()))
    assert again == report


def test_schema_rejects_a_tampered_document(validator: Draft202012Validator) -> None:
    doc = _full_report().to_dict()
    doc["totals"]["impressions"] = -5
    doc["surprise"] = 1
    messages = [e.message for e in validator.iter_errors(doc)]
    assert any("-5" in m for m in messages)
    assert any("surprise" in m for m in messages)
