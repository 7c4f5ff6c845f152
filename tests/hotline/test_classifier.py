"""The dispatch classifier on hand-written tickets: its exact answer, and the words why."""

import pytest

from tongban.hotline import classifier, dataset


@pytest.mark.parametrize(
    ("text", "category", "word"),
    [
        ("侬好，阿拉楼下KTV唱到半夜两点，吵得困不着觉", "env-noise", "吵"),
        ("小区门口那个卖煎饼的摊头天天占着人行道", "city-vending", "人行道"),
        ("老板欠了阿拉三个月工资一直不发", "social-wage", "工资"),
        ("电梯又坏了，上礼拜还困了人", "housing-elevator", "电梯"),
        ("那路公交车等了一个钟头也不来", "traffic-bus", "公交"),
    ],
)
def test_exact_prediction_and_the_deciding_word(text, category, word):
    found = classifier.suggest(text)
    assert found.categories[0][0] == category
    assert any(word in reason for reason in found.reasons), found.reasons


def test_departments_are_the_lists_answer_summed_over_categories():
    ranked = classifier.rank_departments(
        [("env-noise", 0.6), ("env-air", 0.3), ("traffic-bus", 0.1)],
        lambda c: {"env-noise": "hbj", "env-air": "hbj", "traffic-bus": "jtw"}[c],
    )
    assert [(d, round(p, 2)) for d, p in ranked] == [("hbj", 0.9), ("jtw", 0.1)]


def test_the_held_out_set_is_separate_and_large_enough():
    train, test = dataset.load("train"), dataset.load("test")
    assert len(train) >= 3000 and len(test) >= 500
    assert not {r["text"] for r in train} & {r["text"] for r in test}
    assert {r["category"] for r in test} == {leaf["code"] for leaf in dataset.leaves()}


def test_keyword_baseline_counts_keywords():
    baseline = classifier.KeywordBaseline(dataset.load("train"))
    assert baseline.rank("物业不管，物业费还涨")[0][0] == "housing-property"


@pytest.mark.django_db
def test_train_command_writes_the_model_under_tongban_home(settings, tmp_path):
    from django.core.management import call_command

    settings.TONGBAN_HOME = tmp_path
    call_command("hotline", "train")
    assert (tmp_path / "hotline" / "dispatch-model.joblib").stat().st_size > 100_000
    assert classifier.suggest("电梯又困人了").categories[0][0] == "housing-elevator"
    classifier.current.cache_clear()


def test_a_suggestion_is_the_pipelines_own_prediction_and_explanation():
    """``suggest`` transforms the text once for both: what it says is exactly what the pipeline
    predicts and ``explain`` finds for the first category."""
    text = "小区楼下工地半夜还在施工，电钻声吵得睡不着"
    pipeline = classifier.current().pipeline
    found = classifier.suggest(text, top=3)
    probabilities = pipeline.predict_proba([text])[0]
    classes = list(pipeline.named_steps["model"].classes_)
    assert [c for c, _p in found.categories] == [
        classes[i] for i in probabilities.argsort()[::-1][:3]
    ]
    assert [p for _c, p in found.categories] == sorted(probabilities, reverse=True)[:3]
    assert found.reasons == classifier.explain(pipeline, text, found.categories[0][0])
    assert found.categories[0][0] == "env-noise"
    assert found.reasons == ["睡不着", "半夜", "吵得", "电钻", "夜还"]
