"""The tests of this package read the demo catalog (400 items, its themes and search index),
seeded once for the package instead of once per test."""

import pytest

from tongban.catalog import search
from tongban.catalog.search import cache as search_cache


@pytest.fixture(scope="package")
def _seeded_demo_catalog(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seeded inside a transaction that is rolled back when the package is done. Each test's own
    transaction (pytest-django's ``db``) is a savepoint inside it, so a test sees the seed and
    leaves it as it found it. Being package-scoped, it is set up before any test's ``db``."""
    from django.db import transaction
    from django.test import override_settings

    from tongban.demo.catalog_seed import seed_catalog
    from tongban.demo.seed import seed_reference

    media = tmp_path_factory.mktemp("demo-catalog-media")
    # The seed calls the catalog's durable verbs. Like the class-wide transaction Django's
    # TestCase opens for setUpTestData, this one is marked as a test's, so they may run in it.
    package = transaction.atomic()
    package._from_testcase = True
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), package:
        seed_reference()
        seed_catalog()
        yield search.current_index()
        transaction.set_rollback(True)


@pytest.fixture
def demo_catalog(_seeded_demo_catalog, db, monkeypatch):
    """The seed's search index. A test that publishes moves the index past the seed's version;
    the next test, back at the seed, then rebuilds it."""
    monkeypatch.setattr(search_cache, "_index", _seeded_demo_catalog)
    return _seeded_demo_catalog
