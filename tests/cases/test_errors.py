"""The cases context's error vocabulary: one enum, whose values clients already depend on."""

import re
from pathlib import Path

import tongban.cases
from tongban.cases.errors import CaseError

CASES = Path(tongban.cases.__file__).parent


def test_codes_keep_the_values_clients_know():
    assert CaseError.NOT_FOUND == "case.not_found"
    assert CaseError.MATERIALS_MISSING == "case.materials_missing"
    assert CaseError.TASK_NOT_FOUND == "case.task.not_found"
    assert CaseError.TRANSITION_NOT_ALLOWED == "case.transition_not_allowed"
    assert CaseError.APPOINTMENT_SLOT_FULL == "appointment.slot_full"
    assert CaseError.APPOINTMENT_NOT_FOUND == "appointment.not_found"


def test_raise_sites_name_members_not_string_literals():
    literal = re.compile(r"\"(case|appointment)\.[a-z_.]+\"")
    offenders = [
        str(path.relative_to(CASES))
        for path in CASES.rglob("*.py")
        if path.name != "errors.py"
        and "migrations" not in path.parts
        and literal.search(path.read_text())
    ]
    assert offenders == []
