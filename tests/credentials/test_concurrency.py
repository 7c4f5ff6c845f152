"""Issuances at once for one department: one key is made, and no two credentials share a
status list entry. Runs against whichever database is configured (SQLite by default,
PostgreSQL via DATABASE_URL)."""

import threading

import pytest
from django.db import connection

from tests import factories
from tongban.core.models import AuditEntry
from tongban.credentials.verify import verify

from .conftest import issue

ISSUERS = 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_issues_share_one_key_and_never_an_index():
    department = factories.department(code="scjgj")
    barrier = threading.Barrier(ISSUERS)
    issued, failures = [], []

    def one():
        try:
            barrier.wait(timeout=10)
            issued.append(issue(department))
        except Exception as exc:  # the test reports whatever went wrong
            failures.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(ISSUERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert len(issued) == ISSUERS
    assert len({(i.status_list_id, i.status_index) for i in issued}) == ISSUERS
    assert len({i.kid for i in issued}) == 1
    assert department.signing_keys.count() == 1
    assert AuditEntry.objects.filter(action="credentials.key_created").count() == 1
    assert all(verify(i.compact).result == "valid" for i in issued)
