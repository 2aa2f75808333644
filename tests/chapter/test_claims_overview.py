"""The overview's hand-written comparisons (docs/index.md) hold in the published results."""

from __future__ import annotations

from claims import claim


def test_bad_settings_score_below_always_answering_fail(results):
    measured, data = results("bad_vs_good"), results("dataset")
    msg = claim("index.md", "That is worse than a rule that needs no network at all: only "
                "{{ value: dataset.test_base_rate | .1% }} of the test students passed, so answering "
                "\"fail\" for everyone is right {{ value: bad_vs_good.test_always_fail_acc | .1% }} of the time.")
    always_fail = measured["test_always_fail_acc"]
    assert abs(always_fail - (1 - data["test_base_rate"])) < 1e-12, msg
    assert always_fail - measured["bad"]["mean_test_acc"] > 0.01, msg
    assert measured["good"]["mean_test_acc"] - always_fail > 0.2, msg


def test_bad_networks_are_essentially_untrained(results):
    bad = results("bad_vs_good")["bad"]
    msg = claim("index.md", "The badly set-up networks are essentially untrained: with steps that small, "
                "{{ value: bad_vs_good.bad.epochs | d }} epochs changed their validation loss by at most "
                "{{ value: bad_vs_good.bad.max_val_loss_change | .3f }}, so each one still gives roughly the answers "
                "of its random starting weights, and its test accuracy is whatever those happen to give: from "
                "{{ value: bad_vs_good.bad.min_test_acc | .1% }} to {{ value: bad_vs_good.bad.max_test_acc | .1% }} "
                "across the {{ value: bad_vs_good.config.seeds | d }} seeds.")
    assert bad["max_val_loss_change"] < 0.02, msg
    # accuracy at the end is within a few points of the untrained network's, seed by seed
    assert max(abs(a - b) for a, b in zip(bad["val_acc"], bad["initial_val_acc"])) <= 0.03, msg
    assert bad["max_test_acc"] - bad["min_test_acc"] > 0.3, msg


def test_even_the_true_rule_is_wrong_about_some_students(results):
    msg = claim("index.md", "Because of the flipped labels, even the true rule behind the data is right about only "
                "{{ value: dataset.rule_val_accuracy | .0% }} of the validation students: roughly the best any model "
                "can hope for.")
    data, good = results("dataset"), results("bad_vs_good")["good"]
    assert 0.85 < data["rule_val_accuracy"] < 1, msg
    assert good["mean_val_acc"] <= data["rule_val_accuracy"] + 0.03, msg
