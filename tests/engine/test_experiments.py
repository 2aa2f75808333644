"""Each experiment's default result supports the claim the chapter makes with it."""

import json
import math

import pytest

from lesson.experiments import REGISTRY, UnknownExperimentError, get_experiment, run_experiment


def test_every_result_is_strict_json_and_carries_its_config(results):
    for name, result in results.items():
        text = json.dumps(result, allow_nan=False)  # raises on NaN/inf
        assert json.loads(text)["config"] == result["config"], name
        assert result["experiment"] == name


def test_results_are_deterministic():
    # (In Pyodide, test_engine_pyodide compares a fresh rerun of every experiment byte for byte.)
    first, second = (run_experiment("lr_sweep", seeds=2) for _ in range(2))
    assert json.dumps(first) == json.dumps(second)
    assert json.dumps(first) != json.dumps(run_experiment("lr_sweep", seeds=3))


def test_dataset_is_not_linearly_trivial_and_not_balanced(results):
    data = results["dataset"]
    assert 0.2 < data["base_rate"] < 0.5
    assert data["rule_val_accuracy"] > 0.9
    assert len(data["points"]["passed"]) == data["n_train"]
    assert math.isclose(data["initial_loss_zero_bias"], math.log(2))


def test_bad_hyperparameters_give_about_60_percent_and_good_about_95(results):
    bad, good = results["bad_vs_good"]["bad"], results["bad_vs_good"]["good"]
    assert 0.5 <= bad["mean_val_acc"] <= 0.72
    assert good["mean_val_acc"] >= 0.93
    assert good["mean_test_acc"] >= 0.92
    assert min(good["val_acc"]) > max(bad["val_acc"])


def test_capacity_one_neuron_underfits_wide_networks_overfit(results):
    cap = results["capacity"]
    train_loss, gap = cap["train_loss"], cap["gap"]
    assert train_loss[0] == max(train_loss) and train_loss[0] > 0.3
    assert gap[-1] > 3 * gap[0]
    widest_gap_rank = sorted(gap, reverse=True).index(gap[-1])
    assert widest_gap_rank <= 2, "the widest net is among the three most overfit"
    assert max(range(len(gap)), key=gap.__getitem__) >= cap["widths"].index(8)
    assert len(cap["boundaries"]["probability"]) == len(cap["boundaries"]["widths"])


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
    stops = es["stops"]
    assert all(s["restored_val_loss"] <= s["final_val_loss"] for s in stops)
    epochs = [s["stop_epoch"] for s in stops]
    assert epochs == sorted(epochs)
    assert min(s["restored_val_loss"] for s in stops) < es["full_run"]["final_val_loss"]


def test_random_search_beats_grid_when_one_hyperparameter_matters_little(results):
    gvr = results["grid_vs_random"]
    assert gvr["mean_best"]["random"] <= gvr["mean_best"]["grid"]
    assert gvr["random_win_fraction"] >= 0.7
    assert gvr["distinct_learning_rates"]["random"] > gvr["distinct_learning_rates"]["grid"]


def test_successive_halving_is_cheaper_and_nearly_as_good(results):
    sh = results["successive_halving"]
    assert sh["mean_epochs_spent"] == 108 and sh["full_search_epochs"] == 729
    assert sh["mean_regret"] < 0.1
    assert all([r["epochs"] for r in rep["rungs"]] == [1, 3, 9, 27] for rep in sh["repeats"])


def test_unknown_experiment_lists_valid_names():
    with pytest.raises(UnknownExperimentError, match="lr_sweep"):
        get_experiment("lr_swep")


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_default_config_is_a_frozen_dataclass(name):
    config = REGISTRY[name].default_config
    with pytest.raises(AttributeError):
        config.seed = 3  # frozen (any field name raises)


@pytest.mark.parametrize("name,field,value", [
    ("lr_sweep", "count", 1), ("lr_sweep", "high", 1e-5), ("capacity", "widths", (0, 4)),
    ("grid_vs_random", "repeats", 0), ("early_stopping", "patiences", (5, 2)),
    ("bad_vs_good", "seeds", "3"), ("lr_curves", "labels", ("a",)),
])
def test_bad_config_values_name_field_and_range(name, field, value):
    with pytest.raises(ValueError, match=field):
        run_experiment(name, **{field: value})


def test_unknown_config_field_lists_valid_fields():
    with pytest.raises(TypeError, match="valid fields"):
        run_experiment("lr_sweep", seedz=2)
