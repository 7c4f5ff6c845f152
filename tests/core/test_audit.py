"""The audit chain: append-only, and `tongban audit verify` notices any edit or deletion."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from tests.factories import audit_tampered
from tongban.core.audit import audit_record, audit_verify
from tongban.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _three_entries():
    return [audit_record(action="test.event", details={"n": n}) for n in range(3)]


def test_entries_chain_each_to_the_one_before():
    first, second, third = _three_entries()
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    report = audit_verify()
    assert report.intact and report.checked == 3


def test_verify_command_reports_an_intact_chain(capsys):
    _three_entries()
    call_command("audit", "verify")
    assert "audit chain intact: 3 entries" in capsys.readouterr().out


def test_edited_entry_is_detected():
    entries = _three_entries()
    audit_tampered(
        "UPDATE core_auditentry SET details = %s WHERE seq = %s", ['{"n": 99}', entries[1].seq]
    )
    report = audit_verify()
    assert report.problems == ["#2 was changed after it was written"]
    with pytest.raises(CommandError, match="audit chain broken: 1 problem"):
        call_command("audit", "verify")


def test_deleted_entry_in_the_middle_is_detected():
    entries = _three_entries()
    audit_tampered("DELETE FROM core_auditentry WHERE seq = %s", [entries[1].seq])
    problems = audit_verify().problems
    assert "#2–#2 missing (deleted entries)" in problems
    assert "#3 does not link to the entry before it" in problems


def test_deleted_last_entry_is_detected_by_the_head():
    entries = _three_entries()
    audit_tampered("DELETE FROM core_auditentry WHERE seq = %s", [entries[2].seq])
    assert audit_verify().problems == ["the chain head is at #3 but the last entry is #2"]


def test_the_model_refuses_updates_and_deletes():
    entry = audit_record(action="test.event")
    entry.action = "changed"
    with pytest.raises(RuntimeError, match="append-only"):
        entry.save()
    with pytest.raises(RuntimeError, match="append-only"):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.event"


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="the trigger exists on PostgreSQL; SQLite relies on the model guard",
)
def test_postgresql_refuses_updates_in_the_database():
    entry = audit_record(action="test.event")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="changed")
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.event"


def test_a_stale_remembered_head_falls_back_to_the_locked_head():
    """Another connection appended (or a transaction was rolled back) since this connection last
    appended: the compare-and-swap misses, and the entry links to the real head."""
    first = audit_record(action="test.event", details={"n": 1})
    connection.tongban_audit_head = (first.seq + 5, "f" * 64)  # what another worker saw once
    second = audit_record(action="test.event", details={"n": 2})
    assert (second.seq, second.prev_hash) == (first.seq + 1, first.hash)
    assert audit_verify().intact and audit_verify().checked == 2


def test_an_append_rolled_back_leaves_the_chain_intact_for_the_next():
    first = audit_record(action="test.event", details={"n": 1})
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="test.event", details={"n": "rolled back"})
        raise RuntimeError("the change failed")
    third = audit_record(action="test.event", details={"n": 3})
    assert (third.seq, third.prev_hash) == (first.seq + 1, first.hash)
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == [1, 2]
    assert audit_verify().intact


def test_audited_atomic_appends_a_services_entries_together_at_its_end():
    from tongban.core.audit import audited_atomic
    from tongban.core.models import AuditChainHead

    seen = {}

    @audited_atomic
    def inner_step():
        return audit_record(action="test.inner", details={"n": 2})

    @audited_atomic
    def service():
        first = audit_record(action="test.outer", details={"n": 1})
        second = inner_step()  # a nested service joins the outer batch
        seen["during"] = (first.seq, second.seq, AuditEntry.objects.count())
        return first, second

    before = audit_record(action="test.before")
    first, second = service()
    assert seen["during"] == (None, None, 1)  # nothing linked or written until the end
    assert [(e.seq, e.prev_hash) for e in (first, second)] == [
        (2, before.hash),
        (3, first.hash),
    ]
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (3, second.hash)
    assert audit_verify().intact and audit_verify().checked == 3


def test_audited_atomic_that_fails_appends_nothing():
    from tongban.core.audit import audited_atomic

    @audited_atomic
    def failing():
        audit_record(action="test.lost")
        raise ValueError("the change failed")

    with pytest.raises(ValueError):
        failing()
    assert not AuditEntry.objects.exists()
    after = audit_record(action="test.after")
    assert after.seq == 1 and audit_verify().intact
