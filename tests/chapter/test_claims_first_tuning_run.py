"""The first-tuning-run page's hand-written claims (docs/first-tuning-run.md) hold in the published
results: each test quotes its sentence and checks its direction and size (and, for comparisons,
the uncertainty the runs give it)."""

from __future__ import annotations

import math

from claims import claim

from lesson.stats import sign_test

PAGE = "first-tuning-run.md"


def test_adams_safe_default_never_diverged_but_was_far_too_slow(results):
    safe, adam = results("adam_vs_sgd")["safe"], results("adam_vs_sgd")["optimizers"]["adam"]
    msg = claim(PAGE, "Adam at $3 \\times 10^{-4}$, the \"safe\" start of Andrej Karpathy's recipe for training networks, never diverged here, but after "
                "{{ value: adam_vs_sgd.safe.epochs | d }} epochs it had only reached a validation loss of "
                "{{ value: adam_vs_sgd.safe.val_loss.mean | .2f }}: safe, and far too slow for a short run")
    assert safe["learning_rate"] == 3e-4 and safe["diverged"] == 0, msg
    # far too slow: every seed's loss is more than twice Adam's best mean, and none reached the good band
    assert safe["val_loss"]["min"] > 2 * adam["best_val_loss"] and safe["good_seeds"] == 0, msg


def test_with_early_stopping_weight_decay_helped_only_a_little(results):
    decay = results("weight_decay")
    msg = claim(PAGE, "And with early stopping, weight decay helped only a little on one draw of students and clearly "
                "on others ([weight decay](optimizers.md#decay-sweep)): try it with early stopping on, and check it "
                "over seeds.")
    with_stopping = decay["best_with_early_stopping"]["versus_none"]
    without = decay["best_without_early_stopping"]["versus_none"]
    assert with_stopping["mean"] < 0 and abs(with_stopping["mean"]) < 0.02, msg       # a little on the page's draw
    assert abs(with_stopping["mean"]) < 0.05 * abs(without["mean"]), msg               # next to what it does alone
    assert with_stopping["sign_p"] > 0.05, msg                                          # not settled by these seeds
    others = [d["best_with_early_stopping"]["versus_none"] for d in decay["other_draws"]]
    assert len(others) >= 2, msg
    for other in others:                                                                # clearly on the others
        assert other["a_lower"] == other["n"] >= 5 and other["mean"] < -2 * other["sem"], msg
        assert abs(other["mean"]) > abs(with_stopping["mean"]), msg


def test_the_table_rows_read_the_runs_as_they_are(results):
    batch, sweep = results("batch_lr"), results("lr_sweep")
    msg = claim(PAGE, "measured: batch sizes {{ value: batch_lr.batch_sizes.0 | d }} and "
                "{{ value: batch_lr.batch_sizes.1 | d }} tie at their best learning rates")
    assert abs(batch["best_val_loss"][0] - batch["best_val_loss"][1]) < 0.01, msg
    msg = claim(PAGE, "Tune the learning rate again after changing it: the best one grows with the batch size")
    best = batch["best_learning_rate"]
    assert all(a < b for a, b in zip(best, best[1:])), msg
    msg = claim(PAGE, "measured: best {{ value: lr_sweep.best_learning_rate | .1f }}, near the best from "
                "{{ value: lr_sweep.near_best.learning_rates.0 | .1f }} to {{ value: lr_sweep.near_best.learning_rates.1 | .1f }}")
    low, high = sweep["near_best"]["learning_rates"]
    assert low < sweep["best_learning_rate"] < high, msg


def test_the_recommended_patience_waited_out_the_plateau_in_every_seed(results):
    rule = results("early_stopping")["over_seeds"]["rules"]["plain"][3]
    msg = claim(PAGE, "measured: waited out the plateau in "
                "{{ value: early_stopping.over_seeds.rules.plain.3.past_plateau.successes | d }} of "
                "{{ value: early_stopping.over_seeds.rules.plain.3.past_plateau.trials | d }} seeds")
    assert rule["patience"] == 20 and rule["past_plateau"]["successes"] == rule["past_plateau"]["trials"] >= 5, msg


def test_the_exercise_target_is_wider_than_the_seed_spread_at_adams_best(results):
    adam = results("adam_vs_sgd")["optimizers"]["adam"]
    msg = claim(PAGE, "a final validation loss at most 1.25 times the best mean of the "
                "[Adam sweep](optimizers.md#adam-vs-sgd), a margin wider than the spread between its seeds there.")
    margin = adam["good"]["threshold"] - adam["best_val_loss"]
    seeds = [v for v in adam["final_val_loss_per_seed"][adam["best_index"]] if v is not None]
    assert abs(adam["good"]["threshold"] - 1.25 * adam["best_val_loss"]) < 1e-12, msg
    assert margin > max(seeds) - min(seeds), msg


def test_adams_default_was_below_its_good_band_here(results):
    adam = results("adam_vs_sgd")["optimizers"]["adam"]
    msg = claim(PAGE, "so on this small network the default was too slow for a short run")
    assert adam["good"]["learning_rates"][0] > 1e-3, msg
    index = min(range(len(results("adam_vs_sgd")["learning_rates"])),
                key=lambda i: abs(results("adam_vs_sgd")["learning_rates"][i] - 1e-3))
    assert adam["final_val_loss"][index] > 2 * adam["best_val_loss"], msg


def test_near_the_best_is_the_chapters_one_factor(results):
    msg = claim(PAGE, "\"near the best\" means a mean validation loss at most 1.25 times the best mean.")
    assert results("lr_sweep")["near_best"]["factor"] == 1.25, msg
    assert results("adam_vs_sgd")["config"]["good_factor"] == 1.25, msg


def test_the_weight_decay_row_spans_the_draws_best_decays(results):
    decay = results("weight_decay")
    msg = claim(PAGE, "with early stopping on other draws of students, from "
                "{{ value: weight_decay.other_draws.0.best_with_early_stopping.decay | g }} to "
                "{{ value: weight_decay.other_draws.2.best_with_early_stopping.decay | g }}")
    others = [d["best_with_early_stopping"]["decay"] for d in decay["other_draws"]]
    assert others[0] == min(others) and others[2] == max(others), msg
    # the start's range covers the page's draw and the other draws
    assert decay["best_with_early_stopping"]["decay"] <= min(others), msg


def test_the_rule_for_a_real_difference_is_the_chapters(results):
    """The rule (the chapter's one rule, as on the index page): its statements about the sign test
    hold, and the tuning session's re-runs, which it points to, show the winner's curse."""
    msg = claim(PAGE, "with 6 or more seeds, when the seed-by-seed [sign test](key-concepts.md#sign-test) gives p "
                "below 0.05;")
    assert sign_test(6, 0) < 0.05, msg
    msg = claim(PAGE, "with 5 seeds (too few for the sign test to get below 0.05), when every seed agrees and the mean "
                "difference is about three [standard errors](key-concepts.md#standard-error) or more.")
    assert sign_test(5, 0) > 0.05, msg
    msg = claim(PAGE, "A value picked as the best of several from the same runs flatters itself (the "
                "[winner's curse](tuning-session.md#seeds)): re-run it on new seeds before you believe the gain.")
    curse = results("tuning_session")["replication"]["curse"]
    assert curse["optimistic"] == curse["configs"] >= 10 and curse["sign_p"] < 0.05, msg


def test_the_starting_loss_bar_and_the_fresh_networks(results):
    init, config = results("tuning_session")["initial_loss"], results("tuning_session")["config"]
    msg = claim(PAGE, "More than about twice that means something is off:")
    # no fresh network of the chapter comes near the bar: it flags bugs, not bad luck
    assert init["max"] < 2 * math.log(2) and init["max_over_ln2"] < 1.8, msg
    msg = claim(PAGE, "The {{ value: tuning_session.config.init_seeds | d }} fresh networks of the worked session "
                "started between {{ value: tuning_session.initial_loss.min | .2f }} and "
                "{{ value: tuning_session.initial_loss.max | .2f }}.")
    assert config["init_seeds"] == len(init["measured"]) >= 100, msg
    assert init["min"] == min(init["measured"]) < math.log(2) < init["max"] == max(init["measured"]), msg


def test_the_patience_row_comes_from_short_epochs(results):
    config = results("early_stopping")["config"]
    msg = claim(PAGE, "with epochs of only {{ value: early_stopping.config.n_train | d }} students in mini-batches of "
                "{{ value: early_stopping.config.batch_size | d }}, a few updates each;")
    assert math.ceil(config["n_train"] / config["batch_size"]) <= 5, msg


def test_start_adam_at_the_default_not_lower(results):
    sweep = results("adam_vs_sgd")
    adam, rates = sweep["optimizers"]["adam"], sweep["learning_rates"]
    msg = claim(PAGE, "So start Adam at the default $10^{-3}$, or where a range test points, not lower.")
    at = {rate: min(range(len(rates)), key=lambda i: abs(math.log(rates[i] / rate))) for rate in (1e-3, 3e-4)}
    assert abs(math.log10(rates[at[1e-3]] / 1e-3)) < 0.1 and abs(math.log10(rates[at[3e-4]] / 3e-4)) < 0.1, msg
    # lower is worse here: the loss falls as the rate rises from 3e-4 to 1e-3, and the best is higher still
    assert adam["final_val_loss"][at[3e-4]] > adam["final_val_loss"][at[1e-3]], msg
    assert adam["best_learning_rate"] > 1e-3, msg


def test_the_exercise_explanation_gives_the_best_rate_as_a_multiple(results):
    sweep = results("adam_vs_sgd")
    msg = claim(PAGE, "The best, {{ value: adam_vs_sgd.optimizers.adam.best_learning_rate | .2g }}, is about "
                "{{ value: adam_vs_sgd.safe.below_best | .0f }} times Karpathy's safe start, "
                "{{ value: adam_vs_sgd.config.safe_learning_rate | g }}.")
    best, safe = sweep["optimizers"]["adam"]["best_learning_rate"], sweep["config"]["safe_learning_rate"]
    assert math.isclose(sweep["safe"]["below_best"], best / safe, rel_tol=1e-9) and best / safe > 10, msg
