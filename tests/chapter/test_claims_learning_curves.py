"""The learning-curves page's hand-written comparisons (docs/learning-curves.md) hold in the
published results: each test quotes its sentence and checks its direction and size."""

from __future__ import annotations

import math

from claims import claim

PAGE = "learning-curves.md"


def cases(results) -> dict:
    return {case["label"]: case for case in results("diagnosis")["cases"]}


def test_every_case_is_trained_over_several_seeds(results):
    diagnosis = results("diagnosis")
    msg = claim(PAGE, "Each case was trained with {{ value: diagnosis.config.seeds | d }} seeds (different starting "
                "weights and batch orders); the panels show the first, and what the text says of a shape holds for all "
                "of them.")
    assert diagnosis["config"]["seeds"] >= 5 and diagnosis["seeds"][0] == diagnosis["config"]["seed"], msg
    assert all(case["over_seeds"]["seeds"] == diagnosis["config"]["seeds"] for case in diagnosis["cases"]), msg


def test_underfitting_levels_off_early_high_and_close(results):
    under, good = cases(results)["underfit"], cases(results)["good fit"]
    msg = claim(PAGE, "**Underfitting.** Both curves drop in the first few epochs, then level off early and high, "
                "close to each other.")
    assert abs(under["val_loss"][10] - under["final_val_loss"]) < 0.02, msg
    assert under["final_val_loss"] > 2 * good["final_val_loss"], msg
    assert abs(under["final_val_loss"] - under["final_train_loss"]) < 0.05, msg
    spread = under["over_seeds"]
    assert spread["final_val_loss"]["min"] > 2 * good["over_seeds"]["final_val_loss"]["max"], msg
    msg = claim(PAGE, "its validation loss never gets below {{ value: diagnosis.cases.0.over_seeds.min_val_loss.min | .3f }} "
                "in any seed.")
    # the quoted (rounded) floor is not above any seed's lowest loss, and far above the good fit's
    assert round(spread["min_val_loss"]["min"], 3) <= spread["min_val_loss"]["min"], msg
    assert spread["min_val_loss"]["min"] > 3 * good["over_seeds"]["min_val_loss"]["max"], msg


def test_good_fit_levels_off_low_and_stays_there_in_every_seed(results):
    good = cases(results)["good fit"]
    spread = good["over_seeds"]
    msg = claim(PAGE, "**Good fit.** Both curves fall and level off low and close together.")
    assert good["val_loss"][50] < good["initial_train_loss"] / 3, msg
    assert spread["min_val_loss"]["max"] < 0.2 and spread["final_val_loss"]["max"] < 0.2, msg
    assert abs(good["final_val_loss"] - good["final_train_loss"]) < 0.05, msg
    assert abs(spread["final_val_loss"]["mean"] - spread["final_train_loss"]["mean"]) < 0.05, msg
    msg = claim(PAGE, "The validation loss is still close to its lowest at the end: in every seed, the last epoch is within "
                "{{ value: diagnosis.cases.1.over_seeds.final_minus_min.max | .3f }} of the best one. Nothing to fix.")
    # the quoted bound is the largest seed's (to the printed digit), and small next to the loss itself
    assert spread["final_minus_min"]["max"] < round(spread["final_minus_min"]["max"], 3) + 0.0005, msg
    assert spread["final_minus_min"]["max"] < 0.015 and spread["final_minus_min"]["max"] < 0.1 * spread["min_val_loss"]["min"], msg
    # no late climb: in no seed is the last quarter's validation loss above the second quarter's
    assert spread["late_val_rises"]["successes"] == 0 and spread["late_val_change"]["max"] < 0, msg
    assert spread["best_epoch"]["min"] > 0.6 * (len(good["val_loss"]) - 1), msg


def test_the_same_network_at_the_sweeps_rate_overfits_mildly(results):
    all_cases, sweep, diagnosis = cases(results), results("lr_sweep"), results("diagnosis")
    good, mild, over = all_cases["good fit"], all_cases["mild overfit"], all_cases["overfit"]
    msg = claim(PAGE, "found a larger rate best, {{ value: lr_sweep.best_learning_rate | .2g }}, but for a budget of "
                "{{ value: lr_sweep.config.epochs | d }} epochs.")
    assert sweep["config"]["epochs"] < diagnosis["config"]["epochs"] / 4, msg
    assert sweep["best_learning_rate"] > good["learning_rate"], msg
    msg = claim(PAGE, "closer to the sweep's best, gets low sooner")
    best = sweep["best_learning_rate"]
    assert abs(math.log(mild["learning_rate"] / best)) < abs(math.log(good["learning_rate"] / best)), msg
    assert (mild["hidden"], mild["n_train"], mild["batch_size"], mild["momentum"]) == (
        good["hidden"], good["n_train"], good["batch_size"], good["momentum"]), msg
    assert good["learning_rate"] < mild["learning_rate"], msg
    g, m = good["over_seeds"], mild["over_seeds"]
    msg = claim(PAGE, "gets low sooner (its validation loss is lowest around epoch "
                "{{ value: diagnosis.cases.5.over_seeds.best_epoch.mean | .0f }} on average over the seeds), and then "
                "creeps back up while its training loss keeps falling slowly")
    assert m["best_epoch"]["mean"] < g["best_epoch"]["min"], msg
    # its training loss keeps falling past the best epoch (the panel's seed), and ends lower than the good fit's on average
    assert mild["final_train_loss"] < mild["train_loss"][mild["best_epoch"]] - 0.005, msg
    assert m["final_train_loss"]["mean"] < g["final_train_loss"]["mean"], msg
    msg = claim(PAGE, "at the last epoch it is {{ value: diagnosis.cases.5.over_seeds.final_minus_min.min | .3f }} to "
                "{{ value: diagnosis.cases.5.over_seeds.final_minus_min.max | .3f }} above its lowest point, and its "
                "average over the last quarter of the run is higher than over the second quarter in "
                "{{ value: diagnosis.cases.5.over_seeds.late_val_rises.successes | d }} of "
                "{{ value: diagnosis.cases.5.over_seeds.late_val_rises.trials | d }} seeds.")
    # it creeps back up, the good fit does not: a late rise in most seeds against none, and on average
    # several times the good fit's distance from its lowest point
    assert m["final_minus_min"]["mean"] > 3 * g["final_minus_min"]["mean"], msg
    assert m["final_minus_min"]["min"] > g["final_minus_min"]["mean"], msg
    assert m["late_val_rises"]["successes"] >= 0.8 * m["late_val_rises"]["trials"], msg
    assert g["late_val_rises"]["successes"] == 0, msg
    msg = claim(PAGE, "Its size is what tells you how much it matters: "
                "{{ value: diagnosis.cases.5.over_seeds.final_minus_min.mean | .3f }} on average here, against "
                "{{ value: diagnosis.cases.2.over_seeds.final_minus_min.mean | .2f }} in the overfitting panel.")
    assert 0.01 <= m["final_minus_min"]["mean"] and m["final_minus_min"]["max"] < 0.05, msg
    # an order of magnitude apart on average, and every overfitting seed above every mild one
    assert over["over_seeds"]["final_minus_min"]["mean"] > 5 * m["final_minus_min"]["mean"], msg
    assert over["over_seeds"]["final_minus_min"]["min"] > m["final_minus_min"]["max"], msg


def test_overfitting_drifts_back_up_in_every_seed(results):
    over = cases(results)["overfit"]
    spread = over["over_seeds"]
    msg = claim(PAGE, "The training loss keeps falling, but the validation loss stops improving (here at epoch "
                "{{ value: diagnosis.cases.2.best_epoch | d }}) and drifts back up.")
    best = over["best_epoch"]
    assert over["final_val_loss"] > over["min_val_loss"] + 0.03, msg
    assert over["final_train_loss"] < over["train_loss"][best] - 0.03, msg
    msg = claim(PAGE, "The gap between the curves keeps widening.")
    gap = [v - t for t, v in zip(over["train_loss"], over["val_loss"])]
    middle = (best + len(gap) - 1) // 2
    assert gap[best] < gap[middle] < gap[-1] and gap[-1] > gap[best] + 0.05, msg
    msg = claim(PAGE, "Every seed does this; this one, ending {{ value: diagnosis.cases.2.over_seeds.final_minus_min.min | .2f }} "
                "above its lowest point, is the mildest of them.")
    assert spread["late_val_rises"]["successes"] == spread["seeds"], msg
    assert spread["final_minus_min"]["min"] > 0.03, msg
    assert math.isclose(spread["final_minus_min"]["min"], over["final_val_loss"] - over["min_val_loss"]), msg
    assert spread["final_train_loss"]["max"] < spread["min_val_loss"]["min"], msg
    msg = claim(PAGE, "the seed changes *when* the curve turns, not *whether* it does.")
    assert spread["best_epoch"]["max"] - spread["best_epoch"]["min"] > 50, msg


def test_overfitting_uses_a_deliberately_large_step_and_rises_first(results):
    all_cases, stopping = cases(results), results("early_stopping")
    over = all_cases["overfit"]
    msg = claim(PAGE, "This run is trained with [momentum](key-concepts.md#momentum) $\\beta =$ "
                "{{ value: diagnosis.cases.2.momentum | g }} (the only case here "
                "that uses it), which makes each step up to ten times the learning rate: deliberately too large, so that "
                "the memorising happens within the run.")
    assert [label for label, case in all_cases.items() if case["momentum"]] == ["overfit"], msg
    assert math.isclose(1 / (1 - over["momentum"]), 10), msg
    msg = claim(PAGE, "It shows in the first epochs, where the loss briefly *rises* before it falls: the first row of the "
                "[diagnosis table](#diagnosis-table), in a mild form.")
    # seed 0 (the panel): the training loss climbs after epoch 1, and is lower again within 10 epochs
    assert max(over["train_loss"][2:5]) > over["train_loss"][1] + 0.02, msg
    assert min(over["train_loss"][5:10]) < over["train_loss"][1], msg
    # every seed of the same run (the early-stopping page trains 12)
    assert stopping["over_seeds"]["train_rises"]["successes"] == stopping["over_seeds"]["seeds"], msg
    assert stopping["val_loss"][:len(over["val_loss"])] == over["val_loss"], msg


def test_diverging_jumps_up_and_stays_above_the_start_in_every_seed(results):
    diverging = cases(results)["diverging"]
    msg = claim(PAGE, "the loss jumps *up* at the first step and then thrashes around far above where it started.")
    start = diverging["initial_train_loss"]
    assert diverging["train_loss"][1] > 5 * start, msg
    after = sorted(v for v in diverging["train_loss"][1:] if v is not None)
    assert after[0] > start and after[len(after) // 2] > 3 * start, msg  # never back to the start; typically far above
    msg = claim(PAGE, "It does so in every seed.")
    spread = diverging["over_seeds"]
    assert spread["first_epoch_up"] == spread["ends_above_start"] == spread["seeds"], msg
    assert spread["final_train_loss"]["min"] > 1.5 * start, msg


def test_too_slow_is_still_falling_in_all_but_one_seed_and_close_to_underfitting_in_numbers(results):
    slow, under = cases(results)["too slow"], cases(results)["underfit"]
    n = results("diagnosis")["config"]["seeds"]
    msg = claim(PAGE, "both curves fall, but so gently that training ends long before they level off: in "
                "{{ value: diagnosis.cases.4.over_seeds.best_at_last_epoch | d }} of the "
                "{{ value: diagnosis.config.seeds | d }} seeds the validation loss is lowest at the last epoch.")
    assert slow["best_epoch"] == len(slow["val_loss"]) - 1, msg  # the panel's seed
    assert slow["val_loss"][-51] - slow["val_loss"][-1] > 0.01, msg
    assert slow["over_seeds"]["best_at_last_epoch"] >= 0.9 * n, msg
    assert slow["over_seeds"]["late_val_change"]["mean"] < -0.02, msg
    msg = claim(PAGE, "Compare it with the underfitting panel: the numbers are similar, but the *shape* is not.")
    assert abs(slow["final_val_loss"] - under["final_val_loss"]) < 0.05, msg
    assert abs(slow["over_seeds"]["final_val_loss"]["mean"] - under["over_seeds"]["final_val_loss"]["mean"]) < 0.05, msg
    # the shape: the slow run is best at its last epoch, the underfitting one long before it
    assert under["best_epoch"] < (len(under["val_loss"]) - 1) / 2 < slow["best_epoch"], msg
    assert under["over_seeds"]["best_at_last_epoch"] == 0, msg
    msg = claim(PAGE, "In the remaining seed, though, the slow run's validation loss stopped improving at epoch "
                "{{ value: diagnosis.cases.4.over_seeds.best_epoch.min | .0f }} and stayed flat: from the validation curve alone "
                "you would diagnose underfitting.")
    # exactly one seed is not lowest at the end; it stopped improving by about the middle of the run and
    # then stayed flat (some seed's late change is no clear fall), not far from the one-neuron network's level
    assert slow["over_seeds"]["best_at_last_epoch"] == n - 1, msg
    assert slow["over_seeds"]["best_epoch"]["min"] < 0.6 * (len(slow["val_loss"]) - 1), msg
    assert slow["over_seeds"]["late_val_change"]["max"] > -0.002, msg
    assert slow["over_seeds"]["final_val_loss"]["max"] < 1.2 * under["over_seeds"]["final_val_loss"]["max"], msg


def test_in_short_one_run_can_mislead(results):
    all_cases = cases(results)
    msg = claim(PAGE, "One run can mislead in the details, such as the epoch at which the validation loss turns, and now "
                "and then in the diagnosis itself, so check a diagnosis on a few seeds before you act on it.")
    over, slow = all_cases["overfit"]["over_seeds"], all_cases["too slow"]["over_seeds"]
    assert over["best_epoch"]["max"] > 2 * over["best_epoch"]["min"], msg  # the turn moves with the seed
    assert slow["best_at_last_epoch"] < slow["seeds"], msg  # a seed whose shape misleads (see the too-slow test)


def test_the_details_count_the_rate_cases_over_the_seeds(results):
    d, s = cases(results)["diverging"]["over_seeds"], cases(results)["too slow"]["over_seeds"]
    msg = claim(PAGE, "The diverging run's training loss rose in the first epoch in "
                "{{ value: diagnosis.cases.3.over_seeds.first_epoch_up | d }} seeds and ended above its start in "
                "{{ value: diagnosis.cases.3.over_seeds.ends_above_start | d }}; the slow run's validation loss was lowest "
                "at the last epoch in {{ value: diagnosis.cases.4.over_seeds.best_at_last_epoch | d }}.")
    assert d["first_epoch_up"] == d["ends_above_start"] == d["seeds"], msg
    assert s["best_at_last_epoch"] == results("diagnosis")["config"]["seeds"] - 1, msg


def test_starting_loss_is_close_to_the_know_nothing_losses(results):
    data, good = results("dataset"), cases(results)["good fit"]
    ln2 = math.log(2)
    msg = claim(PAGE, "so a 50 % guess costs $\\ln 2 \\approx$ {{ value: dataset.initial_loss_zero_bias | .3f }} per "
                "student. (Guessing the training set's pass rate, {{ value: dataset.base_rate | .1% }}, for everyone costs "
                "a little less, {{ value: dataset.initial_loss_base_rate | .3f }}.)")
    assert math.isclose(data["initial_loss_zero_bias"], ln2), msg
    p = data["base_rate"]
    assert math.isclose(data["initial_loss_base_rate"], -(p * math.log(p) + (1 - p) * math.log(1 - p))), msg
    assert 0 < ln2 - data["initial_loss_base_rate"] < 0.05, msg  # "a little less"
    msg = claim(PAGE, "So the first loss should be close to $\\ln 2$: the good-fit run above starts at "
                "{{ value: diagnosis.cases.1.initial_train_loss | .3f }}.")
    assert abs(good["initial_train_loss"] - ln2) < 0.1, msg
    initial = results("tuning_session")["initial_loss"]
    msg = claim(PAGE, "Single fresh networks scatter around it: over "
                "{{ value: tuning_session.config.init_seeds | d }} seeds of the [tuning session](tuning-session.md#initial-loss)'s "
                "network, the first loss ranged from {{ value: tuning_session.initial_loss.min | .2f }} to "
                "{{ value: tuning_session.initial_loss.max | .2f }}.")
    assert initial["min"] < ln2 < initial["max"], msg
    assert len(initial["measured"]) == results("tuning_session")["config"]["init_seeds"] >= 50, msg
    msg = claim(PAGE, "A starting loss more than about twice $\\ln 2$ means something is off")
    # no healthy fresh network reaches the bar: every one of them stays below twice ln 2 ...
    assert initial["max"] < 2 * ln2, msg
    # ... but the bar is not so loose that it is never near: the worst is more than 1.3 times ln 2
    assert initial["max"] > 1.3 * ln2, msg


def test_momentum_reaches_its_best_much_earlier_in_every_seed(results):
    over = results("early_stopping")["over_seeds"]
    msg = claim(PAGE, "show the same thing in every one of its {{ value: early_stopping.over_seeds.seeds | d }} seeds: "
                "with momentum {{ value: early_stopping.config.momentum | g }} the validation loss was lowest between epoch "
                "{{ value: early_stopping.over_seeds.best_epoch.min | .0f }} and "
                "{{ value: early_stopping.over_seeds.best_epoch.max | .0f }}, without it between epoch "
                "{{ value: early_stopping.over_seeds.no_momentum_best_epoch.min | .0f }} and "
                "{{ value: early_stopping.over_seeds.no_momentum_best_epoch.max | .0f }}.")
    assert over["best_epoch"]["max"] < over["no_momentum_best_epoch"]["min"], msg
    assert over["momentum_vs_none_best_epoch"]["a_lower"] == over["seeds"], msg
    assert over["final_val_loss"]["min"] > over["min_val_loss"]["max"] + 0.1, msg  # "and then it climbs"
    msg = claim(PAGE, "The best losses themselves differ little: momentum's was lower by "
                "{{ value: early_stopping.over_seeds.none_vs_momentum_min_val_loss.mean | .3f }} on average (standard error "
                "{{ value: early_stopping.over_seeds.none_vs_momentum_min_val_loss.sem | .3f }}; lower in "
                "{{ value: early_stopping.over_seeds.none_vs_momentum_min_val_loss.b_lower | d }} of the "
                "{{ value: early_stopping.over_seeds.seeds | d }} seeds). Momentum changes mostly *when* to stop")
    diff = over["none_vs_momentum_min_val_loss"]
    # "differ little": a few hundredths at most, under 10 % of the loss; "lower": the mean and most seeds agree
    assert 0 < diff["mean"] < 0.1 * over["min_val_loss"]["mean"] and diff["max"] < 0.05, msg
    assert diff["b_lower"] > diff["a_lower"], msg
    # "mostly when": the best epochs differ by far more, relative to their size, than the best losses
    epochs = over["momentum_vs_none_best_epoch"]
    assert abs(epochs["mean"]) / over["no_momentum_best_epoch"]["mean"] > 10 * diff["mean"] / over["min_val_loss"]["mean"], msg


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
