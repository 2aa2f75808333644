"""The early-stopping page's hand-written comparisons (docs/early-stopping.md) hold in the
published results: each test quotes its sentence and checks its direction and size."""

from __future__ import annotations

import math

from claims import claim

PAGE = "early-stopping.md"


def rule(results, name: str) -> list[dict]:
    return results("early_stopping")["rules"][name]


def test_it_is_the_overfitting_run_of_the_learning_curves_continued(results):
    stopping = results("early_stopping")
    over = next(case for case in results("diagnosis")["cases"] if case["label"] == "overfit")
    msg = claim(PAGE, "The figure shows the overfitting run of the [learning curves](learning-curves.md#five-shapes), "
                "continued to {{ value: early_stopping.config.epochs | d }} epochs:")
    cfg = stopping["config"]
    same = (cfg["n_train"], cfg["hidden"], cfg["learning_rate"], cfg["momentum"], cfg["batch_size"])
    assert same == (over["n_train"], over["hidden"], over["learning_rate"], over["momentum"], over["batch_size"]), msg
    assert stopping["val_loss"][:len(over["val_loss"])] == over["val_loss"], msg
    msg = claim(PAGE, "and if nobody stops it, it ends all {{ value: early_stopping.config.epochs | d }} epochs at "
                "{{ value: early_stopping.full_run.final_val_loss | .3f }}.")
    assert stopping["full_run"]["final_val_loss"] > stopping["full_run"]["min_val_loss"] + 0.1, msg


def test_the_early_transient_rises_then_plateaus_at_one_neuron_level(results):
    stopping = results("early_stopping")
    transient, val = stopping["transient"], stopping["val_loss"]
    msg = claim(PAGE, "After the first epoch, the validation loss *rises*, from "
                "{{ value: early_stopping.transient.first_val_loss | .3f }} to "
                "{{ value: early_stopping.transient.peak_val_loss | .3f }} at epoch "
                "{{ value: early_stopping.transient.peak_epoch | d }}, while the momentum builds up speed and the first "
                "steps overshoot.")
    assert transient["peak_val_loss"] > transient["first_val_loss"] + 0.1 and transient["peak_epoch"] > 1, msg
    msg = claim(PAGE, "(The same network trained without momentum has no such rise: its validation loss keeps falling "
                "over those epochs, but it then stays on the plateau until epoch "
                "{{ value: early_stopping.no_momentum.plateau_end | d }}.)")
    still = stopping["no_momentum"]["val_loss"][1:transient["peak_epoch"] + 1]
    assert all(later < earlier for earlier, later in zip(still, still[1:])), msg
    assert stopping["no_momentum"]["plateau_end"] > 3 * transient["plateau_end"], msg
    msg = claim(PAGE, "Then it sits on a plateau: until epoch {{ value: early_stopping.transient.plateau_end | d }} it is "
                "no better than the best a network with a single hidden neuron reaches with the same training "
                "({{ value: early_stopping.one_neuron.min_val_loss | .3f }}), in other words than a nearly straight border.")
    end, one = transient["plateau_end"], stopping["one_neuron"]["min_val_loss"]
    assert min(val[1:end]) >= one and end > 5, msg
    msg = claim(PAGE, "Only then does the network find the curved border, and the validation loss drops.")
    assert min(val[end:end + 20]) < one - 0.15, msg


def test_plain_patience_is_a_cliff(results):
    plain, stopping = rule(results, "plain"), results("early_stopping")
    end, one = stopping["transient"]["plateau_end"], stopping["one_neuron"]["min_val_loss"]
    msg = claim(PAGE, "It is not a smooth trade-off but a cliff.")
    kept = [stop["restored_val_loss"] for stop in plain]
    assert min(kept[:3]) > 2 * max(kept[3:]), msg
    msg = claim(PAGE, "and {{ value: early_stopping.rules.plain.2.patience | d }} all stop inside the plateau and keep a "
                "network with validation loss {{ value: early_stopping.rules.plain.2.restored_val_loss | .3f }} or worse, "
                "no better than the one-neuron network.")
    assert all(stop["stop_epoch"] < end for stop in plain[:3]), msg
    assert min(kept[:3]) == kept[2] and kept[2] >= one, msg
    msg = claim(PAGE, "on, the rule waits out the plateau and keeps "
                "{{ value: early_stopping.rules.plain.3.restored_val_loss | .3f }} or better; more patience after that "
                "buys almost nothing")
    assert max(kept[3:]) == kept[3] and kept[3] - kept[-1] < 0.01, msg
    assert plain[-1]["stop_epoch"] > 3 * plain[3]["stop_epoch"], msg
    msg = claim(PAGE, "A patience of {{ value: early_stopping.rules.plain.2.patience | d }}, a common choice, fails on "
                "this run.")
    assert plain[2]["patience"] == 10 and kept[2] > 2 * stopping["full_run"]["min_val_loss"], msg


def test_min_delta_stops_sooner_never_later(results):
    plain, delta = rule(results, "plain"), rule(results, "min_delta")
    msg = claim(PAGE, "it makes the rule stop sooner, never later.")
    assert all(d["stop_epoch"] <= p["stop_epoch"] for p, d in zip(plain, delta)), msg
    msg = claim(PAGE, "Here it changes nothing at small patience and, at patience "
                "{{ value: early_stopping.rules.min_delta.5.patience | d }}, stops at epoch "
                "{{ value: early_stopping.rules.min_delta.5.stop_epoch | d }} instead of "
                "{{ value: early_stopping.rules.plain.5.stop_epoch | d }}, ignoring the last small improvement.")
    assert delta[:3] == plain[:3], msg
    assert delta[5]["stop_epoch"] < plain[5]["stop_epoch"], msg
    assert 0 < delta[5]["restored_val_loss"] - plain[5]["restored_val_loss"] < results("early_stopping")["config"]["min_delta"], msg


def test_start_from_epoch_lets_a_short_patience_work(results):
    stopping = results("early_stopping")
    plain, start = rule(results, "plain"), rule(results, "start_from_epoch")
    msg = claim(PAGE, "Starting at epoch {{ value: early_stopping.config.start_from_epoch | d }}, past the plateau, a "
                "patience of {{ value: early_stopping.rules.start_from_epoch.1.patience | d }} already keeps "
                "{{ value: early_stopping.rules.start_from_epoch.1.restored_val_loss | .3f }} (epoch "
                "{{ value: early_stopping.rules.start_from_epoch.1.best_epoch | d }}), as good as plain patience "
                "{{ value: early_stopping.rules.plain.3.patience | d }}, and stops at epoch "
                "{{ value: early_stopping.rules.start_from_epoch.1.stop_epoch | d }} instead of epoch "
                "{{ value: early_stopping.rules.plain.3.stop_epoch | d }}.")
    assert stopping["config"]["start_from_epoch"] > stopping["transient"]["plateau_end"], msg
    assert math.isclose(start[1]["restored_val_loss"], plain[3]["restored_val_loss"]), msg
    assert start[1]["stop_epoch"] < plain[3]["stop_epoch"], msg
    msg = claim(PAGE, "Patience {{ value: early_stopping.rules.start_from_epoch.0.patience | d }} is still too short even "
                "then: it falls for a wobble and keeps "
                "{{ value: early_stopping.rules.start_from_epoch.0.restored_val_loss | .3f }}.")
    assert start[0]["restored_val_loss"] > start[1]["restored_val_loss"] + 0.02, msg


def test_more_patience_never_keeps_a_worse_network(results):
    msg = claim(PAGE, "(in the table, each column's validation loss never rises as the patience grows).")
    for name, stops in results("early_stopping")["rules"].items():
        kept = [stop["restored_val_loss"] for stop in stops]
        assert all(b <= a for a, b in zip(kept, kept[1:])), f"{msg} ({name}: {kept})"


def test_predict_then_run_answer(results):
    stopping = results("early_stopping")
    plain, start = rule(results, "plain"), rule(results, "start_from_epoch")
    end = stopping["transient"]["plateau_end"]
    msg = claim(PAGE, "With the plain rule only patience {{ value: early_stopping.rules.plain.3.patience | d }} does:")
    assert [s["patience"] for s in plain[:4]] == [2, 5, 10, 20], msg
    assert all(s["stop_epoch"] < end for s in plain[:3]) and plain[3]["best_epoch"] > end, msg
    msg = claim(PAGE, "runs out at epoch {{ value: early_stopping.rules.plain.2.stop_epoch | d }}, just before the "
                "validation loss starts to fall")
    assert 0 < end - plain[2]["stop_epoch"] <= 3, msg
    msg = claim(PAGE, "patience {{ value: early_stopping.rules.start_from_epoch.1.patience | d }} and more all keep epoch "
                "{{ value: early_stopping.rules.start_from_epoch.1.best_epoch | d }}")
    assert all(s["best_epoch"] == start[1]["best_epoch"] for s in start[1:4]), msg


def test_figure_question_answer(results):
    stopping = results("early_stopping")
    msg = claim(PAGE, "Counting from epoch 0, the rise after epoch 1 and the plateau make the best epoch look like "
                "epoch {{ value: early_stopping.rules.plain.1.best_epoch | d }}, and any patience shorter than the plateau "
                "stops there.")
    plain = rule(results, "plain")
    assert plain[1]["best_epoch"] < stopping["transient"]["plateau_end"], msg
    assert plain[1]["best_epoch"] == plain[2]["best_epoch"], msg


def test_the_weights_at_the_stop_are_worse_than_the_best(results):
    msg = claim(PAGE, "When training stops, the current weights are $p$ epochs past the best point, and already a little "
                "overfitted.")
    for stop in rule(results, "plain")[3:]:  # the stops after the plateau, on the overfitting slope
        assert stop["stop_epoch"] - stop["best_epoch"] == stop["patience"], msg
        assert 0 < stop["final_val_loss"] - stop["restored_val_loss"] < 0.1, msg
