"""Demo-catalog tests moved from test_search.py: they read the one shared seed."""

import pytest

from tongban.catalog import quality


@pytest.mark.django_db
def test_quality_on_the_demo_catalog(demo_catalog):
    """The labelled query set (≥150 real-phrased queries) on the demo catalog: recall@5 ≥ 0.95."""
    assert len(quality.queries()) >= 150
    assert {q["kind"] for q in quality.queries()} == {
        "official",
        "colloquial",
        "pinyin",
        "partial",
        "typo",
    }
    result = quality.evaluate(demo_catalog)
    assert result.recall_at_5 >= 0.95, result.misses
    assert result.mrr >= 0.85
