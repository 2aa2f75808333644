"""The playground's engine side: the messages the page draws, from the real engine."""

import contextlib
import io
import json

import pytest

from lesson import DataConfig, NetworkConfig, TrainConfig, fit, make_dataset
from lesson.playground import PlaygroundSettings, page_spec, settings_code, stream_training
from playground_report import parse_report


def collect(settings: dict) -> list[dict]:
    messages: list[dict] = []
    stream_training(settings, messages.append)
    return messages


def test_messages_arrive_in_order_and_are_plain_json():
    messages = collect({"epochs": 12, "boundary_every": 5, "grid_size": 6})
    kinds = [m["kind"] for m in messages]
    assert kinds[0] == "start" and kinds[-1] == "done"
    assert [m["epoch"] for m in messages if m["kind"] == "epoch"] == list(range(13))
    # boundaries at epochs 0, 5, 10 while training, then the final one
    assert [m["epoch"] for m in messages if m["kind"] == "boundary"] == [0, 5, 10, 12]
    grid = messages[0]["grid"]
    assert len(grid["studied"]) == 6 and len(grid["slept"]) == 6
    final = [m for m in messages if m["kind"] == "boundary"][-1]["probability"]
    assert len(final) == 6 and all(len(row) == 6 and all(0 <= p <= 1 for p in row) for row in final)
    json.dumps(messages, allow_nan=False)  # raises on NaN/inf


def test_streamed_curves_equal_fit_with_the_same_settings():
    messages = collect({"epochs": 15, "learning_rate": 0.5, "batch_size": 8, "seed": 3})
    streamed = [m["val_loss"] for m in messages if m["kind"] == "epoch"]
    trained = fit(make_dataset(DataConfig()), NetworkConfig(hidden=(8,)),
                  TrainConfig(learning_rate=0.5, batch_size=8, epochs=15), seed=3)
    assert streamed == trained.history.val_loss


def test_a_good_setting_learns_and_a_huge_learning_rate_diverges():
    good = collect({"epochs": 60})[-1]
    assert good["stop_reason"] == "completed" and good["best_val_acc"] > 0.9
    diverged = collect({"epochs": 60, "learning_rate": 500.0})[-1]
    assert diverged["diverged"] and diverged["stop_reason"] == "diverged"


def test_patience_stops_early_and_restores_the_best_epoch():
    done = collect({"epochs": 800, "patience": 5, "hidden_neurons": 64, "n_train": 40,
                    "momentum": 0.9})[-1]
    assert done["stop_reason"] == "early_stopping"
    assert done["stopped_epoch"] < 800 and done["restored_best"]
    assert done["stopped_epoch"] - done["best_epoch"] == 5


@pytest.mark.parametrize("raw, fragment", [
    ({"learnig_rate": 0.1}, "valid settings are"),
    ({"hidden_neurons": 0}, "hidden_neurons = 0 is invalid"),
    ({"activation": "swish"}, "use one of tanh, relu, sigmoid"),
    ({"learning_rate": -1.0}, "learning_rate = -1.0 is invalid"),
])
def test_bad_settings_name_the_setting_and_the_fix(raw, fragment):
    with pytest.raises(ValueError, match=fragment):
        PlaygroundSettings.from_dict(raw)


def printed_numbers(code: str) -> dict[str, float]:
    """Run the copied code as a live cell would and read the numbers its three lines print."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(code, "<copied code>", "exec"), {"__name__": "__main__"})
    return parse_report(output.getvalue())


@pytest.mark.parametrize("settings", [
    {"epochs": 20},
    {"epochs": 300, "patience": 5, "hidden_neurons": 64, "n_train": 40, "momentum": 0.9, "label_noise": 0.1},
    {"epochs": 15, "hidden_layers": 2, "activation": "relu", "batch_size": 1, "seed": 3, "learning_rate": 0.03},
    {"epochs": 20, "learning_rate": 100.0},
])
def test_copied_code_prints_the_playgrounds_numbers_exactly(settings):
    done = collect(settings)[-1]
    printed = printed_numbers(settings_code(settings))
    expected = {key: done[key] for key in printed}
    assert printed == expected
    assert done["diverged"] == (settings.get("learning_rate") == 100.0)  # the list covers a diverged run


def test_the_page_spec_offers_valid_choices_and_the_settings_defaults():
    spec = page_spec()
    defaults = PlaygroundSettings()
    names = [control["name"] for control in spec["controls"]]
    assert len(names) == len(set(names)) and "grid_size" not in names
    for control in spec["controls"]:
        assert control["default"] == getattr(defaults, control["name"])
        for value, text in control["choices"]:
            PlaygroundSettings(**{control["name"]: value})  # raises on a choice the engine refuses
            assert text
    rates = next(c for c in spec["controls"] if c["name"] == "learning_rate")["choices"]
    assert [3.0, "3"] in rates and rates == sorted(rates)
    json.dumps(spec, allow_nan=False)


def test_copied_code_refuses_an_unknown_setting():
    with pytest.raises(ValueError, match="valid settings are"):
        settings_code({"learnig_rate": 0.3})
