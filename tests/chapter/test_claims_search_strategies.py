"""The sentences of docs/search-strategies.md that compare or state a trend hold in the published
results (the JSON the site serves, computed in Pyodide). Each test quotes its sentence."""

from __future__ import annotations

import math
import statistics

from claims import claim

from lesson.experiments import run_experiment
from lesson.experiments._common import dataset, train
from lesson.nn import NetworkConfig
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
    msg = claim(PAGE, "At the slowest learning rates, where no run gets near a good loss, they differ more: across all the "
                      "probe's learning rates, by up to {{ value: grid_vs_random.probe.max_width_spread | .3f }} (at η = "
                      "{{ value: grid_vs_random.probe.max_width_spread_learning_rate | .2g }}).")
    search = results("grid_vs_random")
    spreads = probe["width_spread"]
    assert probe["max_width_spread"] == max(spreads) > 3 * probe["max_width_spread_at_good"], msg
    slow = [i for i, lr in enumerate(probe["learning_rates"]) if lr < min(probe["good_learning_rates"])]
    widest = probe["learning_rates"].index(probe["max_width_spread_learning_rate"])
    assert widest in slow and spreads[widest] == probe["max_width_spread"], msg
    # "where no run gets near a good loss": every probe run at the widest-spread rate is far above good
    assert min(probe["scores"][widest]) > search["good_score"] + 0.3, msg
    # "the slowest": every rate whose spread exceeds the good rates' is slow and far from good, and
    # they are the smallest rates of the probe
    wider = [i for i, spread in enumerate(spreads) if spread > probe["max_width_spread_at_good"]]
    assert wider == list(range(len(wider))) and len(wider) >= 2, msg
    assert all(i in slow and min(probe["scores"][i]) > search["good_score"] + 0.3 for i in wider), msg


def test_the_loss_falls_with_the_learning_rate_to_a_floor_inside_the_band(results):
    search = results("grid_vs_random")
    msg = claim(PAGE, "The middle panel projects every run of the comparison below onto the learning-rate axis: the loss "
                      "falls as the learning rate grows, down to a floor, and only inside the shaded band do runs reach a "
                      "good loss, which we define as within {{ value: grid_vs_random.config.good_margin | g }} of the best "
                      "the probe found (at most {{ value: grid_vs_random.good_score | .3f }}).")
    trials = _trials(search)
    low, high = search["good_band"]
    assert _spearman([p["learning_rate"] for p, _ in trials], [s for _, s in trials]) < -0.7, msg
    outside_good = [s for p, s in trials if not low <= p["learning_rate"] <= high and s <= search["good_score"]]
    assert not outside_good, msg  # by the band's definition, but checks the shading matches the runs


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
                      "every {{ value: grid_vs_random.grid_step_decades | .1f }} decades, while the band of good learning rates "
                      "is about {{ value: grid_vs_random.good_band_decades | .1f }} decades wide.")
    assert search["grid_step_decades"] > search["good_band_decades"], msg
    msg = claim(PAGE, "On average {{ value: grid_vs_random.mean_good_learning_rates.grid | .2f }} of the grid's learning rates "
                      "per repeat landed in the good band, against "
                      "{{ value: grid_vs_random.mean_good_learning_rates.random | .2f }} of random search's.")
    good = search["mean_good_learning_rates"]
    assert good["random"] >= 2 * good["grid"], msg
    msg = claim(PAGE, "Random search found a good configuration in {{ value: grid_vs_random.found_good.random | .0% }} of the "
                      "repeats, the grid in {{ value: grid_vs_random.found_good.grid | .0% }}.")
    assert search["found_good"]["random"] >= search["found_good"]["grid"] + 0.1, msg


def test_which_strategy_finds_the_lower_loss_is_a_coin_toss(results):
    search = results("grid_vs_random")
    msg = claim(PAGE, "Random search found the lower loss in {{ value: grid_vs_random.random_win_fraction | .0% }} of the "
                      "repeats (standard error {{ value: grid_vs_random.random_win_se | .0% }}), no better than a coin toss.")
    assert abs(search["random_win_fraction"] - 0.5) <= 2 * search["random_win_se"], msg


def test_inside_the_band_the_loss_is_nearly_flat(results):
    search = results("grid_vs_random")
    msg = claim(PAGE, "Inside the good band the loss is nearly flat, so when both strategies reach the band, which best is "
                      "lower comes down to small differences between widths and seeds.")
    trials = _trials(search)
    low, high = search["good_band"]
    inside = [s for p, s in trials if low <= p["learning_rate"] <= high]
    everywhere = [s for _, s in trials]
    assert max(inside) - min(inside) < 0.1 * (max(everywhere) - min(everywhere)), msg
    both_good = [r["grid"]["best"] - r["random"]["best"] for r in search["repeats"]
                 if max(r["grid"]["best"], r["random"]["best"]) <= search["good_score"]]
    assert len(both_good) >= 5 and max(abs(d) for d in both_good) < 0.02, msg


def test_the_averages_differ_because_of_the_grids_misses(results):
    search = results("grid_vs_random")
    msg = claim(PAGE, "The averages, {{ value: grid_vs_random.mean_best.grid | .3f }} for the grid and "
                      "{{ value: grid_vs_random.mean_best.random | .3f }} for random search, differ mostly because of the few "
                      "repeats in which the grid missed the band (the points far to the right in the right panel).")
    repeats, good = search["repeats"], search["good_score"]
    missed = [r for r in repeats if r["grid"]["best"] > good]
    assert 0 < len(missed) <= len(repeats) / 3, msg
    total = sum(r["grid"]["best"] - r["random"]["best"] for r in repeats)
    from_misses = sum(r["grid"]["best"] - r["random"]["best"] for r in missed)
    assert total > 0 and from_misses > 0.75 * total, msg
    msg = claim(PAGE, "The difference, {{ value: grid_vs_random.difference.mean | .3f }}, is less than twice its standard "
                      "error ({{ value: grid_vs_random.difference.se | .3f }}), so these repeats do not show that random "
                      "search finds lower losses on average.")
    assert 0 < search["difference"]["mean"] < 2 * search["difference"]["se"], msg


def test_the_grid_in_order_reaches_good_learning_rates_last(results):
    search = results("grid_vs_random")
    msg = claim(PAGE, "The grid here is trained in order, smallest learning rates first, so it reaches its largest learning "
                      "rate only in its last three runs: after three runs its average best is "
                      "{{ value: grid_vs_random.mean_best_so_far.grid.2 | .3f }}, random search's "
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
    """The predict-then-run answer, checked on the cell's own settings (CPython; far from divergence)."""
    narrow = run_experiment("grid_vs_random", lr_low=0.01, lr_high=3.0, repeats=8)
    msg = claim(PAGE, "Three grid points over 2.5 decades are 0.83 decades apart, about the width of the band of good "
                      "learning rates (the cell prints both), so wherever the shift puts the grid, one of its learning rates "
                      "lands in the band or close to it: in this run the grid found a good configuration in every repeat, as "
                      "random search did.")
    assert math.isclose(narrow["grid_step_decades"], 0.83, abs_tol=0.005), msg
    assert abs(math.log(narrow["grid_step_decades"] / narrow["good_band_decades"])) < math.log(1.25), msg
    assert narrow["found_good"] == {"grid": 1.0, "random": 1.0}, msg
    msg = claim(PAGE, "The advantage of random search in *finding* the band is gone; what remains is that its larger number "
                      "of learning rates inside the band gives it slightly lower losses more often than not.")
    good = narrow["mean_good_learning_rates"]
    assert good["random"] > good["grid"] and narrow["random_win_fraction"] > 0.5, msg
    assert 0 < narrow["difference"]["mean"] < 0.01, msg
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
    msg = claim(PAGE, "The difference, {{ value: successive_halving.difference.mean | .3f }}, is more than three times its "
                      "standard error ({{ value: successive_halving.difference.se | .3f }}): with this budget, successive "
                      "halving found better configurations.")
    assert halving["mean_best"]["halving"] < halving["mean_best"]["baseline"], msg
    assert -difference["mean"] > 3 * difference["se"], msg


def test_halving_loses_by_little_and_wins_by_a_lot_when_the_baseline_misses(results):
    halving, search = results("successive_halving"), results("grid_vs_random")
    outcomes = halving["outcomes"]
    margins = [r["baseline_best"] - r["winner_val_loss"] for r in halving["repeats"]]
    msg = claim(PAGE, "It won {{ value: successive_halving.outcomes.wins | d }} of the "
                      "{{ value: successive_halving.config.repeats | d }} repeats "
                      "({{ value: successive_halving.halving_win_fraction | .0% }}).")
    assert outcomes["wins"] == sum(m > 0 for m in margins), msg
    assert outcomes["wins"] / len(margins) == halving["halving_win_fraction"], msg
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
    assert math.isclose(outcomes["max_loss"], max(-m for m in margins)) and outcomes["max_loss"] < 0.02, msg
    assert max(margins) > 0.2, msg
    good_low = search["good_band"][0]
    for repeat, margin in zip(halving["repeats"], margins):
        if margin > 0.05:
            baseline_rates = [repeat["points"][i]["learning_rate"] for i in range(halving["baseline_runs"])]
            assert max(baseline_rates) < good_low, (msg, repeat["seed"])
    msg = claim(PAGE, "Looking at 27 configurations briefly made it much less likely to miss the good learning rates "
                      "altogether than looking at 4 carefully.")
    good = search["good_score"]
    halving_misses = sum(r["winner_val_loss"] > good for r in halving["repeats"])
    baseline_misses = sum(r["baseline_best"] > good for r in halving["repeats"])
    assert baseline_misses >= len(halving["repeats"]) / 4 and halving_misses * 4 <= baseline_misses, msg
    assert halving["config"]["n_configs"] == 27 and halving["baseline_runs"] == 4, msg


def test_short_rounds_favour_large_learning_rates(results):
    halving = results("successive_halving")
    msg = claim(PAGE, "After one epoch, a configuration's loss depends mostly on how far its steps have carried it, so the "
                      "larger the learning rate, the better it looks: "
                      "{{ value: successive_halving.first_round_largest_rate_share | .0% }} of the configurations kept after "
                      "the first round were among the third with the largest learning rates.")
    first = [(r["points"][i]["learning_rate"], s) for r in halving["repeats"]
             for i, s in zip(r["rungs"][0]["config_ids"], r["rungs"][0]["scores"])]
    assert _spearman([lr for lr, _ in first], [s for _, s in first]) < -0.6, msg
    assert halving["first_round_largest_rate_share"] >= 0.75, msg
    spread = halving["top_decade_spread"]
    msg = claim(PAGE, "The first round ranks by speed what full training ends up calling a tie.")
    assert spread["first_round"] > 5 * spread["full"] and spread["full"] < 0.03, msg
    msg = claim(PAGE, "Here that happens not to matter, since keeping the fastest of a tie keeps a good configuration.")
    assert halving["mean_best"]["halving"] < halving["mean_best"]["baseline"], msg
    assert max(r["winner_val_loss"] for r in halving["repeats"]) <= results("grid_vs_random")["good_score"], msg


def test_the_figure_question_misses_are_the_far_right_points(results):
    search = results("grid_vs_random")
    good = search["good_score"]
    msg = claim(PAGE, "In those repeats none of the grid's three learning rates fell in the good band, so all nine of its "
                      "runs missed it, whatever their widths.")
    missed = [r for r in search["repeats"] if r["grid"]["best"] > good]
    assert missed and all(r["grid"]["good_learning_rates"] == 0 for r in missed), msg
    assert all(r["grid"]["best"] - r["random"]["best"] > 0.01 for r in missed), msg
    msg = claim(PAGE, "The points near the diagonal are repeats in which both strategies reached the band; there the "
                      "difference is small and goes either way.")
    both = [r["grid"]["best"] - r["random"]["best"] for r in search["repeats"]
            if max(r["grid"]["best"], r["random"]["best"]) <= good]
    assert min(both) < 0 < max(both) and max(abs(d) for d in both) < 0.02, msg
