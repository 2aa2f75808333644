"""The fitting experiments (overview, network size, learning curves, early stopping) support
what the chapter does with them, on the numbers Pyodide publishes (fixture ``results``)."""

import math

import pytest

from lesson.experiments import run_experiment
from lesson.experiments.capacity import parameter_count


def test_dataset_is_not_linearly_trivial_and_not_balanced(results):
    data = results["dataset"]
    assert 0.2 < data["base_rate"] < 0.5
    assert data["rule_val_accuracy"] > 0.9
    assert len(data["points"]["passed"]) == data["n_train"]
    assert math.isclose(data["initial_loss_zero_bias"], math.log(2))
    rate = data["base_rate"]
    assert math.isclose(data["initial_loss_base_rate"],
                        -(rate * math.log(rate) + (1 - rate) * math.log(1 - rate)))


def test_bad_hyperparameters_leave_the_network_untrained_and_good_ones_train_it(results):
    measured = results["bad_vs_good"]
    bad, good = measured["bad"], measured["good"]
    assert bad["max_val_loss_change"] < 0.05, "20 epochs at 1e-4 barely move the weights"
    assert min(abs(a - b) for a, b in zip(good["val_loss"], good["initial_val_loss"])) > 0.3
    assert good["mean_test_acc"] >= 0.92 and min(good["val_acc"]) > max(bad["val_acc"])
    assert bad["min_test_acc"] == min(bad["test_acc"]) and bad["max_test_acc"] == max(bad["test_acc"])
    ordered = sorted(bad["test_acc"])
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    assert math.isclose(bad["median_test_acc"], median)


def test_always_fail_is_the_test_splits_majority(results):
    measured, data = results["bad_vs_good"], results["dataset"]
    assert math.isclose(measured["test_always_fail_acc"], 1 - data["test_base_rate"])
    assert math.isclose(measured["val_always_fail_acc"], 1 - data["val_base_rate"])
    assert measured["test_always_fail_acc"] > 0.5, "fail is the majority class of the test split"


def test_capacity_one_neuron_underfits_wide_networks_overfit(results):
    cap = results["capacity"]
    train_loss, gap = cap["train_loss"], cap["gap"]
    assert train_loss[0] == max(train_loss) and train_loss[0] > 0.3
    assert gap[-1] > 3 * gap[0]
    assert cap["max_gap"] == max(gap) and cap["widths"][gap.index(cap["max_gap"])] == cap["max_gap_width"]
    assert cap["lowest_train_loss"] == min(train_loss)


def test_capacity_boundaries_are_the_configured_widths_and_the_widest_at_its_best_epoch(results):
    cap = results["capacity"]
    best = cap["widths"][min(range(len(cap["widths"])), key=cap["val_loss"].__getitem__)]
    assert cap["best_width"] == best
    boundaries = cap["boundaries"]
    shown = boundaries["widths"]
    assert shown == cap["config"]["boundary_widths"]
    assert len(boundaries["probability"]) == len(boundaries["rule_agreement_per_seed"]) == len(shown)
    stopped = boundaries["stopped"]
    assert stopped["width"] == max(shown)
    assert stopped["epoch"] == cap["best_epoch_per_seed"][cap["widths"].index(stopped["width"])][0]
    for per_seed in (*boundaries["rule_agreement_per_seed"], stopped["rule_agreement_per_seed"]):
        assert len(per_seed) == cap["config"]["seeds"]
    assert boundaries["rule_agreement"] == [seeds[0] for seeds in boundaries["rule_agreement_per_seed"]]


def test_capacity_stopped_networks_retrace_the_run_to_its_best_epoch():
    """A run ended at its best epoch is the same network the full run had there: its last
    validation loss is the full run's lowest (what early stopping with restore-best keeps)."""
    from lesson.experiments._common import dataset, runs_for, train
    from lesson.experiments.capacity import other_student_scores, stopped_networks

    data = dataset(40, 0)
    runs = runs_for(3, hidden=(8,), learning_rate=0.3, epochs=80, batch_size=10, momentum=0.9)
    trained = train(data, runs)
    for full, stopped in zip(trained, stopped_networks(data, runs, trained)):
        assert stopped.history.stopped_epoch == full.history.best_epoch
        assert stopped.history.val_loss[-1] == full.history.best_val_loss
    for score in other_student_scores(data, runs, trained):
        assert score["flattery"] >= 0 and score["at_best"] >= score["flattery"]


def test_capacity_comparisons_are_paired_seed_by_seed(results):
    cap = results["capacity"]
    pair = cap["narrow_vs_wide"]
    narrow, wide = (cap["widths"].index(w) for w in pair["widths"])
    for key, per_seed in (("validation", "min_val_loss_per_seed"), ("other_students", "other_loss_at_best_per_seed")):
        differences = [w - n for n, w in zip(cap[per_seed][narrow], cap[per_seed][wide])]
        assert math.isclose(pair[key]["mean"], sum(differences) / len(differences))
        assert pair[key]["a_lower"] == sum(d < 0 for d in differences)
    assert cap["flattery"]["n"] == cap["config"]["seeds"] * (len(cap["widths"]) - 1) and cap["flattery"]["min"] >= 0


def test_capacity_early_stopped_losses_are_a_narrow_band_above_one_neuron(results):
    cap = results["capacity"]
    wider = cap["min_val_loss"][1:]
    assert (cap["early_stopped_low"], cap["early_stopped_high"]) == (min(wider), max(wider))
    assert cap["early_stopped_high"] - cap["early_stopped_low"] < 0.03
    assert cap["min_val_loss"][0] > cap["early_stopped_high"] + 0.15
    for best, final in zip(cap["min_val_loss"], cap["val_loss"]):
        assert best <= final


def test_depth_pairs_have_comparable_parameter_counts(results):
    depth = results["depth"]
    for shallow, deep in depth["pairs"]:
        assert len(shallow["hidden"]) == 1 and len(deep["hidden"]) == 2
        assert shallow["parameters"] == parameter_count(tuple(shallow["hidden"]))
        assert abs(deep["parameters"] - shallow["parameters"]) <= 0.05 * shallow["parameters"]
    assert len(depth["depth_gain"]) == len(depth["pairs"])
    for network in (net for pair in depth["pairs"] for net in pair):
        seeds = network["min_val_loss_per_seed"]
        assert network["min_val_loss_range"] == [min(seeds), max(seeds)]
    assert depth["smallest_overfit"] > 0
    for gain, val, other, (shallow, deep) in zip(depth["depth_gain"], depth["depth_gain_paired"],
                                                 depth["depth_gain_other"], depth["pairs"]):
        assert math.isclose(gain, val["mean"]) and val["n"] == other["n"] == depth["config"]["seeds"]
        differences = [s - d for s, d in zip(shallow["other_loss_at_best_per_seed"], deep["other_loss_at_best_per_seed"])]
        assert math.isclose(other["mean"], sum(differences) / len(differences))


def test_parameter_count_counts_weights_and_biases():
    assert parameter_count((8,)) == 2 * 8 + 8 + 8 + 1
    assert parameter_count((6, 6)) == (2 * 6 + 6) + (6 * 6 + 6) + (6 + 1)


def test_diagnosis_cases_look_like_their_names(results):
    cases = {c["label"]: c for c in results["diagnosis"]["cases"]}
    under, good, over = cases["underfit"], cases["good fit"], cases["overfit"]
    assert under["final_train_loss"] > 2 * good["final_train_loss"]
    assert abs(good["final_val_loss"] - good["final_train_loss"]) < 0.05
    assert over["final_val_loss"] - over["final_train_loss"] > 0.1
    assert over["final_val_loss"] > over["min_val_loss"]
    div = cases["diverging"]
    assert div["diverged"] or div["final_train_loss"] > div["initial_train_loss"]
    slow = cases["too slow"]
    assert slow["final_train_loss"] > 2 * good["final_train_loss"]
    assert slow["train_loss"][-1] < slow["train_loss"][-10]  # still going down


def test_early_stopping_restores_a_better_model(results):
    es = results["early_stopping"]
    assert es["stops"] == es["rules"]["plain"]
    for stops in es["rules"].values():
        assert all(s["restored_val_loss"] <= s["final_val_loss"] for s in stops)
        epochs = [s["stop_epoch"] for s in stops]
        assert epochs == sorted(epochs)
    assert min(s["restored_val_loss"] for s in es["stops"]) < es["full_run"]["final_val_loss"]


def test_start_from_epoch_never_keeps_an_epoch_before_it(results):
    es = results["early_stopping"]
    start = es["config"]["start_from_epoch"]
    assert all(s["best_epoch"] >= start for s in es["rules"]["start_from_epoch"])


def test_the_transient_is_a_rise_then_a_plateau_above_one_neuron(results):
    es = results["early_stopping"]
    transient, val = es["transient"], es["val_loss"]
    end = transient["plateau_end"]
    assert end is not None and val[end] < es["one_neuron"]["min_val_loss"] <= min(val[1:end])
    assert transient["peak_val_loss"] == max(val[1:end]) and transient["peak_epoch"] > 1


def test_early_stopping_stops_read_off_the_curve_are_the_real_runs_stops():
    """seed_runs reads every seed's stops off its full curve; for a seed whose stopping runs are
    also trained for real (the first), both agree, rule by rule and patience by patience."""
    for seed in (3, 5):
        es = run_experiment("early_stopping", seed=seed, seeds=2, epochs=120, patiences=(2, 5, 10, 30))
        read = es["seed_runs"][0]["rules"]
        for rule, stops in es["rules"].items():
            for real, curve in zip(stops, read[rule]):
                assert (real["stop_epoch"], real["best_epoch"], real["restored_val_loss"]) == (
                    curve["stop_epoch"], curve["best_epoch"], curve["restored_val_loss"]), (seed, rule, real, curve)
        assert [run["seed"] for run in es["seed_runs"]] == [seed, seed + 1]


def test_early_stopping_summarises_every_seed(results):
    es = results["early_stopping"]
    n = es["config"]["seeds"]
    assert len(es["seed_runs"]) == es["over_seeds"]["seeds"] == n >= 6
    for rule, rows in es["over_seeds"]["rules"].items():
        for i, row in enumerate(rows):
            stops = [run["rules"][rule][i] for run in es["seed_runs"]]
            assert row["past_plateau"]["successes"] == sum(stop["past_plateau"] for stop in stops)
            assert row["past_plateau"]["trials"] == n and row["excess"]["n"] == n
            assert min(stop["excess"] for stop in stops) == row["excess"]["min"] >= 0


def test_diagnosis_summarises_every_seed(results):
    diagnosis = results["diagnosis"]
    n = diagnosis["config"]["seeds"]
    assert diagnosis["seeds"] == list(range(diagnosis["config"]["seed"], diagnosis["config"]["seed"] + n))
    for case in diagnosis["cases"]:
        spread = case["over_seeds"]
        assert spread["seeds"] == n and spread["best_epoch"]["n"] == n
        assert spread["min_val_loss"]["min"] <= case["min_val_loss"] <= spread["min_val_loss"]["max"]


@pytest.mark.parametrize("name,field,value", [
    ("depth", "pairs", (((16,), (0, 6)),)), ("depth", "pairs", ()),
    ("early_stopping", "start_from_epoch", 400), ("early_stopping", "min_delta", -0.1),
    ("early_stopping", "seeds", 0), ("diagnosis", "seeds", 0),
])
def test_bad_config_values_name_field_and_range(name, field, value):
    with pytest.raises(ValueError, match=field):
        run_experiment(name, **{field: value})


def test_depth_accepts_lists_for_pairs():
    config = run_experiment("depth", pairs=[[[2], [1, 1]]], seeds=1, epochs=2)["config"]
    assert config["pairs"] == [[[2], [1, 1]]]
