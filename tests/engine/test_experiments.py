"""Each experiment's default result supports the claim the chapter makes with it."""

import json

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
