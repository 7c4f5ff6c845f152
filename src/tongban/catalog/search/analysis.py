"""How a query's text is read: normalised, checked, translated, segmented into terms.

1. Checked (``check_query``): at most ``MAX_QUERY_CHARS`` characters, and at least one letter,
   digit or Chinese character (otherwise a 422 with a specific code).
2. English words of the small glossary in ``data/synonyms.json`` (``english``) are translated
   to the catalog's Chinese words (``passport`` → 护照, ``school`` → 入学), longest phrase first.
3. Colloquial phrases are expanded from ``data/synonyms.json`` (开公司 → 企业设立登记).
4. Terms are jieba words (search mode, with the dictionary's own words added) plus character
   bigrams, so that a single wrong character still shares most of a word's bigrams.
5. The verbs say which stage of a business's life is meant (``intents`` in the dictionary):
   办/开/申请 favour names with 设立, 注销/不干了 favour 注销 (办个体户 → 个体工商户设立登记).

Reading pinyin and correcting homophones needs the words the catalog uses, so it lives with
the index (``index.Index``).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
from functools import cache, lru_cache
from importlib import resources

from django.utils.translation import gettext as _

from tongban.core.errors import InvalidInput

from ..errors import CatalogError

MAX_QUERY_CHARS = 100
QUERY_STOPWORDS = {
    "我",
    "我想",
    "想",
    "要",
    "我要",
    "想要",
    "怎么",
    "怎样",
    "如何",
    "哪里",
    "在哪",
    "在哪里",
    "去",
    "需要",
    "什么",
    "的",
    "了",
    "吗",
    "呢",
    "一下",
    "可以",
    "能",
    "请问",
    "办",
    "办个",
    "个",
    "给",
    "该",
    "手续",
    "流程",
    "在",
    "和",
    "与",
    "及",
    "材料",
    "哪些",
    "啥",
}
ENGLISH_STOPWORDS = {"a", "an", "the", "of", "for", "to", "s", "my", "i", "how", "do", "in", "and"}
CJK = re.compile(r"[\u3400-\u9fff]+")
LATIN = re.compile(r"[a-z]+")
MEANINGFUL = re.compile(r"[0-9a-z\u3400-\u9fff]")
SPLIT = re.compile(r"[^0-9a-z\u3400-\u9fff]+")


@cache
def lexicon() -> dict:
    text = resources.files("tongban.catalog").joinpath("data/synonyms.json").read_text("utf-8")
    return json.loads(text)


_tokenizer = None
_tokenizer_lock = threading.Lock()


def tokenizer():
    """A private jieba tokenizer with the catalog's own words added."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                for word in lexicon().get("terms", []):
                    tok.add_word(word, freq=20000)
                _tokenizer = tok
    return _tokenizer


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower().strip()


@lru_cache(maxsize=200_000)
def pinyin_of(word: str) -> tuple[str, str]:
    """(full pinyin, initials) of a Chinese word, e.g. 居住证 → ("juzhuzheng", "jzz")."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(word, style=Style.NORMAL, errors="ignore")
    return "".join(syllables), "".join(s[0] for s in syllables if s)


@lru_cache(maxsize=100_000)
def words_of(text: str) -> tuple[str, ...]:
    """jieba search-mode words of a text (Chinese words and Latin/digit runs), no punctuation."""
    out = []
    for word in tokenizer().cut_for_search(text):
        word = word.strip()
        if word and MEANINGFUL.search(word):
            out.append(word)
    return tuple(out)


def bigrams_of(text: str) -> list[str]:
    out = []
    for run in CJK.findall(text):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def terms_of(text: str) -> list[str]:
    text = normalize(text)
    return [f"w:{w}" for w in words_of(text)] + [f"b:{b}" for b in bigrams_of(text)]


def check_query(q: str) -> str:
    q = q or ""
    if len(q) > MAX_QUERY_CHARS:
        message = _("搜索内容过长（%(n)d 个字符），请精简到 %(max)d 个字符以内。") % {
            "n": len(q),
            "max": MAX_QUERY_CHARS,
        }
        raise InvalidInput(CatalogError.SEARCH_TOO_LONG, message, fields={"q": message})
    text = normalize(q)
    if not MEANINGFUL.search(text):
        message = _("请输入要搜索的事项名称或关键词（不能只有标点符号）。")
        raise InvalidInput(CatalogError.SEARCH_NO_TERMS, message, fields={"q": message})
    return text


def english_to_chinese(text: str) -> str | None:
    """The query with the glossary's English words replaced by the catalog's Chinese words,
    longest phrase first (``residence permit`` → 居住证); None when it has no English word."""
    glossary = lexicon().get("english", {})
    parts = re.findall(r"[a-z]+|[^a-z]+", text)
    out: list[str] = []
    found = False
    i = 0
    while i < len(parts):
        for n in (3, 2, 1):
            words = parts[i : i + 2 * n - 1 : 2]
            gaps = parts[i + 1 : i + 2 * n - 1 : 2]
            if (
                len(words) == n
                and all(LATIN.fullmatch(w) for w in words)
                and all(not g.strip(" '-") for g in gaps)
            ):
                target = glossary.get(" ".join(words))
                if target is not None:
                    out.append(
                        " " + " ".join(target if isinstance(target, list) else [target]) + " "
                    )
                    found = True
                    i += 2 * n - 1
                    break
        else:
            part = parts[i]
            out.append("" if part in ENGLISH_STOPWORDS else part)
            i += 1
    return "".join(out) if found else None


def intent_of(text: str) -> str:
    """The stage word (设立, 注销) the query's verbs favour, or "" when the query names a stage
    itself or has no such verb. The dictionary lists closing cues first: 不干了 beats 干."""
    intents: dict[str, list[str]] = lexicon().get("intents", {})
    if any(stage in text for stage in lexicon().get("stages", [])):
        return ""
    for stage, cues in intents.items():
        if any(cue in text for cue in cues):
            return stage
    return ""
