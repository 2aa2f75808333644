"""The learning-curves page's hand-written comparisons (docs/learning-curves.md) hold in the
published results: each test quotes its sentence and checks its direction and size."""

from __future__ import annotations

import math

from claims import claim

PAGE = "learning-curves.md"


def cases(results) -> dict:
    return {case["label"]: case for case in results("diagnosis")["cases"]}


def test_underfitting_levels_off_early_high_and_close(results):
    under, good = cases(results)["underfit"], cases(results)["good fit"]
    msg = claim(PAGE, "**Underfitting.** Both curves drop in the first few epochs, then level off early and high, "
                "close to each other.")
    assert abs(under["val_loss"][10] - under["final_val_loss"]) < 0.02, msg
    assert under["final_val_loss"] > 2 * good["final_val_loss"], msg
    assert abs(under["final_val_loss"] - under["final_train_loss"]) < 0.05, msg
    msg = claim(PAGE, "its validation loss never gets below {{ value: diagnosis.cases.0.min_val_loss | .3f }}.")
    assert under["min_val_loss"] > 3 * good["min_val_loss"], msg


def test_good_fit_falls_quickly_and_levels_off_low_and_close(results):
    good = cases(results)["good fit"]
    msg = claim(PAGE, "**Good fit.** Both curves fall quickly and level off low and close together: at the end the "
                "validation loss is {{ value: diagnosis.cases.1.final_val_loss | .2f }} and the training loss "
                "{{ value: diagnosis.cases.1.final_train_loss | .2f }} (the validation loss was lowest, "
                "{{ value: diagnosis.cases.1.min_val_loss | .2f }}, at epoch {{ value: diagnosis.cases.1.best_epoch | d }}).")
    assert good["val_loss"][20] < good["initial_train_loss"] / 3, msg
    assert good["min_val_loss"] < 0.2 and abs(good["final_val_loss"] - good["final_train_loss"]) < 0.05, msg
    assert good["final_val_loss"] < 0.2 and good["min_val_loss"] <= good["final_val_loss"], msg


def test_overfitting_uses_momentum_and_drifts_back_up(results):
    all_cases = cases(results)
    over = all_cases["overfit"]
    msg = claim(PAGE, "trained with momentum {{ value: diagnosis.cases.2.momentum | g }} (the only case here that uses "
                "it: it lets the steps grow up to ten times the learning rate, so the memorising happens within the run).")
    assert [label for label, case in all_cases.items() if case["momentum"]] == ["overfit"], msg
    assert math.isclose(1 / (1 - over["momentum"]), 10), msg
    msg = claim(PAGE, "The training loss keeps falling, but the validation loss stops improving at epoch "
                "{{ value: diagnosis.cases.2.best_epoch | d }} ({{ value: diagnosis.cases.2.min_val_loss | .2f }}) and "
                "drifts back up, to {{ value: diagnosis.cases.2.final_val_loss | .2f }} at the end, while the training "
                "loss ends at {{ value: diagnosis.cases.2.final_train_loss | .2f }}.")
    best = over["best_epoch"]
    assert over["final_val_loss"] > over["min_val_loss"] + 0.03, msg
    assert over["final_train_loss"] < over["train_loss"][best] - 0.03, msg
    msg = claim(PAGE, "The gap between the curves keeps widening.")
    gap = [v - t for t, v in zip(over["train_loss"], over["val_loss"])]
    middle = (best + len(gap) - 1) // 2
    assert gap[best] < gap[middle] < gap[-1] and gap[-1] > gap[best] + 0.05, msg


def test_diverging_jumps_up_and_stays_above_the_start(results):
    diverging = cases(results)["diverging"]
    msg = claim(PAGE, "the loss jumps *up* at the first step and then thrashes around far above where it started")
    start = diverging["initial_train_loss"]
    assert diverging["train_loss"][1] > 5 * start, msg
    after = sorted(v for v in diverging["train_loss"][1:] if v is not None)
    assert after[0] > start and after[len(after) // 2] > 3 * start, msg  # never back to the start; typically far above


def test_too_slow_is_still_falling_and_close_to_underfitting_in_numbers(results):
    slow, under = cases(results)["too slow"], cases(results)["underfit"]
    msg = claim(PAGE, "both curves fall, but so gently that training ends long before they level off")
    assert slow["best_epoch"] == len(slow["val_loss"]) - 1, msg
    assert slow["val_loss"][-51] - slow["val_loss"][-1] > 0.01, msg
    msg = claim(PAGE, "Compare it with the underfitting panel: the numbers are similar, but the *shape* is not.")
    assert abs(slow["final_val_loss"] - under["final_val_loss"]) < 0.05, msg
    # the shape: the slow run is best at its last epoch, the underfitting one long before it
    assert under["best_epoch"] < (len(under["val_loss"]) - 1) / 2 < slow["best_epoch"], msg


def test_starting_loss_is_close_to_the_know_nothing_losses(results):
    data, good = results("dataset"), cases(results)["good fit"]
    msg = claim(PAGE, "So the first loss should be close to these: the good-fit run above starts at "
                "{{ value: diagnosis.cases.1.initial_train_loss | .3f }}.")
    assert abs(good["initial_train_loss"] - data["initial_loss_zero_bias"]) < 0.05, msg
    assert abs(good["initial_train_loss"] - data["initial_loss_base_rate"]) < 0.05, msg
    assert data["initial_loss_base_rate"] < data["initial_loss_zero_bias"], msg
    initial = results("tuning_session")["initial_loss"]
    msg = claim(PAGE, "Individual fresh networks scatter around them: over "
                "{{ value: tuning_session.config.init_seeds | d }} seeds of the [tuning session](tuning-session.md#initial-loss)'s "
                "network, the first loss ranged from {{ value: tuning_session.initial_loss.min | .2f }} to "
                "{{ value: tuning_session.initial_loss.max | .2f }}.")
    ln2 = math.log(2)
    assert initial["min"] < ln2 < initial["max"], msg
    assert len(initial["measured"]) == results("tuning_session")["config"]["init_seeds"], msg
    msg = claim(PAGE, "A starting loss several times $\\ln 2$ (above 2 or 3, say) means a bug")
    # every healthy fresh network stays below the threshold the tip gives
    assert initial["max"] < 2 and initial["max"] < 2 * ln2, msg


def test_momentum_reaches_its_best_much_earlier(results):
    stopping = results("early_stopping")
    msg = claim(PAGE, "lowest validation loss at epoch {{ value: early_stopping.full_run.best_epoch | d }} with momentum "
                "{{ value: early_stopping.config.momentum | g }} and at epoch "
                "{{ value: early_stopping.no_momentum.best_epoch | d }} without.")
    assert stopping["full_run"]["best_epoch"] < stopping["no_momentum"]["best_epoch"] / 2, msg
    assert stopping["full_run"]["final_val_loss"] > stopping["full_run"]["min_val_loss"] + 0.1, msg
    msg = claim(PAGE, "Neither best is much better than the other ({{ value: early_stopping.full_run.min_val_loss | .3f }} "
                "against {{ value: early_stopping.no_momentum.min_val_loss | .3f }})")
    assert abs(stopping["full_run"]["min_val_loss"] - stopping["no_momentum"]["min_val_loss"]) < 0.03, msg


def test_the_figure_question_answer(results):
    over = cases(results)["overfit"]
    msg = claim(PAGE, "After that the training loss keeps falling but the validation loss rises, ending at "
                "{{ value: diagnosis.cases.2.final_val_loss | .2f }} after {{ value: diagnosis.config.epochs | d }} epochs")
    assert over["final_val_loss"] > over["min_val_loss"] + 0.03, msg
    assert over["final_train_loss"] < over["train_loss"][over["best_epoch"]], msg


def test_the_rate_cases_use_the_good_fits_network(results):
    all_cases = cases(results)
    good = all_cases["good fit"]
    msg = claim(PAGE, "The other two shapes come from the learning rate, with the same network as the good fit.")
    for label in ("diverging", "too slow"):
        case = all_cases[label]
        assert (case["hidden"], case["n_train"], case["batch_size"], case["momentum"]) == (
            good["hidden"], good["n_train"], good["batch_size"], good["momentum"]), msg
        assert case["learning_rate"] != good["learning_rate"], msg
