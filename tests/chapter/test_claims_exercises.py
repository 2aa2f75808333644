"""The exercises' hand-written comparisons (the `exercise` fences of the concept pages, and the
prose that introduces them) hold in the published results: each test quotes its sentence and
checks its direction and size. The exercises' checks themselves are verified by the build."""

from __future__ import annotations

import math

from chapter_site import DOCS_DIR
from claims import claim

#: The tuning challenge's margin over the sweep's best loss (the page states it; the check uses it).
TARGET_FACTOR = 1.25
#: The epochs challenge's margin over the run's lowest validation loss, and its solution's epochs.
EPOCHS_TARGET_FACTOR = 1.1
EPOCHS_SOLUTION = 90


# --- docs/learning-rate.md ----------------------------------------------------------------------


def test_the_challenge_margin_is_wider_than_the_seed_spread(results):
    sweep = results("lr_sweep")
    msg = claim("learning-rate.md", "Your run is a single seed, and at that rate the seeds' losses alone spread over "
                "{{ value: lr_sweep.best_seed_spread | .3f }}, so the target leaves a margin of 25 %")
    margin = (TARGET_FACTOR - 1) * sweep["best_val_loss"]
    assert margin > sweep["best_seed_spread"], msg
    msg = claim("learning-rate.md", "Every seed of the sweep meets it at the best rate.")
    # every seed's own run at the best rate meets the target: the margin covers the seed a reader gets
    assert all(loss <= TARGET_FACTOR * sweep["best_val_loss"] for loss in sweep["best_val_loss_per_seed"]), msg


def test_the_starter_rate_is_far_too_low(results):
    sweep = results("lr_sweep")
    msg = claim("learning-rate.md", "The starter's rate is far too low for {{ value: lr_sweep.config.epochs | d }} epochs.")
    rates, losses = sweep["learning_rates"], sweep["final_val_loss"]
    near_starter = min(range(len(rates)), key=lambda i: abs(rates[i] - 0.001))  # the starter's 0.001
    assert losses[near_starter] > 3 * TARGET_FACTOR * sweep["best_val_loss"], msg


def test_the_band_that_meets_the_target_is_wide(results):
    sweep = results("lr_sweep")
    target = TARGET_FACTOR * sweep["best_val_loss"]
    near = sweep["near_best"]
    msg = claim("learning-rate.md", "on average over the sweep's seeds, every rate from "
                "{{ value: lr_sweep.near_best.learning_rates.0 | .2g }} to "
                "{{ value: lr_sweep.near_best.learning_rates.1 | .2g }} ended within the target.")
    assert near["factor"] == TARGET_FACTOR, msg + " (the band is the target's)"
    rates, losses = sweep["learning_rates"], sweep["final_val_loss"]
    low, high = rates.index(near["learning_rates"][0]), rates.index(near["learning_rates"][1])
    assert all(v is not None and v <= target for v in losses[low:high + 1]), msg
    assert near["count"] >= 3 and low < sweep["best_index"] < high, msg + " (you did not need to hit the best)"
    msg = claim("learning-rate.md", "Your single seed can\nland a little differently, near the band's edges most of all.")
    seed_0 = [per_seed[0] for per_seed in sweep["final_val_loss_per_seed"][low:high + 1]]
    assert all(v is not None for v in seed_0) and max(seed_0) > min(seed_0), msg


def test_near_the_cliff_the_seeds_disagree_and_seed_0_survives_the_first_crosses(results):
    sweep = results("lr_sweep")
    rates, per_seed = sweep["learning_rates"], sweep["final_val_loss_per_seed"]
    some, every = sweep["smallest_diverging_learning_rate"], sweep["smallest_all_diverging_learning_rate"]
    msg = claim("learning-rate.md", "It is one seed, though, and near the cliff the sweep's seeds disagree about which "
                "rates diverge.")
    mixed = [lr for lr, losses in zip(rates, per_seed) if None in losses and any(v is not None for v in losses)]
    assert some < every and len(mixed) >= 2, msg
    msg = claim("learning-rate.md", "Near the first crosses only some seeds diverged, and your seed 0 may not be one of them.")
    assert all(losses[0] is not None for lr, losses in zip(rates, per_seed) if some <= lr < every), msg
    msg = claim("learning-rate.md", "From {{ value: lr_sweep.smallest_all_diverging_learning_rate | .2g }} up every seed "
                "of the sweep diverged")
    assert all(all(v is None for v in losses) for lr, losses in zip(rates, per_seed) if lr >= every), msg
    msg = claim("learning-rate.md", "Look at the crosses on the far right, where not even the small per-seed dots are "
                "left (the line's markers stop earlier): there every seed diverged.")
    assert every < rates[-1] and sweep["diverged"][-1], msg


# --- docs/learning-curves.md: run A (the epochs page's long run) -----------------------------------


def test_run_a_training_loss_ends_far_below_its_start(results):
    run = results("epochs")
    msg = claim("learning-curves.md", "Here the training loss ends at {{ value: epochs.too_many.train_loss | .2f }}, "
                "far below its start ({{ value: epochs.train_loss.0 | .2f }}).")
    assert run["too_many"]["train_loss"] < run["train_loss"][0] / 5, msg


def test_run_a_validation_loss_turns_back_up(results):
    run = results("epochs")
    best, end = run["best"], run["too_many"]
    msg = claim("learning-curves.md", "Here it is lowest at epoch {{ value: epochs.best.epoch | d }} "
                "({{ value: epochs.best.val_loss | .2f }}) and ends at {{ value: epochs.too_many.val_loss | .2f }}.")
    assert best["epoch"] < end["epoch"] / 2 and end["val_loss"] > 1.5 * best["val_loss"], msg
    assert min(run["val_loss"]) == best["val_loss"], msg


def test_run_a_gap_widens_while_training_loss_keeps_falling(results):
    run = results("epochs")
    best, end = run["best"], run["too_many"]
    msg = claim("learning-curves.md", "The training loss keeps falling, to {{ value: epochs.too_many.train_loss | .2f }}, "
                "while the validation loss is lowest at epoch {{ value: epochs.best.epoch | d }} "
                "({{ value: epochs.best.val_loss | .2f }}) and then climbs back to "
                "{{ value: epochs.too_many.val_loss | .2f }}: the gap between the curves widens.")
    assert end["train_loss"] < best["train_loss"] / 2, msg
    assert end["val_loss"] - end["train_loss"] > 3 * (best["val_loss"] - best["train_loss"]), msg


# --- docs/learning-curves.md: run B (the learning-rate page's diverging run) -----------------------


def diverging_run(results) -> dict:
    """The run the page quotes as ``lr_curves.runs.3``: it must be the diverging one."""
    run = results("lr_curves")["runs"][3]
    assert run["label"] == "diverging", f"lr_curves.runs.3 is {run['label']!r}: the page's run B quotes the wrong run"
    return run


def test_run_b_jumps_up_within_two_epochs(results):
    run = diverging_run(results)
    msg = claim("learning-curves.md", "Here the training loss jumps from {{ value: lr_curves.runs.3.initial_train_loss | .2f }} "
                "to {{ value: lr_curves.runs.3.train_loss.2 | .1f }} within two epochs.")
    assert run["train_loss"][2] > 10 * run["initial_train_loss"], msg


def test_run_b_ends_above_its_start_and_never_comes_back(results):
    run = diverging_run(results)
    msg = claim("learning-curves.md", "The loss ends at {{ value: lr_curves.runs.3.final_train_loss | .1f }}, above where it "
                "started ({{ value: lr_curves.runs.3.initial_train_loss | .2f }}): nothing was learned.")
    assert run["final_train_loss"] > 2 * run["initial_train_loss"], msg
    msg = claim("learning-curves.md", "the training loss ends at {{ value: lr_curves.runs.3.final_train_loss | .1f }}, above "
                "where it started ({{ value: lr_curves.runs.3.initial_train_loss | .2f }}).")
    assert run["final_train_loss"] > run["initial_train_loss"], msg
    msg = claim("learning-curves.md", "and never comes back down to where it started: every step overshoots.")
    assert min(run["train_loss"][1:]) > run["initial_train_loss"], msg


def test_run_b_needs_the_tables_cut_and_perhaps_more_than_one(results):
    run, sweep, curves = diverging_run(results), results("lr_sweep"), results("lr_curves")
    msg = claim("learning-curves.md", "Divide the learning rate by 3 to 10, and again until the loss falls; then tune it "
                "from there. On the same network the learning-rate sweep's best was "
                "{{ value: lr_sweep.best_learning_rate | .2g }}, against this run's "
                "{{ value: lr_curves.runs.3.learning_rate | g }}.")
    same = ("hidden", "batch_size", "epochs", "n_train")
    assert all(sweep["config"][key] == curves["config"][key] for key in same), msg
    # the table gives the same advice, in the same words
    assert claim("learning-curves.md", "divide the learning rate by 3 to 10, and again until the loss falls"), msg
    # "and again": a cut by 3 lands where a seed of the sweep already diverged; a cut by 10 does not
    assert run["learning_rate"] / 3 >= sweep["smallest_diverging_learning_rate"] > run["learning_rate"] / 10, msg
    # "then tune it from there": the best rate lies below even the larger cut
    assert sweep["best_learning_rate"] < run["learning_rate"] / 10, msg


# --- docs/early-stopping.md ---------------------------------------------------------------------


def test_a_short_patience_stops_on_the_plateau(results):
    run = results("early_stopping")
    plain = run["rules"]["plain"]
    msg = claim("early-stopping.md", "On a plateau none comes for many epochs, so a short patience can run out there, before "
                "the loss drops again. On the run in the figures (seed {{ value: early_stopping.config.seed | d }}, the one "
                "with the longest plateau), patience {{ value: early_stopping.rules.plain.2.patience | d }} stops at epoch "
                "{{ value: early_stopping.rules.plain.2.stop_epoch | d }}, while the lowest validation loss comes only at "
                "epoch {{ value: early_stopping.rules.plain.5.best_epoch | d }}; in the other seeds the same patience got "
                "past the plateau.")
    short, long = plain[2], plain[5]
    assert short["patience"] < long["patience"] == plain[-1]["patience"], msg
    assert short["stop_epoch"] < long["best_epoch"] and short["restored_val_loss"] > 1.5 * long["restored_val_loss"], msg
    # a plateau: no new best in the `patience` epochs before the short stop, and a lower loss after it
    losses = run["val_loss"]
    assert min(losses[short["best_epoch"] + 1:short["stop_epoch"] + 1]) >= losses[short["best_epoch"]], msg
    assert min(losses[short["stop_epoch"] + 1:]) < losses[short["best_epoch"]], msg
    assert run["transient"]["plateau_end"] == run["over_seeds"]["plateau_end"]["max"], msg
    assert [seed_run["rules"]["plain"][2]["past_plateau"] for seed_run in run["seed_runs"]] == [False] + [True] * (
        len(run["seed_runs"]) - 1), msg


def test_the_engine_stops_patience_epochs_after_the_kept_epoch(results):
    msg = claim("early-stopping.md", "A hidden check also runs your function on the validation curve of the run in the "
                "figures (seed {{ value: early_stopping.config.seed | d }}), once for each patience in the table, and "
                "compares each answer with the epoch at which the chapter's engine stopped that run.")
    for rule in results("early_stopping")["rules"]["plain"]:
        assert rule["stop_epoch"] == rule["best_epoch"] + rule["patience"], (msg, rule)
    fence = (DOCS_DIR / "early-stopping.md").read_text(encoding="utf-8").split('```exercise id="patience-rule"', 1)[1].split("\n```", 1)[0]
    hidden = [line for line in fence.splitlines() if line.startswith("#| hidden check:")]
    assert len(hidden) > 1 and [line for line in hidden if "this page's run" in line] == hidden[-1:], (msg, hidden)


# --- docs/epochs-and-batch-size.md ----------------------------------------------------------------


def test_the_epochs_curve_wobbles_and_the_margin_leaves_a_narrower_window(results):
    run = results("epochs")
    msg = claim("epochs-and-batch-size.md", "The curve wobbles from epoch to epoch, so the target has a margin of 10 %")
    val = run["val_loss"]
    rises = sum(later > earlier for earlier, later in zip(val[1:], val[2:]))
    assert rises > len(val) // 5, msg
    passing = [epoch for epoch, loss in enumerate(val) if loss <= EPOCHS_TARGET_FACTOR * run["best"]["val_loss"]]
    wider = [epoch for epoch, loss in enumerate(val) if loss <= 1.2 * run["best"]["val_loss"]]
    assert 50 <= len(passing) <= 0.6 * len(wider), msg
    assert run["best"]["epoch"] in passing and run["too_many"]["epoch"] not in passing, msg
    assert EPOCHS_SOLUTION in passing, msg


def test_early_stopping_finds_the_lowest_point_only_with_enough_patience(results):
    stopping, best = results("early_stopping"), results("epochs")["best"]
    plain = stopping["rules"]["plain"]
    msg = claim("epochs-and-batch-size.md", "On this run a patience of "
                "{{ value: early_stopping.rules.plain.5.patience | d }} epochs keeps the lowest point itself, epoch "
                "{{ value: early_stopping.rules.plain.5.best_epoch | d }}; a short one can give up on the plateau at the "
                "start, as the Early stopping page shows.")
    assert stopping["config"]["seed"] == results("epochs")["config"]["seed"], msg + " (the same run)"
    assert plain[5]["best_epoch"] == best["epoch"] and plain[5]["restored_val_loss"] == best["val_loss"], msg
    # "a short one": the shortest patiences all stop inside the plateau and keep a network far worse than the best
    short = [rule for rule in plain if rule["stop_epoch"] < stopping["transient"]["plateau_end"]]
    assert short and max(rule["patience"] for rule in short) < plain[5]["patience"], msg
    assert all(rule["restored_val_loss"] > 2 * best["val_loss"] for rule in short), msg
    msg = claim("epochs-and-batch-size.md", "it ends training once the validation loss has not improved for a set "
                "number of epochs (its patience) and keeps the weights of the best epoch.")
    for rule in plain:
        assert rule["stop_epoch"] == rule["best_epoch"] + rule["patience"], (msg, rule)
        assert math.isclose(rule["restored_val_loss"], stopping["val_loss"][rule["best_epoch"]]), (msg, rule)


def test_run_a_is_the_early_stopping_pages_run_and_ends_well_above_its_lowest_point(results):
    stopping, run = results("early_stopping"), results("epochs")
    msg = claim("learning-curves.md", "Trained for all {{ value: early_stopping.config.epochs | d }} epochs, it ends at a "
                "validation loss of {{ value: early_stopping.full_run.final_val_loss | .3f }}, far above its lowest, "
                "{{ value: epochs.best.val_loss | .3f }}.")
    assert stopping["config"]["epochs"] == run["too_many"]["epoch"], msg
    assert stopping["full_run"]["final_val_loss"] == run["too_many"]["val_loss"], msg
    assert stopping["full_run"]["final_val_loss"] > 1.5 * run["best"]["val_loss"], msg
    msg = claim("learning-curves.md", "The first cure the [diagnosis table](#diagnosis-table) suggests is early stopping, "
                "which keeps the weights of the best epoch; the Early stopping page tunes it on this very run.")
    assert stopping["config"]["seed"] == run["config"]["seed"] and stopping["val_loss"] == run["val_loss"], msg
    assert claim("learning-curves.md", "| Training loss keeps falling, validation loss turns upward | overfitting: too "
                 "much capacity or too many epochs | [early stopping](key-concepts.md#early-stopping);"), msg
    # a patient enough rule keeps the lowest point
    assert stopping["rules"]["plain"][-1]["restored_val_loss"] == run["best"]["val_loss"], msg


def test_epochs_after_the_lowest_point_help_training_and_hurt_validation(results):
    run = results("epochs")
    msg = claim("epochs-and-batch-size.md", "The epochs after the lowest point make the network better on its training "
                "students and worse on new ones.")
    assert run["too_many"]["train_loss"] < run["best"]["train_loss"], msg
    assert run["too_many"]["val_loss"] > run["best"]["val_loss"], msg


# --- docs/network-size.md -------------------------------------------------------------------------


def test_the_underfitting_target_separates_one_neuron_from_the_rest_for_every_seed(results):
    capacity = results("capacity")
    target = TARGET_FACTOR * capacity["early_stopped_high"]
    per_seed = capacity["min_val_loss_per_seed"]
    msg = claim("network-size.md", "Single seeds scatter around those means, so a width counts as not underfitting here "
                "when its lowest validation loss is at most 1.25 times {{ value: capacity.early_stopped_high | .3f }}.")
    assert capacity["widths"][0] == 1, msg
    assert all(loss > target for loss in per_seed[0]), msg
    assert all(loss <= target for seeds in per_seed[1:] for loss in seeds), msg
    assert max(seeds[0] for seeds in per_seed[1:]) > capacity["early_stopped_high"], msg  # seed 0 scatters above the mean


def test_the_wider_networks_best_losses_span_the_quoted_range_and_one_neuron_is_far_above(results):
    capacity = results("capacity")
    msg = claim("network-size.md", "At their best epochs the wider networks in the figure reached "
                "{{ value: capacity.early_stopped_low | .3f }} to {{ value: capacity.early_stopped_high | .3f }} on "
                "average")
    wider = capacity["min_val_loss"][1:]
    assert (capacity["early_stopped_low"], capacity["early_stopped_high"]) == (min(wider), max(wider)), msg
    msg = claim("network-size.md", "one neuron reached {{ value: capacity.min_val_loss.0 | .3f }}.")
    assert capacity["widths"][0] == 1 and capacity["min_val_loss"][0] > 1.5 * capacity["early_stopped_high"], msg


def test_an_underfitting_network_fits_neither_set(results):
    capacity = results("capacity")
    msg = claim("network-size.md", "An underfitting network cannot fit even its training set, and then even its best "
                "epoch stays above what bigger networks reach on new students")
    assert capacity["train_loss"][0] > 2 * max(capacity["train_loss"][1:]), msg
    assert capacity["min_val_loss"][0] > TARGET_FACTOR * capacity["early_stopped_high"], msg
    msg = claim("network-size.md", "One neuron cannot fit its training set either: its final training loss is "
                "{{ value: capacity.train_loss.0 | .3f }}, against {{ value: capacity.train_loss.1 | .3f }} with two neurons")
    assert capacity["widths"][:2] == [1, 2] and capacity["train_loss"][0] > 2 * capacity["train_loss"][1], msg


def test_a_second_neuron_is_enough(results):
    capacity = results("capacity")
    msg = claim("network-size.md", "the border in this data is curved, and a second neuron is enough to bend it.")
    assert capacity["widths"][:2] == [1, 2], msg
    assert capacity["min_val_loss"][1] < capacity["min_val_loss"][0] / 2, msg


# --- docs/search-strategies.md --------------------------------------------------------------------


def test_a_uniform_draw_hardly_tries_small_rates():
    msg = claim("search-strategies.md", "A uniform draw between 0.0001 and 1 puts 99 % of the rates above 0.01: it hardly "
                "ever tries the small rates.")
    low, high, middle = 1e-4, 1.0, 1e-2
    assert round((high - middle) / (high - low), 2) == 0.99, msg


def test_a_shorter_run_repeats_the_first_epochs_of_the_figures_run(results):
    from lesson import DataConfig, NetworkConfig, TrainConfig, fit, make_dataset

    config = results("epochs")["config"]
    msg = claim("epochs-and-batch-size.md", "Its first epochs are exactly those of the figure's run")
    data = make_dataset(DataConfig(n_train=config["n_train"], seed=0))

    def val_loss(epochs: int) -> list:
        training = TrainConfig(learning_rate=config["learning_rate"], momentum=config["momentum"],
                               batch_size=config["batch_size"], epochs=epochs)
        return fit(data, NetworkConfig(hidden=(config["hidden"],)), training, seed=config["seed"]).history.val_loss

    assert val_loss(20) == val_loss(40)[:21], msg
