"""The early-stopping page's hand-written comparisons (docs/early-stopping.md) hold in the
published results: each test quotes its sentence and checks its direction and size, over the
seeds where the sentence speaks of them."""

from __future__ import annotations

import math
import re

from chapter_site import DOCS_DIR
from claims import claim
from page_code import run_page_code

PAGE = "early-stopping.md"


def rule(results, name: str) -> list[dict]:
    return results("early_stopping")["rules"][name]


def summary(results, name: str) -> list[dict]:
    """Per patience, the rule's counts and spreads over the seeds."""
    return results("early_stopping")["over_seeds"]["rules"][name]


def past(row: dict) -> int:
    return row["past_plateau"]["successes"]


def test_it_is_the_overfitting_run_of_the_learning_curves_continued(results):
    stopping = results("early_stopping")
    over = next(case for case in results("diagnosis")["cases"] if case["label"] == "overfit")
    msg = claim(PAGE, "The figure follows the overfitting run of the [learning curves](learning-curves.md#five-shapes), "
                "continued to {{ value: early_stopping.config.epochs | d }} epochs (its settings are in the caption).")
    cfg = stopping["config"]
    same = (cfg["n_train"], cfg["hidden"], cfg["learning_rate"], cfg["momentum"], cfg["batch_size"], cfg["seed"])
    assert same == (over["n_train"], over["hidden"], over["learning_rate"], over["momentum"], over["batch_size"],
                    results("diagnosis")["config"]["seed"]), msg
    assert stopping["val_loss"][:len(over["val_loss"])] == over["val_loss"], msg
    msg = claim(PAGE, "If nobody stops it, it ends at {{ value: early_stopping.full_run.final_val_loss | .3f }}.")
    assert stopping["full_run"]["final_val_loss"] > stopping["full_run"]["min_val_loss"] + 0.1, msg


def test_the_run_is_deliberately_aggressive_and_its_first_epochs_show_it(results):
    stopping, sweep = results("early_stopping"), results("lr_sweep")
    over, transient = stopping["over_seeds"], stopping["transient"]
    msg = claim(PAGE, "Its [momentum](key-concepts.md#momentum) makes each step about ten times the learning rate, far more than the "
                "[learning-rate page](learning-rate.md) found best")
    assert math.isclose(stopping["effective_step"] / stopping["config"]["learning_rate"], 10), msg
    assert stopping["effective_step"] > 3 * sweep["best_learning_rate"], msg
    msg = claim(PAGE, "It also shows in the first epochs (left panel), where the training loss *rises* for a few epochs "
                "before it falls, and the validation loss jumps with it.")
    assert transient["peak_train_loss"] > transient["first_train_loss"] + 0.02, msg
    assert transient["peak_val_loss"] > transient["first_val_loss"] + 0.1, msg
    msg = claim(PAGE, "mild form: after it, training goes well. It happens in every seed of this run (details below).")
    assert over["train_rises"]["successes"] == over["val_rises"]["successes"] == over["seeds"] >= 5, msg
    # "mild": the training loss rises by a few hundredths, not the multiples of a diverging run
    assert over["train_rise"]["max"] < 0.1 * over["final_val_loss"]["min"] + 0.1, msg
    assert over["min_val_loss"]["max"] < over["one_neuron_min_val_loss"]["min"] / 1.5, msg  # "training goes well"


def test_the_details_quote_the_rise_and_the_plateau_over_the_seeds(results):
    stopping, sweep = results("early_stopping"), results("lr_sweep")
    over, transient = stopping["over_seeds"], stopping["transient"]
    msg = claim(PAGE, "moves the weights about as far per step as a learning rate of "
                "{{ value: early_stopping.effective_step | .2g }} without momentum; the learning-rate sweep's best was "
                "{{ value: lr_sweep.best_learning_rate | .2g }}")
    assert math.isclose(stopping["effective_step"],
                        stopping["config"]["learning_rate"] / (1 - stopping["config"]["momentum"])), msg
    assert 3 < stopping["effective_step"] / sweep["best_learning_rate"] < 30, msg  # "the order of magnitude"
    msg = claim(PAGE, "the plateau lasts until epoch {{ value: early_stopping.transient.plateau_end | d }}.")
    assert transient["plateau_end"] == stopping["seed_runs"][0]["transient"]["plateau_end"], msg
    msg = claim(PAGE, "and the plateau ended between epoch {{ value: early_stopping.over_seeds.plateau_end.min | .0f }} and "
                "{{ value: early_stopping.over_seeds.plateau_end.max | .0f }}. Seed "
                "{{ value: early_stopping.config.seed | d }}'s plateau is the longest.")
    assert over["plateau_end"]["max"] == transient["plateau_end"] > over["plateau_end"]["min"], msg
    msg = claim(PAGE, "The rise is the large step's doing; the plateau is not. The same network trained without momentum "
                "never climbs above its first epoch's validation loss over those epochs, in any of the seeds, but its "
                "plateau is longer than the momentum run's in "
                "{{ value: early_stopping.over_seeds.no_momentum_plateau_longer.successes | d }} of them.")
    assert over["no_momentum_early_rise"]["max"] < 0 < over["val_rise"]["min"], msg
    assert over["no_momentum_plateau_longer"]["successes"] >= 0.75 * over["seeds"], msg


def test_the_plateau_is_no_better_than_one_neuron_then_the_loss_drops(results):
    stopping = results("early_stopping")
    val, end = stopping["val_loss"], stopping["transient"]["plateau_end"]
    one = stopping["one_neuron"]["min_val_loss"]
    msg = claim(PAGE, "For several epochs it is no better than the best a network with a single hidden neuron reaches "
                "with the same training and seed ({{ value: early_stopping.one_neuron.min_val_loss | .3f }}, dotted): the "
                "network has learned a nearly straight border.")
    assert min(val[1:end]) >= one and end > 5, msg
    assert one == stopping["seed_runs"][0]["one_neuron_min_val_loss"], msg  # the shown seed's own one-neuron run
    assert all(run["transient"]["plateau_end"] > 5 for run in stopping["seed_runs"]), msg
    msg = claim(PAGE, "Only then does it find the curved border, and the validation loss drops.")
    assert min(val[end:end + 20]) < one - 0.15, msg


def test_the_table_counts_the_seeds_that_got_past_the_plateau(results):
    stopping = results("early_stopping")
    n = stopping["over_seeds"]["seeds"]
    msg = claim(PAGE, "The table counts it over {{ value: early_stopping.over_seeds.seeds | d }} seeds of this run (the "
                "same data, different starting weights and batch orders), for each patience and three stopping rules")
    assert n >= 6 and [run["seed"] for run in stopping["seed_runs"]] == list(range(stopping["config"]["seed"],
                                                                                   stopping["config"]["seed"] + n)), msg
    # "got past the plateau" is the same thing as "kept a network better than the one-neuron one"
    for run in stopping["seed_runs"]:
        for stops in run["rules"].values():
            for stop in stops:
                assert stop["past_plateau"] == (stop["restored_val_loss"] < run["one_neuron_min_val_loss"]), (msg, run["seed"], stop)
    # the seed-0 records read off the curve are the real stopping runs' (the table and the exercise use both)
    for name, stops in stopping["rules"].items():
        for real, read in zip(stops, stopping["seed_runs"][0]["rules"][name]):
            assert (real["stop_epoch"], real["best_epoch"], real["restored_val_loss"]) == (
                read["stop_epoch"], read["best_epoch"], read["restored_val_loss"]), (msg, name, real, read)


def test_plain_patience_short_never_long_always_in_between_it_depends(results):
    plain, stopping = summary(results, "plain"), results("early_stopping")
    n = stopping["over_seeds"]["seeds"]
    msg = claim(PAGE, "The shortest patience never got past the plateau, and from patience "
                "{{ value: early_stopping.over_seeds.rules.plain.3.patience | d }} on, every seed did.")
    assert past(plain[0]) == 0 and all(past(row) == n for row in plain[3:]), msg
    assert plain[0]["past_plateau"]["high"] < 0.3 and plain[3]["past_plateau"]["low"] > 0.7, msg
    msg = claim(PAGE, "patience {{ value: early_stopping.over_seeds.rules.plain.1.patience | d }} got past it in about half "
                "of them, patience {{ value: early_stopping.over_seeds.rules.plain.2.patience | d }} in all but one.")
    assert 0.35 * n <= past(plain[1]) <= 0.65 * n and past(plain[2]) == n - 1, msg
    # the interval of "about half" is wide: the text says so in its details
    assert plain[1]["past_plateau"]["low"] < 0.4 and plain[1]["past_plateau"]["high"] > 0.75, msg
    msg = claim(PAGE, "That one is the run in the figures, seed {{ value: early_stopping.config.seed | d }}, whose plateau "
                "is the longest: there patience {{ value: early_stopping.rules.plain.2.patience | d }} stops at epoch "
                "{{ value: early_stopping.rules.plain.2.stop_epoch | d }}, just before the drop.")
    failed = [run["seed"] for run in stopping["seed_runs"] if not run["rules"]["plain"][2]["past_plateau"]]
    assert failed == [stopping["config"]["seed"]], msg
    end = stopping["transient"]["plateau_end"]
    assert end == stopping["over_seeds"]["plateau_end"]["max"], msg
    assert 0 < end - rule(results, "plain")[2]["stop_epoch"] <= 3, msg


def test_each_seed_is_all_or_nothing_and_more_patience_buys_little(results):
    stopping = results("early_stopping")
    msg = claim(PAGE, "The rule either stops on the plateau, keeping a network no better than one neuron, or it gets "
                "past it and keeps a network close to that seed's best.")
    stuck, passed = [], []
    for run in stopping["seed_runs"]:
        for stop in run["rules"]["plain"]:
            (passed if stop["past_plateau"] else stuck).append(stop["excess"])
            if not stop["past_plateau"]:
                assert stop["restored_val_loss"] >= run["one_neuron_min_val_loss"], msg
    # two groups with a wide gap between them: every stuck excess is several times every passed one
    assert min(stuck) > 5 * max(passed) and max(passed) < 0.05, msg
    stuck_count = len(stuck)
    msg = claim(PAGE, "Past the plateau, more patience buys little: from patience "
                "{{ value: early_stopping.over_seeds.rules.plain.3.patience | d }} on, the kept loss was within "
                "{{ value: early_stopping.over_seeds.rules.plain.3.excess.max | .3f }} of each seed's lowest.")
    plain = summary(results, "plain")
    assert all(row["excess"]["max"] <= plain[3]["excess"]["max"] for row in plain[3:]), msg
    assert plain[3]["excess"]["max"] < 0.01 and stuck_count > 0, msg
    assert round(plain[3]["excess"]["max"], 3) >= plain[3]["excess"]["max"] - 0.0005, msg


def test_the_details_give_the_intervals_and_seed_0(results):
    plain, stopping = summary(results, "plain"), results("early_stopping")
    msg = claim(PAGE, "is compatible with a true rate anywhere from "
                "{{ value: early_stopping.over_seeds.rules.plain.1.past_plateau.low | .0% }} to "
                "{{ value: early_stopping.over_seeds.rules.plain.1.past_plateau.high | .0% }}.")
    assert plain[1]["past_plateau"]["high"] - plain[1]["past_plateau"]["low"] > 0.4, msg
    msg = claim(PAGE, "When patience {{ value: early_stopping.over_seeds.rules.plain.1.patience | d }} got past the plateau, "
                "it kept a loss {{ value: early_stopping.over_seeds.rules.plain.1.excess_when_past.min | .3f }} to "
                "{{ value: early_stopping.over_seeds.rules.plain.1.excess_when_past.max | .3f }} above the seed's lowest")
    assert plain[1]["excess_when_past"]["max"] < 0.05 and plain[1]["excess_when_past"]["n"] == past(plain[1]), msg
    assert plain[2]["excess_when_past"]["max"] < plain[1]["excess_when_past"]["max"], msg
    seed0 = rule(results, "plain")
    msg = claim(PAGE, "On this seed patience {{ value: early_stopping.rules.plain.2.patience | d }} and less keep "
                "{{ value: early_stopping.rules.plain.2.restored_val_loss | .3f }} or worse, more than the "
                "{{ value: early_stopping.full_run.final_val_loss | .3f }} of not stopping at all;")
    assert min(stop["restored_val_loss"] for stop in seed0[:3]) == seed0[2]["restored_val_loss"], msg
    assert seed0[2]["restored_val_loss"] > stopping["full_run"]["final_val_loss"], msg
    msg = claim(PAGE, "and the most patient, {{ value: early_stopping.rules.plain.5.patience | d }}, finds the lowest point, "
                "{{ value: early_stopping.rules.plain.5.restored_val_loss | .3f }}, after training until epoch "
                "{{ value: early_stopping.rules.plain.5.stop_epoch | d }}.")
    assert seed0[5]["best_epoch"] == stopping["full_run"]["best_epoch"], msg
    assert seed0[3]["restored_val_loss"] - seed0[5]["restored_val_loss"] < 0.01, msg


def test_min_delta_stops_sooner_and_never_helped(results):
    stopping = results("early_stopping")
    plain, delta = summary(results, "plain"), summary(results, "min_delta")
    msg = claim(PAGE, "it makes the rule stop sooner, never later.")
    for run in stopping["seed_runs"]:
        assert all(d["stop_epoch"] <= p["stop_epoch"] for p, d in zip(run["rules"]["plain"], run["rules"]["min_delta"])), msg
    msg = claim(PAGE, "Here that never helped: it stopped on the plateau at least as often as the plain rule, and past "
                "it kept slightly worse networks.")
    assert all(past(d) <= past(p) for p, d in zip(plain, delta)) and any(past(d) < past(p) for p, d in zip(plain, delta)), msg
    long = [(p, d) for p, d in zip(plain, delta) if past(p) == past(d) == stopping["over_seeds"]["seeds"]]
    assert long and all(p["excess"]["mean"] < d["excess"]["mean"] for p, d in long), msg
    assert all(d["excess"]["max"] < stopping["config"]["min_delta"] + 0.005 for _, d in long), msg  # "slightly"
    for run in stopping["seed_runs"]:  # never a better network, in any seed at any patience
        assert all(d["restored_val_loss"] >= p["restored_val_loss"]
                   for p, d in zip(run["rules"]["plain"], run["rules"]["min_delta"])), msg


def test_start_from_epoch_lets_a_short_patience_work_in_every_seed(results):
    stopping = results("early_stopping")
    plain, start = summary(results, "plain"), summary(results, "start_from_epoch")
    n = stopping["over_seeds"]["seeds"]
    msg = claim(PAGE, "Epoch {{ value: early_stopping.config.start_from_epoch | d }} is past the plateau in every seed, "
                "so every patience got past it.")
    assert stopping["config"]["start_from_epoch"] > stopping["over_seeds"]["plateau_end"]["max"], msg
    assert all(past(row) == n for row in start), msg
    msg = claim(PAGE, "Even a short patience then kept a good network, and it stopped much sooner than the plain rule "
                "needed to: patience {{ value: early_stopping.over_seeds.rules.start_from_epoch.1.patience | d }} kept a "
                "loss within {{ value: early_stopping.over_seeds.rules.start_from_epoch.1.excess.max | .3f }} of each "
                "seed's lowest.")
    first_safe = next(row for row in plain if past(row) == n)  # the shortest plain patience that always got past
    assert start[1]["stop_epoch"]["max"] < first_safe["stop_epoch"]["min"], msg
    assert start[1]["excess"]["max"] < 0.03, msg
    msg = claim(PAGE, "The very shortest still falls for the wobbles that follow.")
    assert start[0]["excess"]["mean"] > 2 * start[1]["excess"]["mean"], msg
    assert all(stop["best_epoch"] >= stopping["config"]["start_from_epoch"] for stop in rule(results, "start_from_epoch")), msg


def test_more_patience_never_keeps_a_worse_network(results):
    msg = claim(PAGE, "never a worse one (by construction: a longer patience sees every epoch a shorter one saw; in "
                "every seed, and under every rule, the kept loss never rose as the patience grew).")
    for run in results("early_stopping")["seed_runs"]:
        for name, stops in run["rules"].items():
            kept = [stop["restored_val_loss"] for stop in stops]
            assert all(b <= a for a, b in zip(kept, kept[1:])), f"{msg} (seed {run['seed']}, {name}: {kept})"


def test_predict_then_run_answer(results):
    stopping = results("early_stopping")
    plain, start = summary(results, "plain"), summary(results, "start_from_epoch")
    n = stopping["over_seeds"]["seeds"]
    msg = claim(PAGE, "With the plain rule only patience {{ value: early_stopping.over_seeds.rules.plain.3.patience | d }} "
                "does.")
    assert [row["patience"] for row in plain[:4]] == [2, 5, 10, 20], msg
    assert [past(row) == n for row in plain[:4]] == [False, False, False, True], msg
    msg = claim(PAGE, "runs out at epoch {{ value: early_stopping.rules.plain.2.stop_epoch | d }}, just before the "
                "validation loss starts to fall")
    end = stopping["transient"]["plateau_end"]
    assert 0 < end - rule(results, "plain")[2]["stop_epoch"] <= 3, msg
    msg = claim(PAGE, "gets past it in only {{ value: early_stopping.over_seeds.rules.plain.1.past_plateau.successes | d }} "
                "seeds, patience {{ value: early_stopping.over_seeds.rules.plain.0.patience | d }} in none.")
    assert past(plain[1]) < n and past(plain[0]) == 0, msg
    msg = claim(PAGE, "after every seed's plateau, all four get past it;")
    assert all(past(row) == n for row in start[:4]), msg
    msg = claim(PAGE, "still stops at a wobble, keeping a loss "
                "{{ value: early_stopping.over_seeds.rules.start_from_epoch.0.excess.mean | .3f }} above the seed's lowest "
                "on average, against {{ value: early_stopping.over_seeds.rules.start_from_epoch.1.excess.mean | .3f }} for "
                "patience {{ value: early_stopping.over_seeds.rules.start_from_epoch.1.patience | d }}.")
    assert start[0]["excess"]["mean"] > start[1]["excess"]["mean"], msg


def test_figure_question_answer(results):
    stopping = results("early_stopping")
    msg = claim(PAGE, "Counting from epoch 0, the rise after epoch 1 and the plateau make the best epoch look like "
                "epoch {{ value: early_stopping.rules.plain.1.best_epoch | d }}, and any patience shorter than the plateau "
                "stops there.")
    plain = rule(results, "plain")
    assert plain[1]["best_epoch"] < stopping["transient"]["plateau_end"], msg
    assert plain[1]["best_epoch"] == plain[2]["best_epoch"], msg
    msg = claim(PAGE, "In other seeds the plateau ended sooner (between epoch "
                "{{ value: early_stopping.over_seeds.plateau_end.min | .0f }} and "
                "{{ value: early_stopping.over_seeds.plateau_end.max | .0f }} over the "
                "{{ value: early_stopping.over_seeds.seeds | d }} seeds)")
    ends = [run["transient"]["plateau_end"] for run in stopping["seed_runs"][1:]]
    assert max(ends) <= stopping["transient"]["plateau_end"] and min(ends) < stopping["transient"]["plateau_end"], msg


def test_the_weights_at_the_stop_are_worse_than_the_best(results):
    msg = claim(PAGE, "When training stops, the current weights are $p$ epochs past the best point, and already a little "
                "overfitted.")
    for stop in rule(results, "plain")[3:]:  # the stops after the plateau, on the overfitting slope
        assert stop["stop_epoch"] - stop["best_epoch"] == stop["patience"], msg
        assert 0 < stop["final_val_loss"] - stop["restored_val_loss"] < 0.1, msg


def test_momentum_makes_the_run_overfit_early(results):
    over = results("early_stopping")["over_seeds"]
    msg = claim(PAGE, "That is what makes it overfit early: its best epoch came at "
                "{{ value: early_stopping.over_seeds.best_epoch.min | d }} to "
                "{{ value: early_stopping.over_seeds.best_epoch.max | d }} over the seeds, against "
                "{{ value: early_stopping.over_seeds.no_momentum_best_epoch.min | d }} to "
                "{{ value: early_stopping.over_seeds.no_momentum_best_epoch.max | d }} without momentum.")
    # the ranges do not overlap, and momentum was earlier in every seed
    assert over["best_epoch"]["max"] < over["no_momentum_best_epoch"]["min"], msg
    paired = over["momentum_vs_none_best_epoch"]
    assert paired["a_lower"] == paired["n"] == over["seeds"] and paired["sign_p"] < 0.01, msg



def test_the_one_neuron_level_and_why_other_pages_quote_other_values(results):
    stopping, cap, diagnosis = results("early_stopping"), results("capacity"), results("diagnosis")
    over = stopping["over_seeds"]
    msg = claim(PAGE, "The one-neuron level differs a little from seed to seed: from "
                "{{ value: early_stopping.over_seeds.one_neuron_min_val_loss.min | .3f }} to "
                "{{ value: early_stopping.over_seeds.one_neuron_min_val_loss.max | .3f }} over the "
                "{{ value: early_stopping.over_seeds.seeds | d }} seeds, and each seed is compared with its own.")
    levels = [run["one_neuron_min_val_loss"] for run in stopping["seed_runs"]]
    assert (over["one_neuron_min_val_loss"]["min"], over["one_neuron_min_val_loss"]["max"]) == (min(levels), max(levels)), msg
    assert max(levels) - min(levels) < 0.1, msg  # "a little", next to the drop below it
    for run in stopping["seed_runs"]:  # past the plateau means below that seed's own level
        for stop in run["rules"]["plain"]:
            assert stop["past_plateau"] == (stop["restored_val_loss"] < run["one_neuron_min_val_loss"]), (msg, run["seed"])
    msg = claim(PAGE, "trains the same one-neuron network for fewer epochs and quotes the mean of its first "
                "{{ value: capacity.config.seeds | d }} seeds, {{ value: capacity.min_val_loss.0 | .3f }}.")
    cfg, ccfg = stopping["config"], cap["config"]
    assert (cfg["n_train"], cfg["learning_rate"], cfg["momentum"], cfg["batch_size"]) == (
        ccfg["n_train"], ccfg["learning_rate"], ccfg["momentum"], ccfg["batch_size"]), msg
    assert ccfg["epochs"] < cfg["epochs"] and cap["widths"][0] == 1, msg
    first = levels[:ccfg["seeds"]]
    assert math.isclose(cap["min_val_loss"][0], sum(first) / len(first)), msg  # the same runs, seed by seed
    msg = claim(PAGE, "trains it differently (on {{ value: diagnosis.cases.0.n_train | d }} students, without momentum) "
                "and quotes the lowest of its seeds, {{ value: diagnosis.cases.0.over_seeds.min_val_loss.min | .3f }}.")
    case = diagnosis["cases"][0]
    assert case["hidden"] == 1 and case["momentum"] == 0 and case["n_train"] > cfg["n_train"], msg
    assert case["over_seeds"]["min_val_loss"]["min"] < over["one_neuron_min_val_loss"]["min"], msg


def test_patience_counts_epochs_and_an_epoch_here_is_a_few_updates(results):
    stopping = results("early_stopping")
    cfg = stopping["config"]
    msg = claim(PAGE, "Patience is counted in epochs, and an epoch of this run is only "
                "{{ value: early_stopping.updates_per_epoch | d }} updates ({{ value: early_stopping.config.n_train | d }} "
                "students in batches of {{ value: early_stopping.config.batch_size | d }}).")
    assert stopping["updates_per_epoch"] == math.ceil(cfg["n_train"] / cfg["batch_size"]) <= 10, msg
    msg = claim(PAGE, "Its longest plateau lasted {{ value: early_stopping.plateau_updates.max | .0f }} updates. On a "
                "large training set one epoch can be thousands of updates")
    ends = [run["transient"]["plateau_end"] for run in stopping["seed_runs"]]
    assert stopping["plateau_updates"]["max"] == max(ends) * stopping["updates_per_epoch"], msg
    assert stopping["plateau_updates"]["max"] < 1000, msg  # shorter than one epoch of a large training set


def test_more_patience_is_better_on_the_watched_signal_only(results):
    msg = claim(PAGE, "Lower, that is, on the validation students the rule watches; on new students it is likely to be "
                "lower too, but not certain to, as the scikit-learn cell below shows.")
    text = (DOCS_DIR / PAGE).read_text(encoding="utf-8")
    cell = re.search(r'```python-live title="Early stopping in scikit-learn"[^\n]*\n(.*?)\n```', text, flags=re.S)[1]
    assert "validation_fraction=0.25" in cell and "n_train=40" in cell, msg
    output, _ = run_page_code(f"{PAGE}: Early stopping in scikit-learn", cell.replace("#| end-setup", ""))
    rows = [(int(m[1]), float(m[2]), float(m[3])) for m in re.finditer(
        r"n_iter_no_change\s+(\d+): stopped after \d+ epochs, its validation accuracy ([\d.]+); on the chapter's "
        r"validation students: loss ([\d.]+)", output)]
    assert [r[0] for r in rows] == [2, 10, 50], (msg, output)
    msg = claim(PAGE, "Here the longer patiences keep a network that is better on the signal scikit-learn watches "
                "(accuracy on its own ten held-out students) and worse on the chapter's "
                "{{ value: dataset.n_val | d }} validation students.")
    assert 0.25 * 40 == 10 and results("dataset")["n_val"] == 200, msg
    (_, acc_short, loss_short), *longer = rows
    assert all(acc > acc_short and loss > loss_short + 0.05 for _, acc, loss in longer), (msg, output)
    msg = claim(PAGE, "More patience never loses on the watched signal")
    assert all(b[1] >= a[1] for a, b in zip(rows, rows[1:])), (msg, output)
