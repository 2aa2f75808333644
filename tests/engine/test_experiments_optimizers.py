"""The optimizer and weight-decay experiments (lesson/experiments/optimizers.py): their results are
consistent with their definitions, and their default results (computed in Pyodide) support the
optimizers page's claims."""

import math

import numpy as np
import pytest

from lesson import DataConfig, NetworkConfig, TrainConfig, fit, make_dataset
from lesson.experiments import run_experiment
from lesson.experiments._common import band_around
from lesson.experiments.optimizers import _best_decay, _decades


# --- Pure helpers -------------------------------------------------------------------------------

def test_band_is_the_unbroken_run_around_the_best_within_the_factor():
    values = [0.9, 0.5, 0.24, 0.2, 0.22, 0.26, None, 0.21]
    assert band_around(values, 3, 1.25) == (2, 4)          # 0.26 > 0.25 ends it; None breaks it too
    assert band_around(values, 3, 1.5) == (2, 5)
    assert band_around([0.2], 0, 1.25) == (0, 0)
    assert math.isclose(_decades(0.01, 1.0), 2.0)


def test_best_decay_picks_the_lowest_mean_and_each_seeds_own():
    per_seed = [[0.8, 0.4], [0.3, 0.33], [0.34, 0.32]]  # [decay][seed]
    best = _best_decay([0.0, 1e-3, 1e-2], per_seed)
    assert best["index"] == 1 and best["decay"] == 1e-3
    assert best["per_seed_index"] == [1, 2] and best["per_seed_range"] == [1e-3, 1e-2]
    assert best["seeds_at_best"] == 1
    assert best["versus_none"]["a_lower"] == 2 and math.isclose(best["versus_none"]["mean"], -0.285)


# --- Adam against SGD ---------------------------------------------------------------------------

def test_adam_vs_sgd_bands_follow_their_definition(results):
    r = results["adam_vs_sgd"]
    lrs = r["learning_rates"]
    for name, s in r["optimizers"].items():
        finite = [v for v in s["final_val_loss"] if v is not None]
        assert s["best_val_loss"] == min(finite) == s["final_val_loss"][s["best_index"]], name
        low, high = s["good"]["indices"]
        assert low <= s["best_index"] <= high and s["good"]["learning_rates"] == [lrs[low], lrs[high]]
        threshold = s["good"]["threshold"]
        assert math.isclose(threshold, r["config"]["good_factor"] * s["best_val_loss"])
        assert all(s["final_val_loss"][i] <= threshold for i in range(low, high + 1)), name
        for outside in (low - 1, high + 1):  # the band ends where a rate misses the threshold (or at the grid's end)
            if 0 <= outside < len(lrs):
                value = s["final_val_loss"][outside]
                assert value is None or value > threshold, name
        assert all((s["final_val_loss"][i] is None) == (s["diverged_seeds"][i] > 0) for i in range(len(lrs))), name
        for seed, band in enumerate(s["seed_bands"]):
            own = [v[seed] for v in s["final_val_loss_per_seed"]]
            best = own[lrs.index(band["best_learning_rate"])]
            assert best == min(v for v in own if v is not None)
            a, b = (lrs.index(x) for x in band["learning_rates"])
            assert all(own[i] is not None and own[i] <= r["config"]["good_factor"] * best for i in range(a, b + 1))
            assert math.isclose(band["decades"], math.log10(lrs[b] / lrs[a]))
    widths = [[b["decades"] for b in r["optimizers"][name]["seed_bands"]] for name in ("sgd", "adam")]
    assert math.isclose(r["band_width"]["mean"], float(np.mean(np.subtract(*widths))))


def test_adam_vs_sgd_safe_runs_are_the_long_runs_first_epochs(results):
    r = results["adam_vs_sgd"]
    safe, cfg = r["safe"], r["config"]
    # the same seeds with a constant learning rate train identically up to epoch 30
    assert math.isclose(safe["val_loss_curve"][cfg["epochs"]], safe["val_loss"]["mean"], rel_tol=1e-12)
    assert len(safe["val_loss_curve"]) == cfg["long_epochs"] + 1
    assert safe["updates"] == 25 * cfg["epochs"] and math.isclose(safe["step_budget"], 3e-4 * safe["updates"])
    assert safe["initial_val_loss"] == safe["val_loss_curve"][0]


def test_adam_vs_sgd_supports_the_page(results):
    r = results["adam_vs_sgd"]
    sgd, adam = r["optimizers"]["sgd"], r["optimizers"]["adam"]
    # neither band is more than a quarter-decade grid step wider, and the seeds do not settle it
    assert abs(sgd["good"]["decades"] - adam["good"]["decades"]) <= 0.5
    assert r["band_width"]["sign_p"] > 0.05
    assert adam["smallest_all_diverging_learning_rate"] > sgd["smallest_all_diverging_learning_rate"]
    safe = r["safe"]
    assert safe["diverged"] == 0 and safe["good_seeds"] == safe["long_good_seeds"] == 0
    assert safe["val_loss"]["mean"] > 3 * adam["best_val_loss"]


# --- Weight decay -------------------------------------------------------------------------------

def test_weight_decay_best_decays_and_comparisons_follow_their_definition(results):
    wd = results["weight_decay"]
    decays = wd["decays"]
    for key, curve in (("best_without_early_stopping", "final_val_loss"), ("best_with_early_stopping", "min_val_loss")):
        best = wd[key]
        assert wd[curve][best["index"]] == min(wd[curve]) and best["decay"] == decays[best["index"]]
        per_seed = wd[f"{curve}_per_seed"]
        for seed, index in enumerate(best["per_seed_index"]):
            assert per_seed[index][seed] == min(v[seed] for v in per_seed)
        assert math.isclose(best["versus_none"]["mean"],
                            float(np.mean(np.subtract(per_seed[best["index"]], per_seed[0]))))
    for final, lowest in zip(wd["final_val_loss_per_seed"], wd["min_val_loss_per_seed"]):
        assert all(m <= f for m, f in zip(lowest, final))  # the best epoch is never worse than the last
    b = wd["boundaries"]
    assert len(b["probability"]) == len(b["decays"]) and np.asarray(b["probability"][0]).shape == (41, 41)
    assert all(0.5 < a <= 1.0 for seeds in b["rule_agreement_per_seed"] for a in seeds)
    assert b["rule_agreement"] == [b["rule_agreement_per_seed"][decays.index(d)][0] for d in b["decays"]]


def test_weight_decay_supports_the_page(results):
    wd = results["weight_decay"]
    without, with_stopping = wd["best_without_early_stopping"], wd["best_with_early_stopping"]
    assert 0 < without["decay"] < wd["decays"][-1] and 0 < with_stopping["decay"] < wd["decays"][-1]
    assert without["versus_none"]["a_lower"] == wd["config"]["seeds"]          # decay helps in every seed
    assert without["val_loss"]["mean"] < wd["final_val_loss"][0] / 2
    assert -0.02 < with_stopping["versus_none"]["mean"] < 0                   # ... and little with early stopping
    assert wd["decay_versus_stopping"]["mean"] > 0                            # stopping alone beats decay alone
    assert wd["weight_rms"][-1] < wd["weight_rms"][0] / 5


def test_weight_decay_other_draws_follow_their_definition(results):
    wd = results["weight_decay"]
    cfg = wd["config"]
    assert [d["draw"] for d in wd["other_draws"]] == cfg["other_draws"]
    for d in wd["other_draws"]:
        assert d["decays"] == cfg["other_decays"]
        for key, curve in (("best_without_early_stopping", "final_val_loss"), ("best_with_early_stopping", "min_val_loss")):
            best, per_seed = d[key], d[f"{curve}_per_seed"]
            assert len(per_seed) == len(d["decays"]) and all(len(v) == cfg["other_seeds"] for v in per_seed)
            assert d[curve][best["index"]] == min(d[curve]) and best["decay"] == d["decays"][best["index"]]
            assert math.isclose(best["versus_none"]["mean"],
                                float(np.mean(np.subtract(per_seed[best["index"]], per_seed[0]))))
        for last, lowest in zip(d["final_val_loss_per_seed"], d["min_val_loss_per_seed"]):
            assert all(m <= f for m, f in zip(lowest, last))
        alone = np.subtract(d["final_val_loss_per_seed"][d["best_without_early_stopping"]["index"]],
                            d["min_val_loss_per_seed"][0])
        assert math.isclose(d["decay_versus_stopping"]["mean"], float(np.mean(alone)))
        assert d["decay_versus_stopping"]["b_lower"] == int(np.sum(alone > 0))
    s = wd["other_draws_summary"]
    versus = [d["best_with_early_stopping"]["versus_none"] for d in wd["other_draws"]]
    assert s["draws"] == len(versus)
    assert s["with_early_stopping"]["gain_range"] == [min(-v["mean"] for v in versus), max(-v["mean"] for v in versus)]
    assert s["with_early_stopping"]["seeds_lower"] == sum(v["a_lower"] for v in versus)
    assert s["with_early_stopping"]["seeds"] == sum(v["n"] for v in versus)
    assert s["with_early_stopping"]["largest_sign_p"] == max(v["sign_p"] for v in versus)
    alone = [d["decay_versus_stopping"] for d in wd["other_draws"]]
    assert s["decay_versus_stopping"]["stopping_lower_draws"] == sum(a["mean"] > 0 for a in alone)
    assert s["decay_versus_stopping"]["decay_lower_seeds"] == sum(a["a_lower"] for a in alone)


def test_weight_decay_other_draws_support_the_page(results):
    wd = results["weight_decay"]
    page_gain = wd["best_with_early_stopping"]["versus_none"]["mean"]
    for d in wd["other_draws"]:       # with early stopping, decay adds more on every other draw, in every seed
        versus = d["best_with_early_stopping"]["versus_none"]
        assert versus["a_lower"] == versus["n"] and versus["mean"] < page_gain < 0
        assert d["best_without_early_stopping"]["versus_none"]["a_lower"] == versus["n"]


def test_weight_decay_without_other_draws():
    result = run_experiment("weight_decay", decays=(0.0, 1e-3), boundary_decays=(0.0,), seeds=2, epochs=5,
                            other_draws=())
    assert result["other_draws"] == [] and result["other_draws_summary"] is None


def test_the_exercise_trains_the_experiments_seed_0_run():
    """docs/optimizers.md's exercise trains with `fit`; the experiment's seed 0 is the same run."""
    result = run_experiment("weight_decay", decays=(0.0, 1e-3), boundary_decays=(0.0,), seeds=1, other_draws=())
    cfg = result["config"]
    data = make_dataset(DataConfig(n_train=cfg["n_train"], seed=0))
    training = TrainConfig(learning_rate=cfg["learning_rate"], momentum=cfg["momentum"], batch_size=cfg["batch_size"],
                           epochs=cfg["epochs"], weight_decay=1e-3)
    history = fit(data, NetworkConfig(hidden=(cfg["hidden"],)), training, seed=0).history
    assert math.isclose(history.val_loss[history.stopped_epoch], result["final_val_loss_per_seed"][1][0], rel_tol=1e-9)


def test_weight_decay_with_adam_decays_the_adamw_way():
    kwargs = {"optimizer": "adam", "learning_rate": 0.01, "boundary_decays": (0.0,), "seeds": 1, "epochs": 20,
              "other_draws": ()}
    mild, strong = (run_experiment("weight_decay", decays=(0.0, d), **kwargs) for d in (0.3, 3.0))
    assert mild["final_val_loss_per_seed"][0] == strong["final_val_loss_per_seed"][0]  # the same decay-0 run
    # AdamW shrinks every weight by (1 - lr * decay) per update: the stronger decay, the smaller weights
    assert strong["weight_rms"][1] < mild["weight_rms"][1] < mild["weight_rms"][0]


@pytest.mark.parametrize("name,field,value", [
    ("weight_decay", "decays", (0.001, 0.01)), ("weight_decay", "decays", (0.0, 0.01, 0.001)),
    ("weight_decay", "boundary_decays", (0.5,)), ("weight_decay", "optimizer", "rmsprop"),
    ("weight_decay", "other_draws", (1, 1)), ("weight_decay", "other_decays", (1e-3, 1e-2)),
    ("decay_and_rate", "learning_rates", (0.3,)), ("adam_vs_sgd", "long_epochs", 10),
    ("adam_vs_sgd", "high", 1e-6),
])
def test_bad_config_values_name_the_field(name, field, value):
    with pytest.raises(ValueError, match=field):
        run_experiment(name, **{field: value})


# --- The best decay at several learning rates ----------------------------------------------------

def test_decay_and_rate_reuses_the_weight_decay_runs(results):
    """Its largest learning rate is weight_decay's setup: the same runs give the same numbers."""
    dr, wd = results["decay_and_rate"], results["weight_decay"]
    rate = dr["rates"][dr["learning_rates"].index(wd["config"]["learning_rate"])]
    for i, decay in enumerate(dr["decays"]):
        j = wd["decays"].index(decay)
        seeds = dr["config"]["seeds"]
        assert rate["final_val_loss_per_seed"][i] == wd["final_val_loss_per_seed"][j][:seeds]
        assert rate["min_val_loss_per_seed"][i] == wd["min_val_loss_per_seed"][j][:seeds]


def test_decay_and_rate_summaries_follow_their_definition(results):
    dr = results["decay_and_rate"]
    for label, key in (("without_early_stopping", "final_val_loss"), ("with_early_stopping", "min_val_loss")):
        assert dr["best_decays"][label] == [rate[f"best_{label}"]["decay"] for rate in dr["rates"]]
        pair = dr["best_pair"][label]
        assert pair["val_loss"] == min(v for rate in dr["rates"] for v in rate[key])
        for move, (lower, higher) in zip(dr["moves"][label], zip(dr["rates"], dr["rates"][1:])):
            grew = sum(a < b for a, b in zip(lower[f"best_{label}"]["per_seed_index"],
                                             higher[f"best_{label}"]["per_seed_index"]))
            assert move["a_lower"] == grew


def test_decay_and_rate_supports_the_page(results):
    dr = results["decay_and_rate"]
    for label in ("without_early_stopping", "with_early_stopping"):   # the best decay tends to grow with the rate
        best = dr["best_decays"][label]
        assert best[-1] > best[0] and all(b >= a for a, b in zip(best, best[1:]))
        assert all(m["a_lower"] > m["b_lower"] and m["sign_p"] > 0.05 for m in dr["moves"][label])  # ... not settled
    assert dr["moves"]["without_early_stopping"][-1]["b_lower"] == 0
    assert all(abs(rate["best_with_early_stopping"]["versus_none"]["mean"]) < 0.01 for rate in dr["rates"])
