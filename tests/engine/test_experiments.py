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


def test_lr_curves_too_low_stays_high_right_learns_high_worse_diverging_rises(results):
    low, right, high, diverging = results["lr_curves"]["runs"]
    assert low["final_train_loss"] > 0.6 > 0.3 > right["final_train_loss"]
    assert high["final_val_loss"] > right["final_val_loss"]
    for seed, curve in enumerate(diverging["train_loss_per_seed"]):
        final = [v for v in curve if v is not None][-1]
        assert diverging["diverged"][seed] or final > curve[0]


def test_lr_sweep_is_u_shaped_with_divergence_at_the_high_end(results):
    sweep = results["lr_sweep"]
    losses, best = sweep["final_val_loss"], sweep["best_index"]
    assert 0 < best < len(losses) - 1
    assert losses[0] > sweep["best_val_loss"] + 0.3
    assert sweep["diverged"][-1] and not any(sweep["diverged"][:best + 1])
    assert 0.03 <= sweep["best_learning_rate"] <= 3


def test_lr_range_test_falls_then_suggests_a_working_rate(results):
    rt, sweep = results["lr_range_test"], results["lr_sweep"]
    smoothed = rt["smoothed_loss"]
    assert smoothed[rt["min_index"]] < smoothed[0] - 0.2
    suggested = rt["suggested_learning_rate"]
    # the suggested rate lies where the sweep's final loss is within 0.1 of its best
    nearest = min(range(len(sweep["learning_rates"])),
                  key=lambda i: abs(math.log(sweep["learning_rates"][i] / suggested)))
    assert sweep["final_val_loss"][nearest] is not None
    assert sweep["final_val_loss"][nearest] < sweep["best_val_loss"] + 0.1


def test_epochs_too_few_and_too_many_are_both_worse_than_best(results):
    ep = results["epochs"]
    best, few, many = ep["best"], ep["too_few"], ep["too_many"]
    assert few["epoch"] < best["epoch"] < many["epoch"]
    assert few["val_loss"] > best["val_loss"] + 0.1
    assert many["val_loss"] > 1.5 * best["val_loss"]
    assert many["train_loss"] < best["train_loss"]


def test_smaller_batches_are_noisier(results):
    runs = results["batch_noise"]["runs"]
    assert runs[0]["batch_size"] < runs[-1]["batch_size"]
    noise = [run["noise"] for run in runs]
    assert noise[0] == max(noise) and noise[0] > 5 * noise[-1]


def test_best_learning_rate_grows_with_batch_size(results):
    best = results["batch_lr"]["best_learning_rate"]
    assert all(a <= b for a, b in zip(best, best[1:]))
    assert best[-1] > best[0]


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
