"""Offline, accent-insensitive similarity for short Vietnamese texts.

Used to suggest existing root causes ("nguyên nhân gốc") and similar shortcomings ("hạn chế")
while an inspector types. Input may come with or without diacritics, in any case, with
punctuation, reordered words and filler words, so everything is compared on a folded form:
"Kinh phí còn hạn hẹp" and "kinh phi han hep" are the same text here.

Vietnamese is monosyllabic and most meaningful units are two-syllable compounds ("kinh phí",
"hạn hẹp", "tuyên truyền"), so a score blends three views of the folded words: single words,
adjacent word pairs and character trigrams (the last one tolerates typos and split compounds).
Pure Python, no index: ranking a few thousand candidates per keystroke is fast enough.
"""

import heapq
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["STOP_WORDS", "fold", "folded_key", "rank_similar", "similarity", "tokens"]

_NON_ALNUM = re.compile(r"[\W_]+")
_D_STROKE = str.maketrans({"đ": "d", "Đ": "d"})

# Filler words, folded. Folding merges words that differ only by their marks, so a word is only
# listed when every common reading of its folded form is filler in report prose:
#   và, các, của, là, còn ("still"), được, cho, với, những/nhưng, một, việc (nominaliser),
#   theo, trên, về, đến, ở, vào, này, rất, khi, hay, hoặc, nào.
# Deliberately kept, because they carry meaning in shortcomings or collide with content words:
#   chưa / không / thiếu / chậm (negation and the shortcoming itself), đã ("đa dạng"),
#   số ("một số" but also "số hóa", "sở"), trong ("chú trọng", "quan trọng"), có ("cơ sở",
#   "cơ quan"), bị ("thiết bị"), để ("đề án", "vấn đề"), do ("trình độ"), tại ("tài chính"),
#   từ ("tư pháp"), thì ("thi đua", "thực thi"), nên ("nền tảng"), vẫn ("văn bản", see below).
STOP_WORDS: frozenset[str] = frozenset(
    {
        "va",
        "cac",
        "cua",
        "la",
        "con",
        "duoc",
        "cho",
        "voi",
        "nhung",
        "mot",
        "viec",
        "theo",
        "tren",
        "ve",
        "den",
        "o",
        "vao",
        "nay",
        "rat",
        "khi",
        "hay",
        "hoac",
        "nao",
    }
)

# Multi-word fillers dropped as a whole ("một số" must not leave "số" behind).
_FILLER_PHRASES: frozenset[tuple[str, ...]] = frozenset(
    {
        ("cong", "tac"),  # công tác: "công tác tuyên truyền" is just "tuyên truyền"
        ("mot", "so"),  # một số
        ("hien", "nay"),  # hiện nay
        ("tuy", "nhien"),  # tuy nhiên
        ("nhin", "chung"),  # nhìn chung
        ("ben", "canh", "do"),  # bên cạnh đó
    }
)
_LONGEST_PHRASE = max(len(phrase) for phrase in _FILLER_PHRASES)

# "van" is usually "văn" (văn bản, văn hóa, văn phòng); it is dropped as "vẫn" ("still") only
# when an adverb follows: "vẫn còn", "vẫn chưa", "vẫn không", "vẫn đã", "vẫn được".
_STILL = "van"
_AFTER_STILL = frozenset({"con", "chua", "khong", "da", "duoc"})

# Weights of the three views. Word pairs only count when both texts have at least two words.
_W_WORDS = 0.40
_W_PAIRS = 0.25
_W_TRIGRAMS = 0.35


def fold(text: str) -> str:
    """Return `text` lower-cased, without diacritics or punctuation, words single-spaced.

    "Đường Trần Phú, Hà Tĩnh!" -> "duong tran phu ha tinh"; "34/2019/NĐ-CP" -> "34 2019 nd cp".
    NFKD (a superset of NFD) also folds full-width letters and non-breaking spaces.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))
    return " ".join(_NON_ALNUM.sub(" ", bare.translate(_D_STROKE)).split())


def folded_key(text: str) -> str:
    """Return the form to store beside a text for accent-insensitive lookups; equals fold()."""
    return fold(text)


def tokens(text: str) -> list[str]:
    """Return the folded words of `text` without filler words and phrases (see STOP_WORDS)."""
    return _content_words(fold(text).split())


def _content_words(words: list[str]) -> list[str]:
    kept: list[str] = []
    i, n = 0, len(words)
    while i < n:
        phrase_len = next(
            (
                size
                for size in range(min(_LONGEST_PHRASE, n - i), 1, -1)
                if tuple(words[i : i + size]) in _FILLER_PHRASES
            ),
            0,
        )
        if phrase_len:
            i += phrase_len
            continue
        word = words[i]
        next_word = words[i + 1] if i + 1 < n else ""
        if word not in STOP_WORDS and not (word == _STILL and next_word in _AFTER_STILL):
            kept.append(word)
        i += 1
    return kept


@dataclass(frozen=True, slots=True)
class _Profile:
    words: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    trigrams: frozenset[str]


_EMPTY = _Profile(frozenset(), frozenset(), frozenset())


def _profile(text: str) -> _Profile:
    folded = fold(text).split()
    # A text made only of filler words ("và các") is still compared with itself.
    words = _content_words(folded) or folded
    if not words:
        return _EMPTY
    padded = f" {' '.join(words)} "
    return _Profile(
        words=frozenset(words),
        pairs=frozenset(zip(words, words[1:], strict=False)),
        trigrams=frozenset(padded[i : i + 3] for i in range(len(padded) - 2)),
    )


def _overlap[T](a: frozenset[T], b: frozenset[T]) -> float:
    """Mean of Dice and containment (overlap coefficient) of two sets; 0 if either is empty.

    Dice rewards near-identical texts; containment lets a short query ("ISO chậm") or a short
    root cause ("Kinh phí còn hạn hẹp") match a longer text that includes it.
    """
    if not a or not b:
        return 0.0
    common = len(a & b)
    if not common:
        return 0.0
    dice = 2 * common / (len(a) + len(b))
    containment = common / min(len(a), len(b))
    return (dice + containment) / 2


def _score(a: _Profile, b: _Profile) -> float:
    if not a.words or not b.words:
        return 0.0
    weighted = _W_WORDS * _overlap(a.words, b.words) + _W_TRIGRAMS * _overlap(
        a.trigrams, b.trigrams
    )
    total = _W_WORDS + _W_TRIGRAMS
    if a.pairs and b.pairs:
        weighted += _W_PAIRS * _overlap(a.pairs, b.pairs)
        total += _W_PAIRS
    return min(1.0, weighted / total)


def similarity(a: str, b: str) -> float:
    """Return how alike two texts are, from 0 (nothing shared or empty) to 1 (same folded words)."""
    return _score(_profile(a), _profile(b))


def rank_similar[K](
    query: str,
    candidates: Iterable[tuple[K, str]],
    *,
    limit: int = 5,
    threshold: float = 0.25,
) -> list[tuple[K, float]]:
    """Return up to `limit` (key, score) pairs scoring at least `threshold`, best first.

    Ties keep the candidates' order. Scores equal similarity(query, text). Each distinct
    candidate text is folded once per call, so duplicates (the same root cause recorded in many
    wards) cost nothing extra.
    """
    wanted = _profile(query)
    if limit <= 0 or not wanted.words:
        return []
    profiles: dict[str, _Profile] = {}
    scored: list[tuple[float, int, K]] = []
    for index, (key, text) in enumerate(candidates):
        profile = profiles.get(text)
        if profile is None:
            profile = profiles[text] = _profile(text)
        score = _score(wanted, profile)
        if score >= threshold:
            scored.append((score, index, key))
    best = heapq.nsmallest(limit, scored, key=lambda item: (-item[0], item[1]))
    return [(key, score) for score, _, key in best]
