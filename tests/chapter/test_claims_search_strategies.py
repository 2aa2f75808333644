"""The sentences of docs/search-strategies.md that compare or state a trend hold in the published
results (the JSON the site serves, computed in Pyodide). Each test quotes its sentence."""

from __future__ import annotations

import math
import statistics

from claims import claim

from lesson.experiments import run_experiment
from lesson.experiments._common import dataset, train
from lesson.nn import NetworkConfig
from lesson.stats import paired, rate_interval, sign_test, spread
from lesson.train import Run, TrainConfig

PAGE = "search-strategies.md"


def _trials(search: dict) -> list[tuple[dict, float]]:
    """(point, score) of every finite trial of both strategies in every repeat."""
    return [(point, score) for repeat in search["repeats"] for name in ("grid", "random")
            for point, score in zip(repeat[name]["points"], repeat[name]["scores"]) if score is not None]


def _spearman(xs: list[float], ys: list[float]) -> float:
    """Rank correlation (no ties expected among continuous draws)."""
    def ranks(values):
        order = sorted(range(len(values)), key=values.__getitem__)
        out = [0] * len(values)
        for rank, index in enumerate(order):
            out[index] = rank
        return out
    return statistics.correlation(ranks(xs), ranks(ys))


def test_only_the_learning_rate_matters_here(results):
    probe = results("grid_vs_random")["probe"]
    msg = claim(PAGE, "In this range, for this problem, the learning rate matters and the width barely does.")
    assert probe["max_width_spread_at_good"] * 10 < probe["min_lr_spread"], msg
    assert probe["max_width_spread_at_good"] < 0.03, msg
    assert probe["max_width_spread"] * 5 < probe["min_lr_spread"], msg
    msg = claim(PAGE, "Below the band, where no run gets near a good loss, they differ more: by up to "
                      "{{ value: grid_vs_random.probe.max_width_spread | .3f }} (at η = "
                      "{{ value: grid_vs_random.probe.max_width_spread_learning_rate | .2g }}).")
    search = results("grid_vs_random")
    spreads, rates = probe["width_spread"], probe["learning_rates"]
    assert probe["max_width_spread"] == max(spreads) > 3 * probe["max_width_spread_at_good"], msg
    widest = rates.index(probe["max_width_spread_learning_rate"])
    assert spreads[widest] == probe["max_width_spread"] and rates[widest] < search["good_band"][0], msg
    # "where no run gets near a good loss": at the widest-spread rate every probe run is far above good
    assert min(probe["scores"][widest]) > search["good_score"] + 0.3, msg
    # every rate whose spread exceeds the good rates' lies below the band, where no probe run is good
    wider = [i for i, spread in enumerate(spreads) if spread > probe["max_width_spread_at_good"]]
    assert len(wider) >= 2, msg
    assert all(rates[i] < search["good_band"][0] and min(probe["scores"][i]) > search["good_score"] + 0.05
               for i in wider), msg


def test_good_is_fixed_by_the_probe_before_the_comparison(results):
    search = results("grid_vs_random")
    probe, cfg = search["probe"], search["config"]
    msg = claim(PAGE, "The probe also fixes what counts as **good**: a loss within "
                      "{{ value: grid_vs_random.config.good_margin | g }} of the best it found, at most "
                      "{{ value: grid_vs_random.good_score | .3f }}.")
    cells = [v for row in probe["scores"] for v in row if v is not None]
    assert math.isclose(search["good_score"], min(cells) + cfg["good_margin"]) and search["good_score"] == probe["good_score"], msg
    msg = claim(PAGE, "The **good band**, shaded in the figure, is where the probe's runs reach that on average: from "
                      "{{ value: grid_vs_random.good_band.0 | .2g }} to the top of the range.")
    low, high = search["good_band"]
    assert high == cfg["lr_high"], msg  # "to the top of the range"
    means = probe["mean_over_widths"]
    for rate, m in zip(probe["learning_rates"], means):
        # every probe rate inside the band reaches good on average, every one outside it does not
        assert (low <= rate <= high) == (m <= search["good_score"]), (msg, rate, m)
    # the edge lies between the last probe rate outside and the first inside (log-linear crossing)
    first_in = probe["learning_rates"].index(probe["good_learning_rates"][0])
    assert probe["learning_rates"][first_in - 1] < low <= probe["learning_rates"][first_in], msg
    msg = claim(PAGE, "So the comparison is judged by a yardstick it did not make.")
    assert cfg["probe_seeds"] >= 3 and len(probe["learning_rates"]) >= 15, msg  # a reference of its own, not one seed
    # none of the comparison's configurations is one of the probe's
    probe_rates = set(probe["learning_rates"])
    assert not any(p["learning_rate"] in probe_rates for r in search["repeats"] for name in ("grid", "random")
                   for p in r[name]["points"]), msg
    # and the yardstick does not move with the comparison: one repeat instead of all gives the same
    one = run_experiment("grid_vs_random", repeats=1)
    assert math.isclose(one["good_score"], search["good_score"], rel_tol=1e-6), msg
    assert all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(one["good_band"], search["good_band"])), msg


def test_the_loss_falls_with_the_learning_rate_to_a_floor_inside_the_band(results):
    search = results("grid_vs_random")
    msg = claim(PAGE, "The middle panel projects every run of the comparison onto the learning-rate axis: the loss falls "
                      "as the learning rate grows, down to a floor, and nearly every run inside the shaded band reaches a "
                      "good loss, while few outside it do.")
    trials = _trials(search)
    low, high = search["good_band"]
    good = search["good_score"]
    assert _spearman([p["learning_rate"] for p, _ in trials], [s for _, s in trials]) < -0.7, msg
    inside = [s for p, s in trials if low <= p["learning_rate"] <= high]
    outside = [s for p, s in trials if not low <= p["learning_rate"] <= high]
    assert sum(s <= good for s in inside) >= 0.9 * len(inside), msg   # "nearly every run inside"
    assert sum(s <= good for s in outside) <= 0.05 * len(outside), msg  # "few outside"
    # the floor: inside the band the losses are flat compared with the fall outside it
    assert max(inside) - min(inside) < 0.1 * (max(outside) - min(outside)), msg


def test_every_width_has_good_and_bad_runs(results):
    search = results("grid_vs_random")
    msg = claim(PAGE, "The right panel projects the same runs onto the width axis: every width has both good and bad runs, "
                      "because what decides a run's loss is its learning rate.")
    trials = _trials(search)
    for low, high in ((4, 8), (8, 16), (16, 33)):
        scores = [s for p, s in trials if low <= p["hidden"] < high]
        assert min(scores) <= search["good_score"] < search["good_score"] + 0.3 < max(scores), (msg, low, high)


def test_random_search_lands_in_the_good_band_more_often(results):
    search = results("grid_vs_random")
    msg = claim(PAGE, "The grid always tries {{ value: grid_vs_random.distinct_learning_rates.grid | .0f }} learning rates, one "
                      "every {{ value: grid_vs_random.grid_step_decades | .1f }} decades (factors of ten), while the band of good learning rates "
                      "is about {{ value: grid_vs_random.good_band_decades | .1f }} decades wide.")
    assert search["grid_step_decades"] > search["good_band_decades"], msg
    msg = claim(PAGE, "So the grid had one learning rate in the band in "
                      "{{ value: grid_vs_random.mean_in_band_learning_rates.grid | .0% }} of the repeats and none in the "
                      "others, while random search had {{ value: grid_vs_random.mean_in_band_learning_rates.random | .1f }} "
                      "in the band on average.")
    band = search["mean_in_band_learning_rates"]
    in_band = [r["grid"]["in_band_learning_rates"] for r in search["repeats"]]
    assert set(in_band) == {0, 1} and math.isclose(band["grid"], sum(in_band) / len(in_band)), msg  # one or none
    assert band["random"] >= 2 * band["grid"], msg
    # and the geometry predicts those averages (3 grid rates, a band/step share each; 9 random rates, band/range each)
    cfg = search["config"]
    range_decades = math.log10(cfg["lr_high"] / cfg["lr_low"])
    assert math.isclose(band["grid"], search["good_band_decades"] / search["grid_step_decades"], rel_tol=0.25), msg
    assert math.isclose(band["random"], 9 * search["good_band_decades"] / range_decades, rel_tol=0.25), msg


def test_random_search_found_a_good_configuration_more_often_with_its_uncertainty(results):
    search = results("grid_vs_random")
    found, interval, pair = search["found_good"], search["found_good_interval"], search["found_good_paired"]
    repeats = search["config"]["repeats"]
    msg = claim(PAGE, "| random search | {{ value: grid_vs_random.found_good.random | .0% }} of the repeats | "
                      "{{ value: grid_vs_random.found_good_interval.random.low | .0% }} to "
                      "{{ value: grid_vs_random.found_good_interval.random.high | .0% }} |")
    claim(PAGE, "| grid search | {{ value: grid_vs_random.found_good.grid | .0% }} of the repeats | "
                "{{ value: grid_vs_random.found_good_interval.grid.low | .0% }} to "
                "{{ value: grid_vs_random.found_good_interval.grid.high | .0% }} |")
    assert repeats >= 90, msg  # enough repeats for the intervals quoted
    for name in ("random", "grid"):
        good = sum(r[name]["good"] for r in search["repeats"])
        assert interval[name] == rate_interval(good, repeats) and found[name] == good / repeats, msg
        assert interval[name]["high"] - interval[name]["low"] < 0.25, msg  # a usefully narrow interval
    assert found["random"] > found["grid"], msg
    msg = claim(PAGE, "The intervals do not overlap.")
    assert interval["grid"]["high"] < interval["random"]["low"], msg
    assert pair["random_only"] > 2 * pair["grid_only"], msg
    msg = claim(PAGE, "In {{ value: grid_vs_random.found_good_paired.random_only | d }} repeats only random search found a "
                      "good configuration, in {{ value: grid_vs_random.found_good_paired.grid_only | d }} only the grid.")
    assert pair["random_only"] == sum(r["random"]["good"] and not r["grid"]["good"] for r in search["repeats"]), msg
    assert pair["grid_only"] == sum(r["grid"]["good"] and not r["random"]["good"] for r in search["repeats"]), msg
    assert pair["random_only"] + pair["grid_only"] + pair["both"] + pair["neither"] == repeats, msg
    assert pair["random_only"] >= 1.5 * pair["grid_only"], msg
    msg = claim(PAGE, "Luck would almost never produce a split this lopsided ([sign test](key-concepts.md#sign-test): p "
                      "below 0.001).")
    assert pair["sign_p"] == sign_test(pair["random_only"], pair["grid_only"]) < 0.001, msg
    msg = claim(PAGE, "So these runs show the advantage Bergstra and Bengio describe, and its cause: random search tried "
                      "more learning rates inside the band.")
    assert pair["sign_p"] < 0.05, msg  # the chapter's rule for a real difference with many seeds
    band = search["mean_in_band_learning_rates"]
    assert band["random"] > 2.5 * band["grid"], msg
    # the cause: the repeats whose grid found nothing good had (all but a few) no grid learning rate in the band
    misses = [r for r in search["repeats"] if not r["grid"]["good"]]
    assert sum(r["grid"]["in_band_learning_rates"] == 0 for r in misses) >= 0.95 * len(misses), msg
    msg = claim(PAGE, "When one hyperparameter matters most, as the learning rate does here, random search lands on a good "
                      "value more often: in {{ value: grid_vs_random.config.repeats | d }} repeated searches it found "
                      "one in {{ value: grid_vs_random.found_good.random | .0% }} of them, a grid of the same size in "
                      "{{ value: grid_vs_random.found_good.grid | .0% }}.")
    assert repeats >= 300 and pair["sign_p"] < 0.001, msg
    intervals = search["found_good_interval"]
    assert intervals["random"]["low"] > intervals["grid"]["high"], msg  # "more often": the intervals do not overlap


def test_the_geometry_predicts_the_hit_rates(results):
    search = results("grid_vs_random")
    chance, found = search["band_hit_chance"], search["found_good"]
    msg = claim(PAGE, "The grid found a good configuration somewhat more often than that, because runs just below the band "
                      "sometimes reach a good loss too.")
    assert found["grid"] > chance["grid"] and found["grid"] - chance["grid"] < 0.2, msg
    lucky = [r for r in search["repeats"] if r["grid"]["good"] and r["grid"]["in_band_learning_rates"] == 0]
    assert lucky, msg
    low = search["good_band"][0]
    for r in lucky:
        best = min(range(9), key=lambda i: r["grid"]["scores"][i])
        assert low / 2 < r["grid"]["points"][best]["learning_rate"] < low, msg  # "just below the band"
    assert abs(found["random"] - chance["random"]) < 0.1, msg
    # the grid's chance is the band width over its step, for a band narrower than the step
    assert math.isclose(chance["grid"], search["good_band_decades"] / search["grid_step_decades"]), msg


def test_random_search_finds_the_lower_loss_a_little_more_often_only_through_the_grids_misses(results):
    search = results("grid_vs_random")
    lower, repeats = search["lower_loss"], search["repeats"]
    msg = claim(PAGE, "Random search also found the *lower* loss in {{ value: grid_vs_random.lower_loss.a_lower | d }} of "
                      "the {{ value: grid_vs_random.config.repeats | d }} repeats, a little more than half, and only thanks to "
                      "the repeats in which the grid missed the band.")
    assert lower["a_lower"] == sum(r["random"]["best"] < r["grid"]["best"] for r in repeats), msg
    assert lower["b_lower"] == sum(r["grid"]["best"] < r["random"]["best"] for r in repeats), msg
    assert 0.5 < lower["a_lower"] / len(repeats) < 0.65, msg  # "a little more than half"
    # "only thanks to the misses": in the repeats whose grid found a good configuration, random search is not ahead
    grid_good = [r for r in repeats if r["grid"]["good"]]
    assert sum(r["random"]["best"] < r["grid"]["best"] for r in grid_good) < sum(
        r["grid"]["best"] < r["random"]["best"] for r in grid_good), msg
    msg = claim(PAGE, "Random search found the lower loss in {{ value: grid_vs_random.lower_loss.a_lower | d }} repeats, the "
                      "grid in {{ value: grid_vs_random.lower_loss.b_lower | d }} (sign test: p = "
                      "{{ value: grid_vs_random.lower_loss.sign_p | .2g }}).")
    assert lower["sign_p"] == sign_test(lower["a_lower"], lower["b_lower"]) < 0.05, msg
    msg = claim(PAGE, "in those repeats neither was reliably lower.")
    both = search["lower_loss_both_good"]
    both_good = [r for r in repeats if r["grid"]["good"] and r["random"]["good"]]
    assert both == paired([r["random"]["best"] for r in both_good], [r["grid"]["best"] for r in both_good]), msg
    assert both["n"] == search["found_good_paired"]["both"] >= 100, msg
    assert both["sign_p"] > 0.05 and abs(both["mean"]) < 2 * both["sem"], msg
    msg = claim(PAGE, "In the {{ value: grid_vs_random.lower_loss_both_good.n | d }} repeats in which both strategies found "
                      "a good configuration, the grid's best was the lower one in "
                      "{{ value: grid_vs_random.lower_loss_both_good.b_lower | d }}, random search's in "
                      "{{ value: grid_vs_random.lower_loss_both_good.a_lower | d }} (p = "
                      "{{ value: grid_vs_random.lower_loss_both_good.sign_p | .2f }}, not settled), and the two bests never "
                      "differed by more than {{ value: grid_vs_random.both_good_largest_gap | .3f }}.")
    assert both["sign_p"] >= 0.05, msg  # "not settled"
    assert search["both_good_largest_gap"] == max(abs(r["grid"]["best"] - r["random"]["best"]) for r in both_good), msg
    assert search["both_good_largest_gap"] < 0.03, msg


def test_inside_the_band_the_loss_is_nearly_flat(results):
    search = results("grid_vs_random")
    msg = claim(PAGE, "Inside the good band the loss is nearly flat, so when both strategies reach the band, which best is "
                      "lower comes down to small differences between widths and seeds:")
    trials = _trials(search)
    low, high = search["good_band"]
    inside = [s for p, s in trials if low <= p["learning_rate"] <= high]
    everywhere = [s for _, s in trials]
    assert max(inside) - min(inside) < 0.1 * (max(everywhere) - min(everywhere)), msg
    both_good = [r["grid"]["best"] - r["random"]["best"] for r in search["repeats"]
                 if r["grid"]["good"] and r["random"]["good"]]
    assert len(both_good) >= 20 and max(abs(d) for d in both_good) < 0.03, msg
    assert 0.3 < sum(d > 0 for d in both_good) / len(both_good) < 0.7, msg  # goes either way
    msg = claim(PAGE, "The wider the band compared with the grid's step, the more often the grid lands "
                      "in it too, and the smaller random search's relative lead (try it [below](#try-it)).")
    narrow = run_experiment("grid_vs_random", lr_low=0.01, lr_high=3.0, repeats=8)
    assert narrow["good_band_decades"] / narrow["grid_step_decades"] > search["good_band_decades"] / search["grid_step_decades"], msg
    assert narrow["found_good"]["random"] - narrow["found_good"]["grid"] < search["found_good"]["random"] - search["found_good"]["grid"], msg
    relative = lambda found: found["random"] / found["grid"]  # noqa: E731 (how many times the grid's rate)
    assert relative(narrow["found_good"]) < relative(search["found_good"]), msg


def test_the_averages_differ_because_of_the_grids_misses(results):
    search = results("grid_vs_random")
    msg = claim(PAGE, "The average bests, {{ value: grid_vs_random.mean_best.grid | .3f }} for the grid and "
                      "{{ value: grid_vs_random.mean_best.random | .3f }} for random search, differ by "
                      "{{ value: grid_vs_random.difference.mean | .3f }} (standard error "
                      "{{ value: grid_vs_random.difference.se | .3f }}), because of the repeats in which the grid missed the "
                      "band (the points far to the right in the right panel).")
    repeats = search["repeats"]
    differences = [r["grid"]["best"] - r["random"]["best"] for r in repeats]
    summary = spread(differences)
    assert math.isclose(search["difference"]["mean"], summary["mean"]) and math.isclose(search["difference"]["se"], summary["sem"]), msg
    assert search["difference"]["mean"] > 2 * search["difference"]["se"], msg  # random's average is lower
    missed = [r for r in repeats if not r["grid"]["good"]]
    assert 0 < len(missed) <= len(repeats) / 2, msg
    total = sum(differences)
    from_misses = sum(r["grid"]["best"] - r["random"]["best"] for r in missed)
    assert total > 0 and from_misses > total / 2, msg  # the grid's misses carry most of the difference


def test_the_grid_in_order_reaches_good_learning_rates_last(results):
    search = results("grid_vs_random")
    msg = claim(PAGE, "The grid's curve starts slowly only because it is trained in order, smallest learning rates first; "
                      "train a grid in a random order.")
    claim(PAGE, "The grid here reaches its largest learning rate only in its last three runs: after three runs its average "
                "best is {{ value: grid_vs_random.mean_best_so_far.grid.2 | .3f }}, random search's "
                "{{ value: grid_vs_random.mean_best_so_far.random.2 | .3f }}.")
    for repeat in search["repeats"]:
        rates = [p["learning_rate"] for p in repeat["grid"]["points"]]
        assert rates == sorted(rates) and len(set(rates[-3:])) == 1 and rates[-1] > rates[-4], msg
    curves = search["mean_best_so_far"]
    assert curves["random"][2] < curves["grid"][2] - 0.1, msg
    msg = claim(PAGE, "That slow start comes from the order, not from the grid: taken in a random order, the same grid "
                      "runs average {{ value: grid_vs_random.shuffled_grid_best_so_far.2 | .3f }} after three runs.")
    shuffled = search["shuffled_grid_best_so_far"]
    assert shuffled[2] < curves["grid"][2] - 0.1, msg  # most of the gap to random search goes
    assert abs(shuffled[2] - curves["random"][2]) < (curves["grid"][2] - curves["random"][2]) / 3, msg
    assert math.isclose(shuffled[-1], curves["grid"][-1]), msg  # the same runs: the same final best


def test_a_narrower_range_lets_every_grid_find_the_band():
    """The predict-then-run answer, checked on the cell's own settings (CPython; far from divergence),
    and its second half over more repeats, so that it does not rest on the cell's eight."""
    narrow = run_experiment("grid_vs_random", lr_low=0.01, lr_high=3.0, repeats=8)
    msg = claim(PAGE, "Three grid points over 2.5 decades are 0.83 decades apart, about the width of the band of good "
                      "learning rates (the cell prints both), so wherever the shift puts the grid, one of its learning rates "
                      "lands in the band or close to it: in this run the grid found a good configuration in every repeat, as "
                      "random search did.")
    assert math.isclose(narrow["grid_step_decades"], 0.83, abs_tol=0.005), msg
    assert abs(math.log(narrow["grid_step_decades"] / narrow["good_band_decades"])) < math.log(1.25), msg
    assert narrow["found_good"] == {"grid": 1.0, "random": 1.0}, msg
    msg = claim(PAGE, "The advantage of random search in *finding* the band is gone; which of the two finds the lower loss is "
                      "then a coin toss over small differences inside the band.")
    more = run_experiment("grid_vs_random", lr_low=0.01, lr_high=3.0, repeats=40)
    assert more["found_good"]["grid"] >= 0.95 and more["found_good"]["random"] >= 0.95, msg
    assert more["lower_loss"]["sign_p"] > 0.2 and abs(more["difference"]["mean"]) < 0.01, msg
    full = run_experiment("grid_vs_random", repeats=8)
    assert full["found_good"]["grid"] < narrow["found_good"]["grid"], "the question's 'More often'"


def test_successive_halving_costs_the_same_as_four_full_runs(results):
    halving = results("successive_halving")
    cfg = halving["config"]
    msg = claim(PAGE, "The fair comparison is random search with the same "
                      "{{ value: successive_halving.mean_epochs_spent | .0f }} epochs: the best of "
                      "{{ value: successive_halving.baseline_runs | d }} configurations trained fully (the first "
                      "{{ value: successive_halving.baseline_runs | d }} of the same draws).")
    assert halving["mean_epochs_spent"] == halving["baseline_runs"] * cfg["max_epochs"], msg
    assert halving["mean_epochs_spent"] < halving["full_search_epochs"] / 5, msg


def test_longer_rounds_only_improve_a_survivor(results):
    msg = claim(PAGE, "Each round retrains its survivors from scratch with the same seed, so their first epochs repeat "
                      "exactly, and scores a configuration by its best checkpoint: training longer can only improve a "
                      "survivor's score.")
    halving = results("successive_halving")
    improved = 0
    for repeat in halving["repeats"]:
        seen: dict[int, float] = {}
        for rung in repeat["rungs"]:
            for config_id, score in zip(rung["config_ids"], rung["scores"]):
                assert config_id not in seen or score <= seen[config_id], msg
                improved += config_id in seen and score < seen[config_id]
                seen[config_id] = score
    assert improved > 0, msg
    # "their first epochs repeat exactly": a retrained survivor's first epochs are the shorter run's
    data = dataset(halving["config"]["n_train"], 0)
    point = halving["repeats"][0]["points"][halving["repeats"][0]["winner"]]
    runs = [Run(NetworkConfig(hidden=(point["hidden"],)),
                TrainConfig(learning_rate=point["learning_rate"], epochs=epochs,
                            batch_size=halving["config"]["batch_size"]), 0) for epochs in (1, 3)]
    short, long = (t.history for t in train(data, runs))
    assert short.val_loss == long.val_loss[:2] and short.train_loss == long.train_loss[:2], msg


def test_resuming_survivors_would_cost_less(results):
    halving = results("successive_halving")
    msg = claim(PAGE, "Resuming each survivor where its last round stopped, instead of retraining it, would be cheaper "
                      "still: {{ value: successive_halving.resume_epochs | d }} epochs.")
    rungs = halving["repeats"][0]["rungs"]
    previous = {}
    resumed = 0
    for rung in rungs:
        resumed += sum(rung["epochs"] - previous.get(i, 0) for i in rung["config_ids"])
        previous = {i: rung["epochs"] for i in rung["config_ids"]}
    assert halving["resume_epochs"] == resumed, msg
    assert halving["resume_epochs"] < halving["mean_epochs_spent"] == sum(
        r["epochs"] * len(r["config_ids"]) for r in rungs), msg


def test_successive_halving_beats_random_search_with_the_same_epochs(results):
    halving = results("successive_halving")
    difference = halving["difference"]
    outcomes, repeats = halving["outcomes"], halving["config"]["repeats"]
    msg = claim(PAGE, "Successive halving found the better configuration in "
                      "{{ value: successive_halving.outcomes.wins | d }} repeats, random search in "
                      "{{ value: successive_halving.outcomes.losses | d }}, and the rest were ties: with this budget, "
                      "successive halving found better configurations.")
    assert halving["mean_best"]["halving"] < halving["mean_best"]["baseline"], msg
    assert outcomes["wins"] + outcomes["losses"] + outcomes["ties"] == repeats and outcomes["ties"] > 0, msg
    assert outcomes["wins"] > 1.5 * outcomes["losses"] and outcomes["sign_p"] < 0.05, msg
    msg = claim(PAGE, "against its {{ value: successive_halving.outcomes.losses | d }} losses, sign test: p = "
                      "{{ value: successive_halving.outcomes.sign_p | .2g }}). The difference of the means, "
                      "{{ value: successive_halving.difference.mean | .3f }}, is more than three times its standard error "
                      "({{ value: successive_halving.difference.se | .3f }}).")
    assert outcomes["sign_p"] == sign_test(outcomes["wins"], outcomes["losses"]), msg
    assert -difference["mean"] > 3 * difference["se"], msg
    msg = claim(PAGE, "Successive halving trains many configurations briefly and only the promising ones for long; with the "
                      "same epochs, it found a better configuration than random search more often than not.")
    assert outcomes["wins"] > repeats / 2 and outcomes["sign_p"] < 0.05, msg  # more often than not, and real
    rescored = halving["rescored"]["difference"]
    assert rescored["a_lower"] > rescored["b_lower"] and rescored["sign_p"] < 0.05, msg  # also on fresh seeds
    assert repeats >= 100, msg


def test_halving_loses_by_little_and_wins_by_a_lot_when_the_baseline_misses(results):
    halving, search = results("successive_halving"), results("grid_vs_random")
    outcomes = halving["outcomes"]
    margins = [r["baseline_best"] - r["winner_val_loss"] for r in halving["repeats"]]
    msg = claim(PAGE, "In the search, successive halving won {{ value: successive_halving.outcomes.wins | d }} of the "
                      "{{ value: successive_halving.config.repeats | d }} repeats "
                      "({{ value: successive_halving.halving_win_fraction | .0% }};")
    assert outcomes["wins"] == sum(m > 0 for m in margins), msg
    assert outcomes["wins"] / len(margins) == halving["halving_win_fraction"] > 0.5, msg
    msg = claim(PAGE, "In {{ value: successive_halving.outcomes.ties | d }} more it tied exactly: its winner was one of the "
                      "{{ value: successive_halving.baseline_runs | d }} configurations the baseline trained, with the same "
                      "seed and so the same score.")
    ties = [r for r, m in zip(halving["repeats"], margins) if m == 0]
    assert outcomes["ties"] == len(ties) > 0, msg
    assert all(r["winner"] < halving["baseline_runs"] for r in ties), msg
    assert outcomes["ties_in_baseline"] == outcomes["ties"], msg
    assert outcomes["wins"] + outcomes["ties"] + outcomes["losses"] == len(margins), msg
    msg = claim(PAGE, "It lost {{ value: successive_halving.outcomes.losses | d }}, each by at most "
                      "{{ value: successive_halving.outcomes.max_loss | .3f }}; when it won, it sometimes won by a lot, in "
                      "the repeats where none of the {{ value: successive_halving.baseline_runs | d }} full runs had a good "
                      "learning rate.")
    assert outcomes["losses"] == sum(m < 0 for m in margins) > 0, msg
    assert math.isclose(outcomes["max_loss"], max(-m for m in margins)) and outcomes["max_loss"] < 0.03, msg
    assert max(margins) > 5 * outcomes["max_loss"], msg  # won by a lot, lost by little
    assert max(margins) > 0.2, msg
    good_low = search["good_band"][0]
    for repeat, margin in zip(halving["repeats"], margins):
        if margin > 0.05:
            baseline_rates = [repeat["points"][i]["learning_rate"] for i in range(halving["baseline_runs"])]
            assert max(baseline_rates) < good_low, (msg, repeat["seed"])
    msg = claim(PAGE, "Its average advantage comes mostly from those repeats.")
    big = sum(m for m in margins if m > 0.05)
    assert big > 0.8 * sum(margins) > 0, msg
    assert sum(m > 0.05 for m in margins) <= len(margins) / 2, msg  # "those repeats", a minority
    msg = claim(PAGE, "Looking at {{ value: successive_halving.config.n_configs | d }} configurations briefly made it much "
                      "less likely to miss the good learning rates altogether than looking at "
                      "{{ value: successive_halving.baseline_runs | d }} carefully.")
    good = search["good_score"]
    halving_misses = sum(r["winner_val_loss"] > good for r in halving["repeats"])
    baseline_misses = sum(r["baseline_best"] > good for r in halving["repeats"])
    assert baseline_misses >= len(halving["repeats"]) / 4 and halving_misses * 4 <= baseline_misses, msg
    assert halving["config"]["n_configs"] > 5 * halving["baseline_runs"], msg


def test_the_winners_keep_their_order_on_fresh_seeds(results):
    halving = results("successive_halving")
    rescored, repeats = halving["rescored"], halving["repeats"]
    msg = claim(PAGE, "But both searches picked their winners by the very scores compared here, and the best of many noisy "
                      "scores flatters its owner (the [**winner's curse**](key-concepts.md#winners-curse)); successive "
                      "halving picks from more candidates.")
    assert halving["config"]["n_configs"] > halving["baseline_runs"], msg
    msg = claim(PAGE, "Successive halving's winners scored only {{ value: successive_halving.rescored.optimism.halving.mean | .3f }} "
                      "worse than in the search, and still beat random search's in "
                      "{{ value: successive_halving.rescored.difference.a_lower | d }} repeats, losing "
                      "{{ value: successive_halving.rescored.difference.b_lower | d }}.")
    fresh_h = [r["winner_fresh"] for r in repeats]
    fresh_b = [r["baseline_fresh"] for r in repeats]
    assert rescored["difference"] == paired(fresh_h, fresh_b), msg
    optimism = spread([r["winner_fresh"] - r["winner_val_loss"] for r in repeats])
    assert rescored["optimism"]["halving"] == optimism, msg
    # "only ... worse": positive on average (the curse is there) but small against the advantage
    assert 0 < optimism["mean"] < 0.005 and optimism["mean"] < abs(halving["difference"]["mean"]) / 10, msg
    # "still beat": the fresh paired comparison favours halving, with a sign test below 5 %
    assert rescored["difference"]["a_lower"] > 1.5 * rescored["difference"]["b_lower"], msg
    assert rescored["difference"]["sign_p"] < 0.05 and -rescored["difference"]["mean"] > 3 * rescored["difference"]["sem"], msg
    msg = claim(PAGE, "Here the curse is small for both, because inside the good band many configurations score almost the "
                      "same, so the luck of one seed rarely decides the winner.")
    assert abs(rescored["optimism"]["baseline"]["mean"]) < 0.01, msg
    msg = claim(PAGE, "Random search's winners lost {{ value: successive_halving.rescored.optimism.baseline.mean | .3f }} "
                      "on average when re-run.")
    assert rescored["optimism"]["baseline"]["mean"] > 0, msg
    msg = claim(PAGE, "With fresh seeds the difference of the means is "
                      "{{ value: successive_halving.rescored.difference.mean | .3f }} (standard error "
                      "{{ value: successive_halving.rescored.difference.sem | .3f }}), and the split of "
                      "{{ value: successive_halving.rescored.difference.a_lower | d }} to "
                      "{{ value: successive_halving.rescored.difference.b_lower | d }} is one luck would rarely produce "
                      "(sign test: p = {{ value: successive_halving.rescored.difference.sign_p | .2g }}).")
    assert rescored["difference"]["sign_p"] < 0.05, msg
    assert rescored["seeds"] >= 3, msg


def test_short_rounds_favour_large_learning_rates(results):
    halving = results("successive_halving")
    msg = claim(PAGE, "Short rounds have a bias you can see in the middle panel: they favour large learning rates, whose "
                      "first steps carry them furthest.")
    assert halving["median_learning_rate"]["first_round_kept"] > 3 * halving["median_learning_rate"]["all"], msg
    msg = claim(PAGE, "After one epoch, a configuration's loss depends mostly on how far its steps have carried it, so the "
                      "larger the learning rate, the better it looks. The first round keeps a third of the configurations, "
                      "and {{ value: successive_halving.first_round_largest_rate_share | .0% }} of the ones it kept were also "
                      "in the third with the largest learning rates.")
    cfg = halving["config"]
    assert cfg["eta"] == 3 and all(len(r["rungs"][0]["kept"]) == cfg["n_configs"] // 3 for r in halving["repeats"]), msg
    first = [(r["points"][i]["learning_rate"], s) for r in halving["repeats"]
             for i, s in zip(r["rungs"][0]["config_ids"], r["rungs"][0]["scores"])]
    assert _spearman([lr for lr, _ in first], [s for _, s in first]) < -0.6, msg
    assert halving["first_round_largest_rate_share"] >= 0.75, msg
    spread = halving["top_decade_spread"]
    msg = claim(PAGE, "The first round ranks by speed what full training ends up calling a tie.")
    assert spread["first_round"] > 5 * spread["full"] and spread["full"] < 0.05, msg
    msg = claim(PAGE, "Here that happens not to matter, since keeping the fastest of a tie keeps a good configuration.")
    assert halving["mean_best"]["halving"] < halving["mean_best"]["baseline"], msg
    assert max(r["winner_val_loss"] for r in halving["repeats"]) <= results("grid_vs_random")["good_score"], msg


def test_the_figure_question_misses_are_the_far_right_points(results):
    search = results("grid_vs_random")
    msg = claim(PAGE, "**Answer.** The points far to the right of the diagonal: repeats whose grid best is above the "
                      "dashed \"good\" line.")
    far_right = [r for r in search["repeats"] if r["grid"]["best"] - r["random"]["best"] > 0.03]
    assert len(far_right) >= 10 and all(r["grid"]["best"] > search["good_score"] for r in far_right), msg
    # they make the grid's average higher: together they outweigh the whole difference
    assert sum(r["grid"]["best"] - r["random"]["best"] for r in far_right) > search["difference"]["mean"] * len(search["repeats"]), msg
    msg = claim(PAGE, "In those repeats none of the grid's three learning rates fell in the good band, so all nine of its "
                      "runs missed it, whatever their widths.")
    assert all(r["grid"]["in_band_learning_rates"] == 0 and not r["grid"]["good"] for r in far_right), msg
    msg = claim(PAGE, "Most points near the diagonal are repeats in which both strategies reached the band; there the "
                    "difference is small and goes either way.")
    near = [r for r in search["repeats"] if abs(r["grid"]["best"] - r["random"]["best"]) <= 0.02]
    both = [r["grid"]["best"] - r["random"]["best"] for r in near if r["grid"]["good"] and r["random"]["good"]]
    assert len(both) > len(near) / 2, msg
    assert min(both) < 0 < max(both), msg
    msg = claim(PAGE, "The points far above the diagonal are the reverse, and rarer: repeats in which none of random "
                      "search's nine learning rates fell in the band.")
    far_above = [r for r in search["repeats"] if r["random"]["best"] - r["grid"]["best"] > 0.03]
    assert 0 < len(far_above) < len(far_right) / 2, msg
    assert all(r["random"]["in_band_learning_rates"] == 0 and not r["random"]["good"] for r in far_above), msg
    assert search["budget"] == 9, msg
