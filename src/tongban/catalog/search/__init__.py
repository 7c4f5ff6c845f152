"""In-process Chinese search over the published catalog.

``analysis`` reads a query's text (normalisation, checks, English, colloquial phrases, jieba
words and bigrams, the verbs' intent); ``index`` holds the documents and scores them (BM25,
pinyin, homophone correction, themes, highlighting); ``cache`` keeps this process's index in
step with the database. Outside the package, use the names below.
"""

from .analysis import MAX_QUERY_CHARS, check_query, normalize
from .cache import current_index, reset_index, search, warm_in_background
from .index import (
    Doc,
    Hit,
    Index,
    Result,
    ThemeHit,
    build_index,
    doc_from_row,
    highlight,
    substring_scan,
)

__all__ = [
    "MAX_QUERY_CHARS",
    "Doc",
    "Hit",
    "Index",
    "Result",
    "ThemeHit",
    "build_index",
    "check_query",
    "current_index",
    "doc_from_row",
    "highlight",
    "normalize",
    "reset_index",
    "search",
    "substring_scan",
    "warm_in_background",
]
