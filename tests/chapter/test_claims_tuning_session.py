"""The sentences of docs/tuning-session.md that compare or state a trend hold in the published
results (the served tuning_session.json). The page's structure (quoted numbers, figures, questions,
live cells) is checked by the concept-page tests of test_chapter_pages.py."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from claims import claim

from lesson import DataConfig, NetworkConfig, Run, TrainConfig, make_dataset, train_many
from lesson.nn import MLP, bce_with_logits
from lesson.search import LogUniform, random_points
from lesson.stats import paired, sign_test, spread

PAGE = "tuning-session.md"
LN2 = math.log(2)


@pytest.fixture(scope="module")
def session(results) -> dict:
    return results("tuning_session")


def test_initial_loss_is_a_little_above_ln2_and_below_the_bar_of_twice_ln2(session):
    init = session["initial_loss"]
    msg = claim(PAGE, "Their initial loss averages {{ value: tuning_session.initial_loss.mean | .3f }}, a little above $\\ln 2$.")
    assert 0 < init["mean"] - LN2 < 0.1, msg
    msg = claim(PAGE, "a starting loss more than about twice $\\ln 2$ means something is off. Even the highest of these "
                      "networks started at only {{ value: tuning_session.initial_loss.max_over_ln2 | .1f }} times $\\ln 2$.")
    assert init["max_over_ln2"] == pytest.approx(init["max"] / LN2) and init["max"] == max(init["measured"]), msg
    assert len(init["measured"]) == session["config"]["init_seeds"] >= 100, msg
    # "only": every fresh network clears the bar with room to spare, so the bar raises no false alarm
    assert init["max_over_ln2"] < 0.85 * 2, msg
    msg = claim(PAGE, "so scatter can only add on average.")
    assert init["mean"] > init["half_half"] and init["bias_set_mean"] > init["expected"], msg


def test_setting_the_output_bias_removes_the_mismatch_not_the_scatter(session):
    init = session["initial_loss"]
    msg = claim(PAGE, "That lowered the average initial loss from {{ value: tuning_session.initial_loss.mean | .3f }} to "
                      "{{ value: tuning_session.initial_loss.bias_set_mean | .3f }}: the bias removes the mismatch between "
                      "predicting 50 % and the pass rate, but not the scatter.")
    assert init["bias_set_mean"] < init["mean"], msg
    # the mismatch removed: what predicting 50 % costs over predicting p, ln 2 - H(p), is about the drop
    mismatch = init["half_half"] - init["expected"]
    assert math.isclose(init["mean"] - init["bias_set_mean"], mismatch, rel_tol=0.25), msg
    msg = claim(PAGE, "The loss stays {{ value: tuning_session.initial_loss.bias_set_excess | .3f }} above $H(p)$, about as "
                      "far as the networks without it were above $\\ln 2$ "
                      "({{ value: tuning_session.initial_loss.scatter_excess | .3f }}): that remainder is the scatter of the "
                      "random weights.")
    assert init["bias_set_excess"] == pytest.approx(init["bias_set_mean"] - init["expected"]), msg
    assert init["scatter_excess"] == pytest.approx(init["mean"] - init["half_half"]), msg
    assert init["bias_set_excess"] > 0 and init["scatter_excess"] > 0, msg
    assert math.isclose(init["bias_set_excess"], init["scatter_excess"], rel_tol=0.2), msg
    msg = claim(PAGE, "On this small problem it makes little difference;")
    assert init["mean"] - init["bias_set_mean"] < 0.05, msg


def test_a_too_large_initialisation_gives_a_loss_far_above_ln2():
    """The predict-then-run answer for the cell "Loss before training" with scale = 100 (the
    initialisation is exact arithmetic on identical random draws: no chaos involved)."""
    msg = claim(PAGE, "A bug such as weights initialised far too large starts at several times $\\ln 2$.")
    msg += "\n" + claim(PAGE, "**Answer.** Far above it.")
    data = make_dataset(DataConfig(seed=0))
    losses = {}
    for scale in (1.0, 100.0):
        net = MLP.initialize(NetworkConfig(hidden=(8,)), np.random.default_rng(0))
        net.layers[-1].weights *= scale
        losses[scale] = bce_with_logits(net.logits(data.x_train), data.y_train)
    # far above: well beyond the page's bar ("more than about twice ln 2") for this seed
    assert losses[100.0] > 4 * LN2 and losses[100.0] > 3 * losses[1.0], msg
    assert losses[1.0] < 2 * LN2, msg


def test_the_overfit_run_learns_the_handful_and_a_rough_rule(session):
    overfit = session["overfit"]
    msg = claim(PAGE, "The model and the loop can learn.")
    assert overfit["final_train_acc"] == 1.0 and overfit["final_train_loss"] < overfit["initial_train_loss"] / 100, msg
    msg = claim(PAGE, "and the network classifies every one of them correctly.")
    assert overfit["final_train_acc"] == 1.0, msg
    msg = claim(PAGE, "A handful of students teaches a rough version of the rule, not all of it.")
    expected, tuned = session["initial_loss"]["expected"], session["final"]["rerun_mean_val_loss"]
    # "far below" predicting the pass rate, "well above" the tuned network
    assert overfit["min_val_loss"] < expected / 2, msg
    assert overfit["min_val_loss"] > 1.5 * tuned, msg


def test_the_search_tops_out_below_the_blow_up(session):
    msg = claim(PAGE, "The lowest point is a sensible top for the search: above it lies the edge where training diverges.")
    test = session["range_test"]
    assert session["rounds"][0]["lr_high"] == test["min_learning_rate"] < test["blow_up_learning_rate"], msg


def test_round_one_small_learning_rates_are_still_learning(session):
    first, split = session["rounds"][0], session["slow"]
    msg = claim(PAGE, "The trials with learning rates below about {{ value: tuning_session.slow.threshold | .1g }} (the "
                      "highest of them at {{ value: tuning_session.slow.highest_learning_rate | .2g }}) end far above the "
                      "rest, at {{ value: tuning_session.slow.slow_min_val_loss | .2f }} to "
                      "{{ value: tuning_session.slow.slow_max_val_loss | .2f }} against at most "
                      "{{ value: tuning_session.slow.rest_max_val_loss | .3f }} from "
                      "{{ value: tuning_session.slow.lowest_learning_rate | .2g }} up: they were still learning when their "
                      "{{ value: tuning_session.config.epochs | d }} epochs ran out, and none of them stopped early.")
    threshold = float(f"{split['threshold']:.1g}")  # the number as the page prints it
    slow = [t for t in first["trials"] if t["learning_rate"] < threshold]
    rest = [t for t in first["trials"] if t["learning_rate"] >= threshold]
    assert slow and rest and len(slow) == split["count"], msg
    assert split["highest_learning_rate"] == max(t["learning_rate"] for t in slow) < threshold, msg
    assert split["lowest_learning_rate"] == min(t["learning_rate"] for t in rest) > threshold, msg
    assert split["slow_min_val_loss"] == min(t["val_loss"] for t in slow), msg
    assert split["rest_max_val_loss"] == max(t["val_loss"] for t in rest), msg
    assert split["all_completed"], msg
    assert min(t["val_loss"] for t in slow) > max(t["val_loss"] for t in rest), msg
    assert min(t["val_loss"] for t in slow) > 2 * max(t["val_loss"] for t in rest), msg  # "far above"
    assert all(t["stop_reason"] == "completed" and t["best_epoch"] == t["stopped_epoch"] for t in slow), msg


def test_the_patience_saves_time_at_a_small_cost(session):
    cost, first = session["patience_cost"], session["rounds"][0]
    msg = claim(PAGE, "Early stopping ended {{ value: tuning_session.patience_cost.stopped | d }} of the "
                      "{{ value: tuning_session.config.trials | d }} trials early and kept each one's best epoch (the "
                      "Playbook calls this *retrospective checkpoint selection*).")
    stopped = [t for t in first["trials"] if t["stop_reason"] == "early_stopping"]
    assert cost["stopped"] == len(stopped) == first["early_stopped"] > 0, msg
    # "kept each one's best epoch": the epoch kept is patience epochs before the stop, not the last one
    assert all(t["stopped_epoch"] - t["best_epoch"] == session["config"]["patience"] for t in stopped), msg
    msg = claim(PAGE, "That saves time, but not for free: trained on to the last epoch, "
                      "{{ value: tuning_session.patience_cost.later_lower | d }} of those "
                      "{{ value: tuning_session.patience_cost.stopped | d }} trials would have reached a lower validation "
                      "loss, by at most {{ value: tuning_session.patience_cost.max_gain | .3f }}.")
    assert all(t["stopped_epoch"] < session["config"]["epochs"] for t in stopped), msg  # "saves time"
    gains = cost["gains"]
    assert len(gains) == cost["stopped"] and all(g >= 0 for g in gains), msg  # the full run saw every epoch kept
    assert cost["later_lower"] == sum(g > 0 for g in gains) > cost["stopped"] / 2, msg
    assert cost["max_gain"] == max(gains) < 0.05, msg
    # a later, lower epoch: past the epoch at which early stopping gave up
    for kept, full, t, g in zip(cost["kept_epochs"], cost["full_best_epochs"], stopped, gains):
        assert kept == t["best_epoch"] and (g == 0) == (full == kept), msg
        assert g == 0 or full > t["stopped_epoch"], msg
    msg = claim(PAGE, "A patience too short for the run can cost far more, as [early stopping](early-stopping.md#patience) shows.")
    assert cost["max_gain"] < 0.1, msg


def test_good_trials_share_a_learning_rate_range_not_a_width(session):
    first = session["rounds"][0]
    good = [t for t in first["trials"] if t["val_loss"] is not None and t["val_loss"] <= first["best"]["val_loss"] + 0.05]
    msg = claim(PAGE, "Every trial within 0.05 of the best has a learning rate above 0.1, with widths from small to large.")
    assert len(good) >= 3 and all(t["learning_rate"] > 0.1 for t in good), msg
    assert min(t["hidden"] for t in good) <= 8 and max(t["hidden"] for t in good) >= 16, msg


def test_round_one_best_is_inside_the_learning_rate_range_and_near_the_top_width(session):
    first, second = session["rounds"]
    best, config = first["best"], session["config"]
    msg = claim(PAGE, "Its learning rate lies well inside the range, as the Playbook advises checking (widen a range whose "
                      "edge holds the best).")
    assert best["learning_rate"] > 2 * first["lr_low"] and best["learning_rate"] < first["lr_high"] / 2, msg
    msg = claim(PAGE, "Its width is near the top of its range, so round 2 reaches beyond "
                      "{{ value: tuning_session.config.width_high | d }}.")
    position = math.log(best["hidden"] / first["width_low"]) / math.log(first["width_high"] / first["width_low"])
    assert position > 0.75 and second["width_high"] > config["width_high"], msg


def test_narrowing_gave_more_good_trials_not_a_clearly_better_best(session):
    first, second = session["rounds"]
    narrowing, reruns = session["narrowing"], session["reruns"]
    noise = min(r["std"] for r in reruns)
    msg = claim(PAGE, "Narrowing put most trials in the good region, as expected when it searches around round 1's best; "
                      "the best barely moved.")
    assert narrowing["within"][1] - narrowing["within"][0] >= 0.3, msg
    assert abs(narrowing["best_gain"]) < noise, msg
    msg = claim(PAGE, "The share of good trials (within {{ value: tuning_session.narrowing.within_tolerance | g }} of the best) "
                      "rose from {{ value: tuning_session.narrowing.within.0 | .0% }} to "
                      "{{ value: tuning_session.narrowing.within.1 | .0% }}.")
    assert narrowing["within"][1] > narrowing["within"][0], msg
    msg = claim(PAGE, "The best improved by only {{ value: tuning_session.narrowing.best_gain | .4f }}, much less than the "
                      "noise the next step measures.")
    assert 0 < narrowing["best_gain"] < noise / 2, msg
    claim(PAGE, "and its median trial {{ value: tuning_session.rounds.1.median_val_loss | .3f }}, against "
                "{{ value: tuning_session.rounds.0.median_val_loss | .3f }} in round 1.")
    assert second["median_val_loss"] < first["median_val_loss"], msg


def test_narrowing_helps_in_every_session(session):
    rep = session["replication"]
    msg = claim(PAGE, "We ran the whole search again with four other search seeds (the same students): in all "
                      "{{ value: tuning_session.replication.sessions | d }} sessions, round 2 had more good trials and a "
                      "better median trial (the middle one when the trials are sorted by score), and its best gained at most "
                      "{{ value: tuning_session.replication.best_gain.max | .3f }}, about twice the noise between seeds.")
    assert rep["sessions"] == 1 + session["config"]["replications"] == 5, msg  # "four other"
    assert rep["per_session"][0]["search_seed"] == session["config"]["search_seed"], msg
    assert rep["more_good_in_round_2"] == rep["lower_median_in_round_2"] == rep["sessions"], msg
    for s in rep["per_session"]:
        assert s["within"][1] > s["within"][0] and s["median_val_loss"][1] < s["median_val_loss"][0], msg
    gains = [s["best_gain"] for s in rep["per_session"]]
    assert rep["best_gain"]["max"] == max(gains), msg
    # "about twice the noise between seeds": the re-runs' typical standard deviation
    noise = statistics.mean(r["std"] for r in session["reruns"])
    assert 1.5 < max(gains) / noise < 3, msg


def test_the_reruns_cannot_tell_the_top_three_apart(session):
    reruns, final = session["reruns"], session["final"]
    means = [r["mean"] for r in reruns]
    chosen = min(reruns, key=lambda r: r["mean"])
    others = [r for r in reruns if r is not chosen]
    versus = final["versus_others"]
    msg = claim(PAGE, "The three configurations' means are close, and seed by seed the re-runs do not settle which is "
                      "best: the one with the lowest mean beat each of the other two in only "
                      "{{ value: tuning_session.final.versus_others.0.a_lower | d }} and "
                      "{{ value: tuning_session.final.versus_others.1.a_lower | d }} of the "
                      "{{ value: tuning_session.config.rerun_seeds | d }} seeds.")
    assert len(reruns) == 3 and len(versus) == 2, msg
    for other, v in zip(others, versus):
        assert v == pytest.approx(paired(chosen["val_loss"], other["val_loss"]) | {"lower_by": -v["mean"]}), msg
        assert v["n"] == session["config"]["rerun_seeds"] >= 6, msg       # enough seeds for the sign test
        assert v["lower_by"] > 0 and v["a_lower"] < v["n"], msg           # lowest mean, but "only" some seeds
        assert v["a_lower"] + v["b_lower"] == v["n"], msg
    msg = claim(PAGE, "By the chapter's rule ([how to read the numbers](index.md#reading-the-numbers)) neither "
                      "difference is real: not settled, so any of the three is a reasonable choice.")
    # the chapter's rule with 6 or more seeds: a difference is real when the sign test gives p < 0.05
    assert all(v["sign_p"] >= 0.05 for v in versus), msg
    assert all(v["sign_p"] == sign_test(v["a_lower"], v["b_lower"]) for v in versus), msg
    msg = claim(PAGE, "The spread of one configuration over seeds is wide:")
    assert final["rerun_max"] - final["rerun_min"] > 2 * (max(means) - min(means)), msg
    msg = claim(PAGE, "knowing that the other two would serve almost as well.")
    assert max(means) - final["rerun_mean_val_loss"] < final["rerun_std"], msg
    msg = claim(PAGE, "It was not the trial with the best score in the search.")
    assert not final["is_search_best"] and final["search_val_loss"] > session["search_best"]["val_loss"], msg
    msg = claim(PAGE, "But we cannot be sure the final choice is better: it beat the search's best in only "
                      "{{ value: tuning_session.final.versus_others.0.a_lower | d }} of the "
                      "{{ value: tuning_session.config.rerun_seeds | d }} seeds, a split that luck alone produces often.")
    assert reruns[0]["search_val_loss"] == session["search_best"]["val_loss"] and reruns[0] is not chosen, msg
    assert versus[0]["a_lower"] == paired(chosen["val_loss"], reruns[0]["val_loss"])["a_lower"], msg
    assert versus[0]["sign_p"] > 0.2, msg  # "often": a split at least this lopsided in more than 1 draw in 5


def test_every_search_score_is_optimistic_the_winners_curse(session):
    reruns, final = session["reruns"], session["final"]
    msg = claim(PAGE, "Each configuration's score in the search is below the mean of its own re-runs, for all three.")
    assert len(reruns) == 3 and all(r["search_val_loss"] < r["mean"] for r in reruns), msg
    chosen = next(r for r in reruns if r["mean"] == final["rerun_mean_val_loss"])
    msg = claim(PAGE, "That is {{ value: tuning_session.final.seed_luck | .3f }} worse, and "
                      "{{ value: tuning_session.final.rerun_above_search | d }} of its "
                      "{{ value: tuning_session.config.rerun_seeds | d }} re-runs scored worse than its search score.")
    assert final["seed_luck"] == pytest.approx(final["rerun_mean_val_loss"] - final["search_val_loss"]), msg
    assert final["seed_luck"] > 0, msg
    above = sum(v > final["search_val_loss"] for v in chosen["val_loss"])
    assert final["rerun_above_search"] == chosen["above_search"] == above > len(chosen["val_loss"]) / 2, msg
    assert len(chosen["val_loss"]) == session["config"]["rerun_seeds"] >= 10, msg
    msg = claim(PAGE, "The re-runs' mean has a [standard error](key-concepts.md#standard-error) of "
                      "{{ value: tuning_session.final.rerun_sem | .3f }}, so the drop of "
                      "{{ value: tuning_session.final.seed_luck | .3f }} is about four times it.")
    summary = spread(chosen["val_loss"])
    assert final["rerun_sem"] == summary["sem"] and final["rerun_std"] == summary["std"], msg
    assert 3.5 < final["seed_luck"] / final["rerun_sem"] < 4.5, msg
    msg = claim(PAGE, "is not settled on its own (sign test p = "
                      "{{ value: tuning_session.final.rerun_above_search_p | .2f }}, above the chapter's 0.05).")
    below = sum(v < final["search_val_loss"] for v in chosen["val_loss"])
    assert final["rerun_above_search_p"] == sign_test(above, below) >= 0.05, msg
    msg = claim(PAGE, "What settles it is the count over all the sessions' top configurations below.")
    curse = session["replication"]["curse"]
    assert curse["sign_p"] < 0.05 and curse["optimistic"] == curse["configs"], msg
    msg = claim(PAGE, "**Answer.** Its re-runs averaged {{ value: tuning_session.reruns.0.mean | .3f }}, above the final "
                      "choice's {{ value: tuning_session.final.rerun_mean_val_loss | .3f }}:")
    assert reruns[0]["search_val_loss"] == session["search_best"]["val_loss"], msg
    assert reruns[0]["mean"] > session["final"]["rerun_mean_val_loss"], msg


def test_the_winners_curse_holds_in_every_session(session):
    rep = session["replication"]
    curse = rep["curse"]
    msg = claim(PAGE, "One session could be a fluke, so the four other sessions of step 5 re-ran their best three the same "
                      "way: all {{ value: tuning_session.replication.curse.configs | d }} top configurations of the "
                      "{{ value: tuning_session.replication.sessions | d }} sessions scored worse when re-run than in the "
                      "search.")
    lucks = [v for s in rep["per_session"] for v in s["luck"]]
    assert curse["configs"] == len(lucks) == rep["sessions"] * session["config"]["top_k"] == 15, msg
    assert curse["optimistic"] == sum(v > 0 for v in lucks) == curse["configs"], msg
    assert curse["sign_p"] == sign_test(curse["optimistic"], curse["configs"] - curse["optimistic"]) < 0.001, msg
    assert rep["per_session"][0]["luck"] == [r["luck"] for r in session["reruns"]], msg
    msg = claim(PAGE, "A trial's score is partly the luck of its seed, and the best trials were the luckiest, so re-run the "
                      "best few with new seeds before choosing.")
    assert curse["optimistic"] == curse["configs"] and curse["luck"]["min"] > 0, msg


def test_the_test_score_is_above_the_search_score_and_the_gap_splits_in_two(session):
    final = session["final"]
    msg = claim(PAGE, "That is {{ value: tuning_session.final.gap | .3f }} above the validation score the same configuration had in the search.")
    assert final["test_loss"] > final["search_val_loss"] and final["gap"] > 0, msg
    msg = claim(PAGE, "The re-runs measured part of the gap, the winner's curse on the seeds "
                      "({{ value: tuning_session.final.seed_luck | .3f }}).")
    assert 0 < final["seed_luck"] < final["gap"] / 2, msg
    msg = claim(PAGE, "The rest lies between validation and test students:")
    assert final["split_gap"] > 0 and final["seed_luck"] + final["split_gap"] == pytest.approx(final["gap"]), msg
    msg = claim(PAGE, "One test set cannot separate the two, nor even pin down the gap: with only "
                      "{{ value: tuning_session.final.test_students | d }} students, another test set of the same size "
                      "could move the test loss by about as much as the whole gap.")
    assert 0.67 < final["test_standard_error"] / final["gap"] < 1.5, msg
    msg = claim(PAGE, "(Its [standard error](key-concepts.md#standard-error) is "
                      "{{ value: tuning_session.final.test_standard_error | .3f }}: as large as the gap itself.)")
    assert 0.8 < final["test_standard_error"] / final["gap"] < 1.25, msg   # "as large as the gap itself"
    assert final["test_standard_error"] > 2 * final["rerun_std"], msg


def test_widening_past_the_blow_up_makes_the_top_trials_diverge(session):
    """The predict-then-run answer for the cell "A small random search" with LogUniform(0.01, 30.0):
    far above the range test's blow-up point, divergence is certain, not a rounding accident."""
    msg = claim(PAGE, "so trials drawn above roughly that value diverge (the cell prints \"diverged\") or train badly, "
                      "and their budget is wasted.")
    data = make_dataset(DataConfig(seed=0))
    space = {"learning_rate": LogUniform(0.01, 30.0), "hidden": LogUniform(4, 32, integer=True)}
    points = random_points(space, 8, np.random.default_rng(1))
    runs = [Run(NetworkConfig(hidden=(p["hidden"],)),
                TrainConfig(learning_rate=p["learning_rate"], batch_size=16, epochs=60, patience=10), seed)
            for seed, p in enumerate(points)]
    histories = [t.history for t in train_many(data, runs)]
    edge = session["range_test"]["blow_up_learning_rate"]
    far = [h for p, h in zip(points, histories) if p["learning_rate"] > 1.5 * edge]
    below = [h for p, h in zip(points, histories) if p["learning_rate"] < edge / 3]
    assert far and all(h.diverged for h in far), msg
    assert below and not any(h.diverged for h in below), msg


