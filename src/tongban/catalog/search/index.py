"""The search index: documents, BM25 scoring, pinyin reading, typo correction, highlighting.

How a query is matched (its text is first read by ``analysis``)
----------------------------------------------------------------
1. Runs of Latin letters are read as pinyin: full pinyin or initials, segmented against the
   pinyin of the words the catalog actually uses and of the dictionary's colloquial phrases
   (``jzz`` → 居住证, ``juzhuzheng`` → 居住证, ``kaigongsi`` → 开公司); the last syllables may
   be incomplete (``jiashiz`` → 驾驶证).
2. Chinese words the catalog never uses are corrected to words with the same pinyin
   (居注证 → 居住证): most typos in Chinese come from a pinyin input method picking the wrong
   homophone. Single wrong characters are also caught by the character bigrams.
3. Terms are scored with BM25 over weighted fields (name ×3, aliases ×2, summary, department),
   with a bonus when the name contains the whole query, a bonus for the stage the query's verbs
   ask for (``analysis.intent_of``), and a small prior for popular items.
4. Themes (一件事, e.g. 开办企业) are returned beside the items when the query, as understood,
   names one of them or one of its keywords.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import logging
import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import mark_safe

from ..choices import Audience, CaseType, OnlineDepth
from .analysis import (
    CJK,
    LATIN,
    QUERY_STOPWORDS,
    SPLIT,
    check_query,
    english_to_chinese,
    intent_of,
    lexicon,
    normalize,
    pinyin_of,
    terms_of,
    tokenizer,
    words_of,
)

RERANK = 300  # how many BM25 leaders get the name and popularity bonus
COMMON_FRACTION, COMMON_MIN = 0.2, 2000  # a term in more documents than this is "common"
K1, B = 1.2, 0.75
FIELD_WEIGHTS = {"name": 3.0, "keywords": 2.0, "summary": 0.6, "department": 0.6, "tags": 0.6}
INTENT_BONUS = 0.15  # share of the top score for a name with the stage the verbs ask for

log = logging.getLogger(__name__)


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

    @property
    def immediate(self) -> bool:
        return self.case_type == CaseType.IMMEDIATE

    @property
    def fully_online(self) -> bool:
        return OnlineDepth.FULLY_ONLINE in self.online_depth


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
            if (not audience or theme.audience in (audience, Audience.BOTH))
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
            checks.append(lambda d: d.audience in (audience, Audience.BOTH))
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
