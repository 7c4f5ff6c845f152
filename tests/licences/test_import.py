"""Bulk import: all or nothing, each wrong row named by its number and field."""

import json

import pytest

from tests.licences.conftest import RESIDENCE
from tongban.licences import services
from tongban.licences.identifiers import LicenceIdentifier
from tongban.licences.models import Licence

pytestmark = pytest.mark.django_db


def _row(lw, **changes):
    return {
        "type_code": RESIDENCE,
        "holder_code": lw.person.id_number,
        "issued_on": "2025-03-01",
        "data": {"address": "浦东新区世纪大道1号"},
        **changes,
    }


def test_json_and_csv_rows_are_imported(lw):
    ident = str(LicenceIdentifier(RESIDENCE, "310115", "2025000777", 1))
    rows = services.import_rows(
        content=json.dumps([_row(lw, identifier=ident)]).encode(), fmt="json"
    )
    data = '"{""address"": ""黄浦区外滩2号""}"'
    csv_text = (
        "type_code,holder_code,issued_on,valid_until,data\n"
        f"{RESIDENCE},{lw.person.id_number},2025-04-01,2026-03-31,{data}\n"
    )
    rows += services.import_rows(content=csv_text.encode(), fmt="csv")
    assert services.licences_import(staff=lw.reviewer_a, rows=rows).created == 2
    first, second = Licence.objects.order_by("pk")
    assert first.identifier == ident
    assert (str(first.valid_until), second.data["address"]) == ("2026-02-28", "黄浦区外滩2号")
    assert str(second.valid_until) == "2026-03-31"


def test_every_wrong_row_is_reported_and_nothing_is_imported(lw, make):
    good = str(LicenceIdentifier(RESIDENCE, "310115", "2025000001", 1))
    rows = [
        _row(lw),
        _row(lw, type_code="11100000000013127D099"),
        _row(lw, holder_code=make.id_number()),
        _row(lw, identifier=good[:-1] + ("0" if good[-1] != "0" else "1")),
        _row(lw, identifier="1.2.156.3005.2.nonsense"),
        _row(lw, data={"address": "短"}),
        _row(lw, identifier=good),
        _row(lw, identifier=good),
        _row(lw, issued_on="2025-13-01"),
    ]
    with pytest.raises(services.ImportRejected) as caught:
        services.licences_import(staff=lw.reviewer_a, rows=rows)
    assert [(p["row"], p["field"], p["code"]) for p in caught.value.rows] == [
        (2, "type_code", "licence.type.not_found"),
        (3, "holder_code", "licence.holder.not_found"),
        (4, "identifier", "licence.identifier.check"),
        (5, "identifier", "licence.identifier.format"),
        (6, "data.address", "licence.data.invalid"),
        (8, "identifier", "licence.import.duplicate_row"),
        (9, "issued_on", "licence.dates"),
    ]
    assert caught.value.as_dict()["fields"]["rows[2].type_code"] == "证照目录中没有该证照类型。"
    assert Licence.objects.count() == 0


def test_files_that_are_not_rows_are_refused(lw):
    for content, fmt in ((b"{}", "json"), (b"\xff", "json"), (b"[]", "json"), (b"x", "xml")):
        with pytest.raises(services.ImportRejected) as caught:
            services.import_rows(content=content, fmt=fmt)
        assert caught.value.rows[0]["field"] == "file"
