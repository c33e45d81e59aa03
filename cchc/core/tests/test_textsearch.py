import pytest

from cchc.core.textsearch import STOP_WORDS, fold, folded_key, rank_similar, similarity, tokens

ROOT_CAUSES = [
    "Kinh phí còn hạn hẹp",
    "Nguồn kinh phí còn khó khăn",
    "Thiếu cán bộ chuyên trách",
    "Cán bộ kiêm nhiệm nhiều việc",
    "Lãnh đạo chưa quan tâm đúng mức",
    "Cơ sở vật chất, trang thiết bị còn thiếu",
]

PROPAGANDA = "Hình thức tuyên truyền cải cách hành chính chưa phong phú"
INCOME = (
    "do kinh phí còn khó khăn nên việc chi thu nhập tăng thêm cho cán bộ, công chức vẫn chưa nhiều"
)
LATE = "tỷ lệ trễ hạn văn bản trên phần mềm còn xảy ra"
ISO = "việc triển khai duy trì Hệ thống quản lý chất lượng theo TCVN ISO 9001:2015 vẫn còn chậm"
DECREE = "sắp xếp đội ngũ cán bộ, công chức theo Nghị định 34/2019/NĐ-CP gặp khó khăn"
SHORTCOMINGS = [PROPAGANDA, INCOME, LATE, ISO, DECREE]


def keyed(texts):
    return [(f"key-{i}", text) for i, text in enumerate(texts)]


def best(query, texts, **kwargs):
    ranked = rank_similar(query, keyed(texts), **kwargs)
    return texts[int(ranked[0][0].removeprefix("key-"))] if ranked else None


# fold / folded_key


def test_fold_strips_marks_case_and_punctuation():
    assert fold("Đường Trần Phú, Hà Tĩnh!") == "duong tran phu ha tinh"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Ưu tiên ĐẦU TƯ cơ sở", "uu tien dau tu co so"),
        ("ăn ân ơn ưng", "an an on ung"),
        ("TCVN ISO 9001:2015", "tcvn iso 9001 2015"),
        ("Nghị định 34/2019/NĐ-CP", "nghi dinh 34 2019 nd cp"),
        ("  hạn\tchế \n\u00a0 (tồn tại) ", "han che ton tai"),
        ("hoà / hòa", "hoa hoa"),  # old and new tone placement
        ("ho\u0300a", "hoa"),  # already decomposed input
        ("snake_case-word", "snake case word"),
        ("", ""),
        ("?!., ;", ""),
    ],
)
def test_fold_cases(text, folded):
    assert fold(text) == folded


def test_fold_is_idempotent_and_folded_key_matches_it():
    for text in [*ROOT_CAUSES, *SHORTCOMINGS]:
        assert fold(fold(text)) == fold(text)
        assert folded_key(text) == fold(text)


# tokens


def test_tokens_drop_filler_but_keep_negation():
    assert tokens("Kinh phí còn hạn hẹp") == ["kinh", "phi", "han", "hep"]
    assert tokens(PROPAGANDA)[-3:] == ["chua", "phong", "phu"]
    assert "khong" in tokens("Lãnh đạo không quan tâm")
    assert "thieu" in tokens("Cơ sở vật chất còn thiếu")


def test_tokens_drop_filler_phrases_whole():
    assert tokens("Tuy nhiên, một số văn bản vẫn chưa được xử lý") == [
        "van",
        "ban",
        "chua",
        "xu",
        "ly",
    ]
    assert tokens("công tác tuyên truyền hiện nay") == ["tuyen", "truyen"]


def test_tokens_keep_words_that_fold_onto_content_words():
    # "đa dạng", "số hóa", "thiết bị", "cơ sở", "chú trọng" must survive folding.
    assert tokens("chưa đa dạng") == ["chua", "da", "dang"]
    assert tokens("số hóa hồ sơ") == ["so", "hoa", "ho", "so"]
    assert tokens("thiết bị cơ sở chưa chú trọng") == [
        "thiet",
        "bi",
        "co",
        "so",
        "chua",
        "chu",
        "trong",
    ]
    # "văn" stays, "vẫn" before an adverb goes.
    assert tokens("văn bản vẫn còn chậm") == ["van", "ban", "cham"]


def test_stop_words_are_folded_and_exclude_meaningful_words():
    assert all(word == fold(word) for word in STOP_WORDS)
    assert {"va", "cac", "cua", "con", "duoc"} <= STOP_WORDS
    assert not {"chua", "khong", "thieu", "cham", "da", "so", "trong", "van"} & STOP_WORDS


def test_tokens_of_empty_or_filler_only_text():
    assert tokens("") == []
    assert tokens("và các của") == []


# similarity


@pytest.mark.parametrize("text", [*ROOT_CAUSES, *SHORTCOMINGS, "và các"])
def test_a_text_is_fully_similar_to_itself(text):
    assert similarity(text, text) == pytest.approx(1.0)


def test_diacritics_case_and_punctuation_do_not_matter():
    assert similarity("KINH PHÍ: CÒN HẠN HẸP!!", "kinh phi con han hep") == pytest.approx(1.0)
    assert similarity("kinh phi han hep", "Kinh phí còn hạn hẹp") == pytest.approx(1.0)


def test_similarity_is_symmetric_and_bounded():
    texts = [*ROOT_CAUSES, *SHORTCOMINGS]
    for a in texts:
        for b in texts:
            score = similarity(a, b)
            assert 0.0 <= score <= 1.0
            assert score == pytest.approx(similarity(b, a))


def test_near_identical_phrases_score_high():
    assert similarity("han hep kinh phi", "Kinh phí còn hạn hẹp") > 0.8  # word order
    assert similarity("kinh phi han hepp", "Kinh phí còn hạn hẹp") > 0.7  # typo
    assert similarity("Kinh phí còn hạn hẹp", "Kinh phí hạn hẹp, chưa đáp ứng yêu cầu") > 0.7
    assert similarity("tuyentruyen chua phong phu", PROPAGANDA) > 0.5  # missing space


def test_related_beats_unrelated():
    assert similarity("Kinh phí còn hạn hẹp", "Nguồn kinh phí còn khó khăn") > similarity(
        "Kinh phí còn hạn hẹp", "Thiếu cán bộ chuyên trách"
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kinh phí còn hạn hẹp", "Thiếu cán bộ chuyên trách"),
        ("Kinh phí còn hạn hẹp", LATE),  # shares only the syllable "han" (hạn)
        ("Lãnh đạo chưa quan tâm đúng mức", ISO),
        ("Cơ sở vật chất, trang thiết bị còn thiếu", PROPAGANDA),
        (PROPAGANDA, LATE),
    ],
)
def test_unrelated_pairs_score_below_the_default_threshold(a, b):
    assert similarity(a, b) < 0.25


@pytest.mark.parametrize(
    ("a", "b"), [("", ""), ("", "Kinh phí"), ("Kinh phí", ""), ("  ", "!?"), ("", "và")]
)
def test_empty_text_scores_zero(a, b):
    assert similarity(a, b) == 0.0


# rank_similar


def test_unaccented_query_finds_the_root_cause_first():
    ranked = rank_similar("kinh phi han hep", keyed(ROOT_CAUSES))
    assert ranked[0][0] == "key-0"
    assert ranked[0][1] == pytest.approx(1.0)
    assert [key for key, _ in ranked[:2]] == ["key-0", "key-1"]  # funding before staffing


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("thieu can bo", "Thiếu cán bộ chuyên trách"),
        ("lanh dao chua quan tam", "Lãnh đạo chưa quan tâm đúng mức"),
        ("trang thiet bi thieu", "Cơ sở vật chất, trang thiết bị còn thiếu"),
    ],
)
def test_other_root_causes_are_found_without_diacritics(query, expected):
    assert best(query, ROOT_CAUSES) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tuyen truyen chua phong phu", PROPAGANDA),
        ("ISO cham", ISO),
        ("van ban tre han", LATE),
        ("nghi dinh 34", DECREE),
        ("chi thu nhap tang them", INCOME),
    ],
)
def test_short_queries_find_the_shortcoming_first(query, expected):
    assert best(query, SHORTCOMINGS) == expected


def test_a_shortcoming_suggests_its_root_cause():
    assert best(INCOME, ROOT_CAUSES) == "Nguồn kinh phí còn khó khăn"


def test_scores_equal_similarity_and_are_sorted():
    ranked = rank_similar("kinh phi kho khan", keyed(ROOT_CAUSES + SHORTCOMINGS), threshold=0)
    texts = dict(keyed(ROOT_CAUSES + SHORTCOMINGS))
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True)
    for key, score in ranked:
        assert score == pytest.approx(similarity("kinh phi kho khan", texts[key]))


def test_limit_and_threshold_are_respected():
    candidates = keyed(ROOT_CAUSES)
    assert len(rank_similar("kinh phi", candidates, limit=1)) == 1
    assert len(rank_similar("can bo", candidates, threshold=0, limit=3)) == 3
    assert len(rank_similar("can bo", candidates, threshold=0, limit=100)) == len(ROOT_CAUSES)
    assert rank_similar("kinh phi", candidates, limit=0) == []
    high = rank_similar("kinh phi han hep", candidates, threshold=0.9)
    assert [key for key, _ in high] == ["key-0"]
    assert all(score >= 0.25 for _, score in rank_similar("can bo", candidates, limit=10))
    assert rank_similar("kinh phi han hep", candidates, threshold=1.01) == []


def test_ties_keep_the_original_order_and_keys_are_returned_as_given():
    candidates = [(("ward", 3), "Kinh phí còn hạn hẹp"), (7, "kinh phi con han hep"), (None, "x")]
    ranked = rank_similar("kinh phí hạn hẹp", candidates)
    assert [key for key, _ in ranked] == [("ward", 3), 7]
    assert ranked[0][1] == ranked[1][1]


def test_candidates_may_be_a_one_shot_iterator():
    ranked = rank_similar("ISO cham", ((i, t) for i, t in enumerate(SHORTCOMINGS)))
    assert ranked[0][0] == SHORTCOMINGS.index(ISO)


def test_empty_inputs_do_not_crash():
    assert rank_similar("", keyed(ROOT_CAUSES)) == []
    assert rank_similar("  !? ", keyed(ROOT_CAUSES)) == []
    assert rank_similar("kinh phi", []) == []
    assert rank_similar("kinh phi", [(1, ""), (2, "   ")], threshold=0) == [(1, 0.0), (2, 0.0)]


def test_ranks_thousands_of_candidates():
    words = fold(" ".join([*ROOT_CAUSES, *SHORTCOMINGS])).split()
    candidates = [
        (i, " ".join(words[(i * 7 + j * 13) % len(words)] for j in range(4 + i % 17)))
        for i in range(5000)
    ]
    candidates.insert(2500, ("needle", "Kinh phí còn hạn hẹp"))
    ranked = rank_similar("kinh phi han hep", candidates, limit=10)
    assert len(ranked) == 10
    assert ranked[0] == ("needle", pytest.approx(1.0))
    assert all(score >= 0.25 for _, score in ranked)
