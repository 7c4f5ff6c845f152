"""In-process Chinese search over the published catalog.

How a query is understood
-------------------------
1. Checked: at most ``MAX_QUERY_CHARS`` characters, and at least one letter, digit or Chinese
   character (otherwise a 422 with a specific code).
2. English words of the small glossary in ``data/synonyms.json`` (``english``) are translated
   to the catalog's Chinese words (``passport`` → 护照, ``school`` → 入学), longest phrase first.
3. Colloquial phrases are expanded from ``data/synonyms.json`` (开公司 → 企业设立登记).
4. Runs of Latin letters are read as pinyin: full pinyin or initials, segmented against the
   pinyin of the words the catalog actually uses and of the dictionary's colloquial phrases
   (``jzz`` → 居住证, ``juzhuzheng`` → 居住证, ``kaigongsi`` → 开公司); the last syllables may
   be incomplete (``jiashiz`` → 驾驶证).
5. Chinese words the catalog never uses are corrected to words with the same pinyin
   (居注证 → 居住证): most typos in Chinese come from a pinyin input method picking the wrong
   homophone. Single wrong characters are also caught by the character bigrams.
6. Terms are jieba words (search mode) plus character bigrams, scored with BM25 over weighted
   fields (name ×3, aliases ×2, summary, department), with a bonus when the name contains the
   whole query and a small prior for popular items.
7. The verbs say which stage of a business's life is meant (``intents`` in the dictionary):
   办/开/申请 favour names with 设立, 注销/不干了 favour 注销 (办个体户 → 个体工商户设立登记).
8. Themes (一件事, e.g. 开办企业) are returned beside the items when the query, as understood,
   names one of them or one of its keywords.

The index
---------
Built in each process from the published versions, at start-up in a background thread when
``TONGBAN_SEARCH_WARM`` is set (``tongban serve`` and ``tongban demo`` set it), otherwise on
first use; it is kept in step by
``CatalogState.search_version``: every publish bumps it and stamps the item with the new
value; a process whose index is older reloads just the items stamped after its version. So
several gunicorn workers agree without a search server, and a publish is searchable at once.
Themes are few and are reloaded whenever the version moves.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import json
import logging
import math
import re
import threading
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from tongban.core.errors import InvalidInput

from .choices import OnlineDepth

MAX_QUERY_CHARS = 100
RERANK = 300  # how many BM25 leaders get the name and popularity bonus
COMMON_FRACTION, COMMON_MIN = 0.2, 2000  # a term in more documents than this is "common"
K1, B = 1.2, 0.75
FIELD_WEIGHTS = {"name": 3.0, "keywords": 2.0, "summary": 0.6, "department": 0.6, "tags": 0.6}
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
INTENT_BONUS = 0.15  # share of the top score for a name with the stage the verbs ask for
CJK = re.compile(r"[\u3400-\u9fff]+")
LATIN = re.compile(r"[a-z]+")
MEANINGFUL = re.compile(r"[0-9a-z\u3400-\u9fff]")
SPLIT = re.compile(r"[^0-9a-z\u3400-\u9fff]+")

log = logging.getLogger(__name__)


# --- text tools -----------------------------------------------------------------------------


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


# --- errors ---------------------------------------------------------------------------------


def check_query(q: str) -> str:
    q = q or ""
    if len(q) > MAX_QUERY_CHARS:
        message = _("搜索内容过长（%(n)d 个字符），请精简到 %(max)d 个字符以内。") % {
            "n": len(q),
            "max": MAX_QUERY_CHARS,
        }
        raise InvalidInput("catalog.search.too_long", message, fields={"q": message})
    text = normalize(q)
    if not MEANINGFUL.search(text):
        message = _("请输入要搜索的事项名称或关键词（不能只有标点符号）。")
        raise InvalidInput("catalog.search.no_terms", message, fields={"q": message})
    return text


# --- the index ------------------------------------------------------------------------------


@dataclass
class Doc:
    id: int
    name: str
    department: str
    department_code: str
    region_code: str
    audience: str
    online_depth: tuple[str, ...]
    themes: tuple[str, ...]
    life_event: str
    enterprise_stage: str
    promised_limit_days: int
    legal_limit_days: int
    case_type: str
    visits: int
    popularity: int
    name_norm: str = ""
    terms: dict[str, float] = field(default_factory=dict)
    length: float = 0.0
    name_words: frozenset[str] = frozenset()


@dataclass
class Hit:
    id: int
    name: str
    name_html: str
    department: str
    department_code: str
    region_code: str
    audience: str
    online_depth: list[str]
    online_depth_labels: list[str]
    promised_limit_days: int
    legal_limit_days: int
    case_type: str
    visits: int
    score: float


@dataclass
class ThemeHit:
    code: str
    name: str
    summary: str
    audience: str


@dataclass
class Result:
    query: str
    hits: list[Hit]
    total: int
    did_you_mean: str = ""
    understood_as: str = ""
    themes: list[ThemeHit] = field(default_factory=list)


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


def doc_from_row(row: dict) -> Doc:
    """A document from a plain dict (see ``selectors.search_rows``)."""
    doc = Doc(
        id=row["id"],
        name=row["name"],
        department=row["department"],
        department_code=row["department_code"],
        region_code=row["region_code"],
        audience=row["audience"],
        online_depth=tuple(row.get("online_depth") or ()),
        themes=tuple(row.get("themes") or ()),
        life_event=row.get("life_event") or "",
        enterprise_stage=row.get("enterprise_stage") or "",
        promised_limit_days=row["promised_limit_days"],
        legal_limit_days=row["legal_limit_days"],
        case_type=row["case_type"],
        visits=row.get("visits", 1),
        popularity=row.get("popularity", 0),
        name_norm=normalize(row["name"]),
    )
    weighted: dict[str, float] = defaultdict(float)
    length = 0.0
    texts = {
        "name": row["name"],
        "keywords": " ".join(row.get("keywords") or ()),
        "summary": (row.get("summary") or "")[:200],
        "department": row["department"],
        "tags": " ".join(row.get("tags") or ()),
    }
    for fname, text in texts.items():
        if not text:
            continue
        weight = FIELD_WEIGHTS[fname]
        for term in terms_of(text):
            weighted[term] += weight
            length += weight
    doc.terms = dict(weighted)
    doc.length = length
    doc.name_words = frozenset(
        w
        for text in (texts["name"], texts["keywords"])
        for w in words_of(normalize(text))
        if len(w) >= 2 and CJK.fullmatch(w)
    )
    return doc


class Index:
    def __init__(self, version: int = 0):
        self.version = version
        self.docs: dict[int, Doc] = {}
        self.postings: dict[str, dict[int, float]] = defaultdict(dict)
        self.total_length = 0.0
        self._norm: dict[int, float] | None = None
        self.full_pinyin: dict[str, dict[str, int]] = defaultdict(dict)  # juzhuzheng → {居住证: df}
        self.initials: dict[str, dict[str, int]] = defaultdict(dict)  # jzz → {居住证: df}
        self._full_keys: list[str] | None = None
        self._contrib: dict[str, dict[int, float]] = {}
        self.max_popularity = 1
        self.themes: list[ThemeHit] = []
        self._theme_labels: list[tuple[ThemeHit, tuple[str, ...]]] = []
        for phrase in lexicon()["synonyms"]:  # so that pinyin can spell colloquial phrases
            if CJK.fullmatch(phrase):
                bucket = self.full_pinyin[pinyin_of(phrase)[0]]
                bucket[phrase] = bucket.get(phrase, 0) + 1

    def set_themes(self, rows: list[dict]) -> None:
        self.themes = [
            ThemeHit(code=r["code"], name=r["name"], summary=r["summary"], audience=r["audience"])
            for r in rows
        ]
        self._theme_labels = [
            (t, tuple(normalize(w) for w in [r["name"], *(r.get("keywords") or [])] if w))
            for t, r in zip(self.themes, rows, strict=True)
        ]

    def themes_named(self, phrases: list[str], audience: str = "") -> list[ThemeHit]:
        """Themes whose name or a keyword is in one of the query's phrases (or, for a phrase of
        three characters or more, contains it)."""
        phrases = [p for p in phrases if len(p) >= 2]
        return [
            theme
            for theme, labels in self._theme_labels
            if (not audience or theme.audience in (audience, "both"))
            and any(label in p or (len(p) >= 3 and p in label) for label in labels for p in phrases)
        ]

    # building
    def add(self, doc: Doc) -> None:
        if doc.id in self.docs:
            self.remove(doc.id)
        self.docs[doc.id] = doc
        for term, tf in doc.terms.items():
            self.postings[term][doc.id] = tf
        for word in doc.name_words:  # pinyin reads into the words of names and aliases only
            full, initials = pinyin_of(word)
            for table, key in ((self.full_pinyin, full), (self.initials, initials)):
                bucket = table[key]
                bucket[word] = bucket.get(word, 0) + 1
        self.total_length += doc.length
        self.max_popularity = max(self.max_popularity, doc.popularity)
        self._changed()

    def remove(self, doc_id: int) -> None:
        doc = self.docs.pop(doc_id, None)
        if doc is None:
            return
        for term in doc.terms:
            posting = self.postings.get(term)
            if posting is not None:
                posting.pop(doc_id, None)
                if not posting:
                    del self.postings[term]
        for word in doc.name_words:
            full, initials = pinyin_of(word)
            for table, key in ((self.full_pinyin, full), (self.initials, initials)):
                bucket = table.get(key, {})
                if bucket.get(word, 0) > 1:
                    bucket[word] -= 1
                else:
                    bucket.pop(word, None)
                    if not bucket:
                        table.pop(key, None)
        self.total_length -= doc.length
        self._changed()

    def _changed(self) -> None:
        self._norm = None
        self._full_keys = None
        self._contrib = {}

    def contributions(self, term: str) -> dict[int, float] | None:
        """BM25 weight of ``term`` in each document containing it (cached until the index
        changes): idf · (k1 + 1) · tf / (tf + k1 · (1 − b + b · dl / avgdl))."""
        cached = self._contrib.get(term)
        if cached is not None:
            return cached
        posting = self.postings.get(term)
        if not posting:
            return None
        norm = self.norm
        df = len(posting)
        idf = math.log(1 + (len(self.docs) - df + 0.5) / (df + 0.5)) * (K1 + 1)
        cached = {d: idf * tf / (tf + norm[d]) for d, tf in posting.items()}
        self._contrib[term] = cached
        return cached

    @property
    def norm(self) -> dict[int, float]:
        if self._norm is None:
            avg = (self.total_length / len(self.docs)) if self.docs else 1.0
            self._norm = {
                d.id: K1 * (1 - B + B * d.length / (avg or 1.0)) for d in self.docs.values()
            }
        return self._norm

    @property
    def full_keys(self) -> list[str]:
        if self._full_keys is None:
            self._full_keys = sorted(self.full_pinyin)
        return self._full_keys

    def has_word(self, word: str) -> bool:
        return f"w:{word}" in self.postings

    # pinyin
    def _best_words(self, bucket: dict[str, int], n: int = 3) -> list[str]:
        return sorted(bucket, key=lambda w: (-bucket[w], len(w), w))[:n]

    def _prefix_words(self, prefix: str) -> dict[str, int]:
        keys = self.full_keys
        out: dict[str, int] = {}
        i = bisect.bisect_left(keys, prefix)
        while i < len(keys) and keys[i].startswith(prefix) and len(out) < 50:
            for word, df in self.full_pinyin[keys[i]].items():
                out[word] = out.get(word, 0) + df
            i += 1
        return out

    def pinyin_to_words(self, letters: str) -> list[list[str]]:
        """Segment a run of pinyin letters into catalog words: a list of segments, each a list
        of candidate words (best first). Empty if no segmentation covers the run."""
        n = len(letters)
        if n == 0 or n > 40:
            return []
        # best[i] = (cost, segments) covering letters[:i]
        best: list[tuple[float, list[list[str]]] | None] = [None] * (n + 1)
        best[0] = (0.0, [])
        for i in range(n):
            if best[i] is None:
                continue
            cost_i, segs_i = best[i]
            for j in range(i + 1, min(n, i + 24) + 1):
                piece = letters[i:j]
                options: list[tuple[float, dict[str, int]]] = []
                if piece in self.full_pinyin:
                    options.append((1.0, self.full_pinyin[piece]))
                if piece in self.initials and len(piece) >= 2:
                    options.append((1.3, self.initials[piece]))
                if j == n and len(piece) >= 3 and not options:
                    prefixed = self._prefix_words(piece)
                    if prefixed:
                        options.append((1.6, prefixed))
                for cost, bucket in options:
                    candidate = (cost_i + cost, [*segs_i, self._best_words(bucket)])
                    if best[j] is None or candidate[0] < best[j][0]:
                        best[j] = candidate
        return best[n][1] if best[n] else []

    def correct_word(self, word: str) -> str | None:
        """A catalog word with the same pinyin as an unknown Chinese word (homophone typo)."""
        full, _initials = pinyin_of(word)
        bucket = self.full_pinyin.get(full)
        if bucket:
            return self._best_words(bucket, 1)[0]
        segments = self.pinyin_to_words(full)
        if segments and len(segments) <= max(1, len(word) // 2):
            return "".join(seg[0] for seg in segments)
        return None

    # querying
    def search(
        self,
        q: str,
        *,
        limit: int = 10,
        offset: int = 0,
        audience: str = "",
        department: str = "",
        district: str = "",
        theme: str = "",
        online_depth: str = "",
        life_event: str = "",
        enterprise_stage: str = "",
    ) -> Result:
        text = check_query(q)
        english = english_to_chinese(text)
        weights, display, understood, pinyin_segments = self._query_terms(english or text)
        if english and not understood:
            understood = " ".join(english.split())
        intent = intent_of(understood or text)
        scores: dict[int, float] = defaultdict(float)
        common = max(COMMON_FRACTION * len(self.docs), COMMON_MIN)
        matched_terms: set[str] = set()
        weighted = [(t, qw, self.contributions(t)) for t, qw in weights.items()]
        weighted = sorted((w for w in weighted if w[2]), key=lambda w: len(w[2]))
        for term, qw, contrib in weighted:
            matched_terms.add(term)
            if scores and len(contrib) > common:
                # a term in most documents only orders the candidates rarer terms found
                for doc_id in list(scores):
                    c = contrib.get(doc_id)
                    if c:
                        scores[doc_id] += qw * c
            else:
                for doc_id, c in contrib.items():
                    scores[doc_id] += qw * c
        docs = self.docs
        wanted = self._filter(
            audience, department, district, theme, online_depth, life_event, enterprise_stage
        )
        if wanted is not None:
            scores = {d: s for d, s in scores.items() if wanted(docs[d])}
        phrases = [p for p in display if len(p) >= 2]
        for segments in pinyin_segments:  # every reading of ambiguous pinyin, as a phrase
            for combo in itertools.islice(itertools.product(*segments), 27):
                phrases.append("".join(combo))
        themes = self.themes_named(phrases, audience) if offset == 0 else []
        if not scores:
            return Result(
                query=q, hits=[], total=0, did_you_mean=understood, understood_as="", themes=themes
            )
        total = len(scores)
        shortlist = heapq.nlargest(
            max(RERANK, offset + limit), scores.items(), key=lambda kv: kv[1]
        )
        top = shortlist[0][1]
        log_max = math.log1p(self.max_popularity)
        reranked = {}
        for doc_id, score in shortlist:
            doc = docs[doc_id]
            bonus = 0.0
            for phrase in phrases:
                if phrase in doc.name_norm:
                    bonus = max(bonus, 0.25 * top if doc.name_norm != phrase else 0.4 * top)
            if doc.popularity:
                bonus += 0.08 * top * math.log1p(doc.popularity) / log_max
            if intent and intent in doc.name_norm:
                bonus += INTENT_BONUS * top
            reranked[doc_id] = score + bonus
        scores = reranked
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        if pinyin_segments:  # read ambiguous pinyin the way the best result spells it
            top_terms = docs[ranked[0][0]].terms
            for segments in pinyin_segments:
                guess = "".join(seg[0] for seg in segments)
                better = "".join(
                    next((w for w in seg if f"w:{w}" in top_terms), seg[0]) for seg in segments
                )
                understood = understood.replace(guess, better, 1)
        marks = [t[2:] for t in matched_terms] + phrases
        hits = [self._hit(docs[d], s, marks) for d, s in ranked[offset : offset + limit]]
        return Result(
            query=q,
            hits=hits,
            total=total,
            did_you_mean=understood,
            understood_as=understood,
            themes=themes,
        )

    def _query_terms(self, text: str) -> tuple[dict[str, float], list[str], str, list]:
        """Weighted query terms, the Chinese phrases they stand for (for name bonus and
        highlighting), and the corrected reading of the query when it differs ("did you mean")."""
        lex = lexicon()
        weights: dict[str, float] = defaultdict(float)
        phrases: list[str] = []
        corrected_parts: list[str] = []
        changed = False

        def add(chinese: str, weight: float) -> None:
            for term in terms_of(chinese):
                word = term[2:]
                if word in QUERY_STOPWORDS:
                    continue
                weights[term] = max(weights[term], weight)

        if re.fullmatch(r"[a-z ]+", text):  # "ju zhu zheng": one run of pinyin
            text = text.replace(" ", "")
        pinyin_segments: list[list[list[str]]] = []
        chunks = [c for c in SPLIT.split(text) if c]
        for chunk in chunks:
            for part in re.findall(r"[a-z]+|[0-9]+|[\u3400-\u9fff]+", chunk):
                if LATIN.fullmatch(part):
                    segments = self.pinyin_to_words(part)
                    if segments:
                        changed = True
                        pinyin_segments.append(segments)
                        best = "".join(seg[0] for seg in segments)
                        corrected_parts.append(best)
                        phrases.append(best)
                        for seg in segments:
                            add(seg[0], 1.0)
                            for alt in seg[1:]:
                                add(alt, 0.8)
                        continue
                    add(part, 1.0)
                    corrected_parts.append(part)
                    continue
                if not CJK.fullmatch(part):
                    add(part, 1.0)
                    corrected_parts.append(part)
                    continue
                phrases.append(part)
                fixed_words = []
                for word in tokenizer().lcut(part):
                    if (
                        len(word) >= 2
                        and word not in QUERY_STOPWORDS
                        and not self.has_word(word)
                        and word not in lex["synonyms"]
                    ):
                        fix = self.correct_word(word)
                        if fix and fix != word:
                            changed = True
                            fixed_words.append(fix)
                            phrases.append(fix)
                            add(fix, 1.0)
                            continue
                    fixed_words.append(word)
                corrected_parts.append("".join(fixed_words))
                add(part, 1.0)
        corrected = "".join(corrected_parts)
        # colloquial phrases → the words the catalog uses
        expanded = False
        for colloquial, canonical in lex["synonyms"].items():
            if colloquial in corrected:
                for target in canonical if isinstance(canonical, list) else [canonical]:
                    add(target, 1.6)
                    phrases.append(target)
                    expanded = True
        if expanded:  # the user's own words still count, but less than the expansion
            for term in list(weights):
                weights[term] = min(weights[term], 1.6)
        return dict(weights), phrases, corrected if changed else "", pinyin_segments

    def _filter(self, audience, department, district, theme, depth, life_event, stage):
        checks = []
        if audience:
            checks.append(lambda d: d.audience in (audience, "both"))
        if department:
            checks.append(lambda d: d.department_code == department)
        if district:
            checks.append(lambda d: d.region_code == district)
        if theme:
            checks.append(lambda d: theme in d.themes)
        if depth:
            checks.append(lambda d: depth in d.online_depth)
        if life_event:
            checks.append(lambda d: d.life_event == life_event)
        if stage:
            checks.append(lambda d: d.enterprise_stage == stage)
        if not checks:
            return None
        return lambda d: all(check(d) for check in checks)

    def _hit(self, doc: Doc, score: float, marks: list[str]) -> Hit:
        return Hit(
            id=doc.id,
            name=doc.name,
            name_html=highlight(doc.name, marks),
            department=doc.department,
            department_code=doc.department_code,
            region_code=doc.region_code,
            audience=doc.audience,
            online_depth=list(doc.online_depth),
            online_depth_labels=[str(OnlineDepth(d).label) for d in doc.online_depth],
            promised_limit_days=doc.promised_limit_days,
            legal_limit_days=doc.legal_limit_days,
            case_type=doc.case_type,
            visits=doc.visits,
            score=round(score, 4),
        )


def highlight(name: str, marks: list[str]) -> str:
    """The name with matched parts in <mark>, everything escaped."""
    lowered = normalize(name)
    covered = [False] * len(name)
    if len(lowered) == len(name):
        for mark in marks:
            if not mark:
                continue
            start = lowered.find(mark)
            while start != -1:
                for i in range(start, start + len(mark)):
                    covered[i] = True
                start = lowered.find(mark, start + 1)
    out, i = [], 0
    while i < len(name):
        j = i
        while j < len(name) and covered[j] == covered[i]:
            j += 1
        chunk = escape(name[i:j])
        out.append(f"<mark>{chunk}</mark>" if covered[i] else chunk)
        i = j
    return mark_safe("".join(out))  # noqa: S308 - every chunk is escaped above


def substring_scan(rows: list[tuple[int, str]], q: str, limit: int = 10) -> list[int]:
    """The baseline the benchmark compares with: names containing the query, shortest first."""
    text = normalize(q)
    found = [(len(name), i) for i, name in rows if text in name]
    found.sort()
    return [i for _n, i in found[:limit]]


# --- the per-process cache ------------------------------------------------------------------

_index: Index | None = None
# Held while the index is read or updated: a threaded server must not search a dict that
# another thread is updating. Gunicorn sync workers (one request at a time) never contend.
_lock = threading.RLock()


def build_index(rows, version: int, themes: list[dict] | None = None) -> Index:
    started = time.perf_counter()
    index = Index(version)
    for row in rows:
        index.add(doc_from_row(row))
    index.set_themes(themes or [])
    log.info(
        "search index built: %d items, %d themes in %.2f s",
        len(index.docs),
        len(index.themes),
        time.perf_counter() - started,
    )
    return index


def _build_current(version: int) -> Index:
    from . import selectors

    return build_index(selectors.search_rows(), version, selectors.search_themes())


def current_index() -> Index:
    """This process's index, caught up with the database's search version."""
    from . import selectors

    global _index
    version = selectors.search_version()
    index = _index
    if index is not None and index.version == version:
        return index
    with _lock:
        index = _index
        if index is None or version < index.version:
            _index = _build_current(version)
        elif index.version != version:
            changed = selectors.search_rows(changed_after=index.version)
            if changed is None:  # too many changes: rebuild
                _index = _build_current(version)
            else:
                for doc_id, row in changed:
                    if row is None:
                        index.remove(doc_id)
                    else:
                        index.add(doc_from_row(row))
                index.set_themes(selectors.search_themes())
                index.version = version
        return _index


def warm_in_background() -> threading.Thread:
    """Build this process's index in a daemon thread at start-up, so that the first search
    does not wait for it (seconds: jieba's dictionary, pypinyin, every published item). A
    search arriving meanwhile waits on the lock for the same build instead of starting another."""

    def build() -> None:
        from django.db import connection

        try:
            with _lock:
                current_index()
        except Exception:
            log.exception("search index warm-up failed; the first search will build it")
        finally:
            connection.close()

    thread = threading.Thread(target=build, name="search-index-warm", daemon=True)
    thread.start()
    return thread


def reset_index() -> None:
    global _index
    with _lock:
        _index = None


def search(q: str, **filters) -> Result:
    with _lock:
        return current_index().search(q, **filters)
