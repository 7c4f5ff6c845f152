"""The default cache is a database table every process shares (settings.cache, core.cache)."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_cache_table_is_made_by_migrate():
    assert "tongban_cache" in connection.introspection.table_names()
