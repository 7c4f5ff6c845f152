"""The status history every status verb writes in its transaction, and the idempotency key
that makes a repeated issue or import return what the first one did."""

import json

import pytest

from tests.licences.conftest import RESIDENCE
from tongban.core.errors import Conflict, InvalidInput
from tongban.licences import services
from tongban.licences.models import Licence, LicenceStatusChange

pytestmark = pytest.mark.django_db


def _history(licence):
    return list(
        LicenceStatusChange.objects.filter(licence=licence)
        .order_by("at", "pk")
        .values_list("from_status", "to_status", "reason", "legal_basis", "actor")
    )


def _issue(lw, key="", staff=None):
    return services.licence_issue(
        staff=staff or lw.reviewer_a,
        type_code=RESIDENCE,
        holder_code=lw.person.id_number,
        data={"address": "浦东新区世纪大道1号"},
        idempotency_key=key,
    )


def test_every_status_verb_writes_its_history_row(lw):
    licence = _issue(lw)
    head = lw.head_a
    services.licence_suspend(staff=head, licence_id=licence.pk, reason="核查中")
    services.licence_restore(staff=head, licence_id=licence.pk, reason="核查完毕")
    renewed = services.licence_renew(staff=lw.reviewer_a, licence_id=licence.pk)
    changed = services.licence_change(
        staff=lw.reviewer_a, licence_id=renewed.pk, data={"address": "黄浦区外滩2号"}, reason="迁居"
    )
    services.licence_revoke(
        staff=head,
        licence_id=changed.pk,
        reason="以欺骗手段取得",
        legal_basis="《行政许可法》第六十九条",
    )
    reviewer, head_id = lw.reviewer_a.pk, head.pk
    assert _history(licence) == [
        ("", "valid", "", "", reviewer),
        ("valid", "suspended", "核查中", "", head_id),
        ("suspended", "valid", "核查完毕", "", head_id),
        ("valid", "superseded", "换发", "", reviewer),
    ]
    assert _history(renewed) == [
        ("", "valid", "", "", reviewer),
        ("valid", "superseded", "迁居", "", reviewer),
    ]
    assert _history(changed) == [
        ("", "valid", "", "", reviewer),
        ("valid", "revoked", "以欺骗手段取得", "《行政许可法》第六十九条", head_id),
    ]


def test_a_refused_status_change_writes_no_history(lw):
    licence = _issue(lw)
    services.licence_revoke(
        staff=lw.head_a, licence_id=licence.pk, reason="欺骗", legal_basis="第六十九条"
    )
    before = _history(licence)
    with pytest.raises(Conflict):
        services.licence_restore(staff=lw.head_a, licence_id=licence.pk, reason="再议")
    assert _history(licence) == before and len(before) == 2


def test_the_same_key_returns_the_same_licence(lw):
    first = _issue(lw, key="k-1")
    again = _issue(lw, key="k-1", staff=lw.head_a)
    assert again.pk == first.pk and Licence.objects.count() == 1
    other = _issue(lw, key="k-2")
    assert other.pk != first.pk and Licence.objects.count() == 2
    assert _issue(lw).pk not in (first.pk, other.pk)  # no key: a new one each time
    assert Licence.objects.count() == 3


def test_a_key_is_the_departments_own(lw, make):
    _issue(lw, key="shared")
    dept_b_reviewer = make.staff(department=lw.dept_b, roles=("reviewer",))
    lw.dept_b.issued_licence_types.add(Licence.objects.get().licence_type)
    theirs = _issue(lw, key="shared", staff=dept_b_reviewer)
    assert theirs.issuer == lw.dept_b and Licence.objects.count() == 2


@pytest.mark.parametrize("key", ["a" * 65, "bad key", "nul\x00", "中文"])
def test_a_malformed_key_is_refused(lw, key):
    with pytest.raises(InvalidInput) as caught:
        _issue(lw, key=key)
    assert list(caught.value.fields) == ["idempotency_key"]
    assert Licence.objects.count() == 0


def test_an_import_repeated_with_its_key_imports_nothing_more(lw):
    row = {
        "type_code": RESIDENCE,
        "holder_code": lw.person.id_number,
        "data": {"address": "浦东新区世纪大道1号"},
    }
    rows = services.import_rows(content=json.dumps([row, row]).encode(), fmt="json")
    first = services.licences_import(staff=lw.reviewer_a, rows=rows, idempotency_key="file-1")
    again = services.licences_import(staff=lw.reviewer_a, rows=rows, idempotency_key="file-1")
    assert (first.created, first.repeated) == (2, False)
    assert (again.created, again.repeated) == (2, True)
    assert sorted(Licence.objects.values_list("idempotency_key", flat=True)) == [
        "file-1.1",
        "file-1.2",
    ]


def test_the_migration_backfills_the_history_of_licences_issued_before_it(lw):
    """``0004``'s backfill, run over licences with no history: issued, then the status they
    stand in now with its recorded reason."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "tongban.licences.migrations.0004_status_history_idempotency"
    )
    kept = _issue(lw)
    revoked = _issue(lw)
    services.licence_revoke(
        staff=lw.head_a, licence_id=revoked.pk, reason="欺骗", legal_basis="第六十九条"
    )
    LicenceStatusChange.objects.all().delete()
    migration.history_backfill(apps, None)
    assert _history(kept) == [("", "valid", "", "", None)]
    assert _history(revoked) == [
        ("", "valid", "", "", None),
        ("valid", "revoked", "欺骗", "第六十九条", None),
    ]
