"""The security log (「我的」) reads a person's audit entries through ``audit_subject_seq``,
newest first, for both of its queries (the pager's count and the page), whatever else the
audit table holds. PostgreSQL only, as ``tests/cases/test_query_plans.py``."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tongban.core.audit import audit_record
from tongban.identity import selectors

pytestmark = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="query plans are PostgreSQL's; SQLite plans its own way",
)


def test_the_security_log_page_reads_the_persons_entries_by_index(make):
    person, other = make.person(), make.person()
    for n in range(3):
        audit_record(action="test.event", subject_person_id=other.pk, details={"n": n})
        audit_record(action="test.event", details={"n": n})
    with CaptureQueriesContext(connection) as captured:
        page = selectors.security_log_page(person=person, page=1)
        assert [e.action for e in page] == ["identity.person.registered"]
    reads = [q["sql"] for q in captured.captured_queries if "core_auditentry" in q["sql"]]
    assert len(reads) == 2  # the count, the page
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in reads:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "audit_subject_seq" in plan and "Sort" not in plan, plan
