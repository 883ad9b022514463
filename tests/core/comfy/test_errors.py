"""Validation refusals of POST /prompt, from every recorded case, and error texts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from directors_console.core.comfy.errors import (
    HttpError,
    NodeError,
    ValidationFailed,
    parse_node_errors,
    validation_error_from_body,
)
from directors_console.core.comfy.models import parse_submit
from tests.conftest import FIXTURES, require_fixture


def _cases() -> dict[str, Any]:
    path = require_fixture(FIXTURES / "validation_errors.json")
    return json.loads(path.read_text(encoding="utf-8"))


# case -> (error type, [(node_id, class_type, error type, input_name)])
EXPECTED: dict[str, tuple[str, list[tuple[str, str, str, str | None]]]] = {
    "unknown_class_type": ("invalid_prompt", []),
    "missing_class_type": ("invalid_prompt", []),
    "no_output_node": ("prompt_no_outputs", []),
    "empty_prompt": ("prompt_no_outputs", []),
    "missing_prompt_key": ("no_prompt", []),
    "missing_required_input": (
        "prompt_outputs_failed_validation",
        [("1", "EmptyImage", "required_input_missing", "width")],
    ),
    "bad_value_string_for_int": (
        "prompt_outputs_failed_validation",
        [("1", "EmptyImage", "invalid_input_type", "width")],
    ),
    "value_below_min": (
        "prompt_outputs_failed_validation",
        [("1", "EmptyImage", "value_smaller_than_min", "width")],
    ),
    "link_to_missing_node": (
        "prompt_outputs_failed_validation",
        [("2", "ImageInvert", "exception_during_inner_validation", "images")],
    ),
    "link_bad_output_slot": (
        "prompt_outputs_failed_validation",
        [("3", "SaveImage", "exception_during_validation", None)],
    ),
    "link_to_output_node_without_outputs": (
        "prompt_outputs_failed_validation",
        [("2", "ImageInvert", "exception_during_inner_validation", "images")],
    ),
    "return_type_mismatch_latent_to_image": (
        "prompt_outputs_failed_validation",
        [("2", "SaveImage", "return_type_mismatch", "images")],
    ),
}


def test_every_400_case_is_covered() -> None:
    refused = {k for k, v in _cases().items() if v["status"] == 400}
    assert refused == set(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_refusal_bodies(case: str) -> None:
    body = _cases()[case]["response"]
    err = validation_error_from_body(body)
    assert isinstance(err, ValidationFailed)
    want_type, want_nodes = EXPECTED[case]
    assert err.error_type == want_type
    got = [(e.node_id, e.class_type, e.type, e.input_name) for e in err.node_errors]
    assert got == want_nodes
    assert err.message and str(err)


def test_node_error_details() -> None:
    cases = _cases()
    bad = validation_error_from_body(cases["bad_value_string_for_int"]["response"])
    assert bad is not None
    (e,) = bad.node_errors
    assert e.received_value == "abc"
    assert e.dependent_outputs == ("3",)
    assert e.extra_info["input_config"][0] == "INT"
    assert "width" in e.describe() and "EmptyImage" in e.describe()
    low = validation_error_from_body(cases["value_below_min"]["response"])
    assert low is not None and low.node_errors[0].received_value == 0
    missing = validation_error_from_body(cases["link_to_missing_node"]["response"])
    assert missing is not None and missing.node_errors[0].extra_info["exception_type"] == "KeyError"
    assert "EmptyImage" in str(bad) and "width" in str(bad)


def test_partial_acceptance_200_with_node_errors() -> None:
    case = _cases()["bad_combo_value_one_of_two_outputs"]
    assert case["status"] == 200
    result = parse_submit(case["response"])
    assert result.partial and result.number == 22
    (e,) = result.node_errors
    assert (e.node_id, e.class_type, e.type, e.input_name) == (
        "4",
        "LoadImage",
        "custom_validation_failed",
        "image",
    )
    assert "does_not_exist.png" in e.details


@pytest.mark.parametrize("case", ["float_for_int", "numeric_string_for_int"])
def test_lenient_coercion_accepted(case: str) -> None:
    result = parse_submit(_cases()[case]["response"])
    assert not result.partial and result.prompt_id


def test_odd_bodies() -> None:
    assert validation_error_from_body("500 Internal Server Error") is None
    assert validation_error_from_body({}) is None
    old = validation_error_from_body({"error": "Prompt has no outputs"})
    assert old is not None and old.message == "Prompt has no outputs"
    odd = parse_node_errors({"5": "broken", "6": {"errors": "x", "class_type": 3}})
    assert [e.type for e in odd] == ["unreadable", "unknown"]
    assert odd[1].class_type is None
    assert parse_node_errors([1])[0].type == "unreadable"
    only_nodes = validation_error_from_body({"node_errors": {"1": {"errors": [5]}}})
    assert only_nodes is not None and only_nodes.node_errors[0].type == "unreadable"


def test_many_node_errors_message_is_bounded() -> None:
    errors = tuple(NodeError(str(i), "X", "t", "m") for i in range(9))
    text = str(ValidationFailed("prompt_outputs_failed_validation", "refused", "", errors))
    assert "and 4 more" in text


def test_http_error_text() -> None:
    err = HttpError(500, "500 Internal Server Error\n\nServer got itself in trouble", method="POST")
    assert err.status == 500 and "500 Internal Server Error" in str(err)
    assert "trouble" not in str(err)  # first line only
    assert str(HttpError(404, "")) == "server answered 404"
