"""Import/export of items as JSON and CSV: row-level errors, and nothing imported if any fails."""

import csv
import io
import json

import pytest

from tongban.catalog import selectors, services
from tongban.catalog.models import ServiceItem, ServiceItemVersion
from tongban.core.errors import Forbidden

from .conftest import CONTENT, uscc_for

pytestmark = pytest.mark.django_db

CSV_FIELDS = [
    "implementation_code",
    "basic_code",
    "department",
    "name",
    "item_type",
    "case_type",
    "audience",
    "legal_limit_days",
    "promised_limit_days",
    "visits",
    "online_depth",
    "channels",
    "keywords",
    "materials",
    "form_schema",
]


def rows(n: int, department: str = "pd-test") -> list[dict]:
    out = []
    for i in range(n):
        basic = f"20{i:010d}"
        out.append(
            {
                "implementation_code": f"{uscc_for(1)}0{basic}",
                "basic_code": basic,
                "department": department,
                "name": f"导入事项{i}",
                "item_type": "20",
                "case_type": "promised",
                "audience": "both",
                "legal_limit_days": "20",
                "promised_limit_days": "10",
                "visits": "1",
                "online_depth": "consult|receive",
                "channels": "online|counter",
                "keywords": "别名甲|别名乙",
                "materials": json.dumps([{"name": "申请表"}], ensure_ascii=False),
                "form_schema": json.dumps(CONTENT["form_schema"], ensure_ascii=False),
            }
        )
    return out


def as_csv(data: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    writer.writerows(data)
    return buffer.getvalue().encode("utf-8-sig")


def test_one_bad_row_among_thousands_imports_nothing(desk):
    data = rows(3000)
    data[1776]["promised_limit_days"] = "30"  # beyond the legal 20
    parsed = services.parse_import(data=as_csv(data), fmt="csv")
    with pytest.raises(services.ImportRejected) as caught:
        services.items_import(staff=desk.steward, rows=parsed, reason="批量导入")
    assert caught.value.rows == [
        {
            "line": 1778,
            "field": "promised_limit_days",
            "reason": "承诺时限（30 个工作日）不能超过法定时限（20 个工作日）。",
            "code": "catalog.limit.promised_exceeds_legal",
        }
    ]
    assert caught.value.as_dict()["rows"][0]["line"] == 1778
    assert not ServiceItem.objects.exists() and not ServiceItemVersion.objects.exists()


def test_every_bad_row_is_reported_with_line_field_reason(desk):
    data = rows(5)
    data[0]["department"] = "no-such"
    data[1]["form_schema"] = '{"type": "object", "properties": {"a": {"type": "nope"}}}'
    data[3]["implementation_code"], data[3]["basic_code"] = (
        data[2]["implementation_code"],
        data[2]["basic_code"],
    )
    data[4]["materials"] = json.dumps(
        [{"name": "x", "source": "licence", "licence_type_code": "11100000000013127D999"}]
    )
    with pytest.raises(services.ImportRejected) as caught:
        services.items_import(
            staff=desk.steward, rows=services.parse_import(data=as_csv(data), fmt="csv"), reason="r"
        )
    got = {(r["line"], r["field"], r["code"]) for r in caught.value.rows}
    assert got == {
        (2, "department", "catalog.department.unknown"),
        (3, "form_schema", "catalog.form_schema.invalid"),
        (5, "implementation_code", "catalog.import.duplicate_row"),
        (6, "materials[0].licence_type_code", "catalog.material.licence_type_unknown"),
    }
    assert not ServiceItem.objects.exists()


def test_json_import_creates_drafts_and_export_round_trips(desk):
    data = rows(3)
    result = services.items_import(
        staff=desk.steward,
        rows=services.parse_import(data=json.dumps(data).encode(), fmt="json"),
        reason="导入",
    )
    assert (result.created, result.drafted) == (3, 0)
    assert ServiceItemVersion.objects.filter(status="draft").count() == 3
    exported = selectors.items_export(staff=desk.steward)
    assert [r["name"] for r in exported] == ["导入事项0", "导入事项1", "导入事项2"]
    assert exported[0]["keywords"] == ["别名甲", "别名乙"]
    # the same file again: open drafts exist, so every row says so and nothing changes
    with pytest.raises(services.ImportRejected) as caught:
        services.items_import(
            staff=desk.steward,
            rows=services.parse_import(data=json.dumps(exported).encode(), fmt="json"),
            reason="再导入",
        )
    assert {r["code"] for r in caught.value.rows} == {"catalog.import.open_version"}


def test_importing_into_another_department_is_refused(desk):
    with pytest.raises(services.ImportRejected) as caught:
        services.items_import(staff=desk.other_steward, rows=[(1, rows(1)[0])], reason="r")
    assert caught.value.rows[0]["code"] == "staff.department"
    with pytest.raises(Forbidden):
        selectors.items_export(staff=desk.reviewer)


def test_unreadable_files(desk):
    with pytest.raises(services.ImportRejected) as caught:
        services.parse_import(data=b"[{", fmt="json")
    assert caught.value.rows[0]["field"] == "file"
    with pytest.raises(services.ImportRejected):
        services.parse_import(data="名称".encode("gbk"), fmt="csv")


def test_json_the_strict_parser_refuses_is_reported_with_its_code(desk):
    nested = "[" + "[" * 40 + "]" * 40 + "]"
    with pytest.raises(services.ImportRejected) as caught:
        services.parse_import(data=nested.encode(), fmt="json")
    assert caught.value.rows == [
        {"line": 1, "field": "file", "reason": "JSON 嵌套超过 32 层。", "code": "input.too_deep"}
    ]
    with pytest.raises(services.ImportRejected) as caught:
        services.parse_import(data=b'[{"visits": Infinity}]', fmt="json")
    assert caught.value.rows == [
        {
            "line": 1,
            "field": "file",
            "reason": "数值 Infinity 不是有效的数字。",
            "code": "input.invalid_number",
        }
    ]
    assert caught.value.status == 422 and caught.value.code == "catalog.import.rejected"


def test_a_csv_cell_of_json_goes_through_the_strict_parser(desk):
    data = rows(2)
    data[1]["materials"] = '[{"name": "申请表", "count": NaN}]'
    parsed = services.parse_import(data=as_csv(data), fmt="csv")
    with pytest.raises(services.ImportRejected) as caught:
        services.items_import(staff=desk.steward, rows=parsed, reason="导入")
    assert [(r["line"], r["field"], r["code"], r["reason"]) for r in caught.value.rows] == [
        (3, "materials", "catalog.materials.json", "数值 NaN 不是有效的数字。")
    ]
    assert not ServiceItem.objects.exists()
