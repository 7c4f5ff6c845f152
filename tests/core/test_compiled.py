"""``core.compiled``: a hot read compiled once per connection (prepared on PostgreSQL) gives
what its queryset gives, and survives a new connection."""

import pytest
from django.db import connection

from tongban.core import compiled
from tongban.core.models import AuditChainHead

pytestmark = pytest.mark.django_db


def _head_by_id():
    return AuditChainHead.objects.filter(id=0).values_list("seq", "hash")[:1]


def test_the_row_is_the_querysets_with_the_calls_parameters():
    AuditChainHead.objects.update_or_create(id=1, defaults={"seq": 7, "hash": "a" * 64})
    read = compiled.first_row("test.head", AuditChainHead, _head_by_id, [1])
    assert read == (7, "a" * 64) == tuple(AuditChainHead.objects.values_list("seq", "hash")[0])
    assert compiled.first_row("test.head", AuditChainHead, _head_by_id, [2]) is None


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_is_prepared_once_per_session():
    AuditChainHead.objects.update_or_create(id=1, defaults={"seq": 3, "hash": "b" * 64})
    for _ in range(2):
        assert compiled.first_row("test.head", AuditChainHead, _head_by_id, [1]) == (3, "b" * 64)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE name = %s", ["tongban_test_head"]
            )
            assert cursor.fetchone() == (1,)
    connection.close()  # a new session: prepared again
    assert compiled.first_row("test.head", AuditChainHead, _head_by_id, [1]) == (3, "b" * 64)


def test_inside_a_transaction_it_is_not_prepared_first():
    """A PREPARE in a transaction that rolls back would be undone; the SQL itself is sent."""
    AuditChainHead.objects.update_or_create(id=1, defaults={"seq": 4, "hash": "c" * 64})
    assert compiled.first_row("test.head2", AuditChainHead, _head_by_id, [1]) == (4, "c" * 64)
    assert "test.head2" not in connection.__dict__.get("tongban_prepared", (None, {}))[1]


def test_placeholders_are_numbered_for_prepare():
    assert compiled._numbered("a = %s AND b LIKE 'x%%' AND c = %s") == (
        "a = $1 AND b LIKE 'x%' AND c = $2",
        2,
    )
