"""The network-size page's hand-written comparisons (docs/network-size.md) hold in the published
results: each test quotes its sentence and checks its direction and size."""

from __future__ import annotations

import math

from claims import claim

PAGE = "network-size.md"


def test_two_neurons_fix_most_of_the_underfitting(results):
    cap = results("capacity")
    msg = claim(PAGE, "Two neurons already fix most of that: their validation loss is "
                "{{ value: capacity.val_loss.1 | .2f }}, the lowest of any width.")
    val = cap["val_loss"]
    assert cap["widths"][1] == 2 and cap["best_width"] == 2 and val[1] == min(val), msg
    assert val[0] - val[1] > 0.5 * (val[0] - 0.2), msg  # 'most of' the way to the floor of ~0.2


def test_wide_networks_fit_the_training_set_almost_perfectly(results):
    cap = results("capacity")
    msg = claim(PAGE, "Further right, the wider networks fit the training set almost perfectly: the training loss falls "
                "to {{ value: capacity.train_loss.3 | .4f }} at {{ value: capacity.widths.3 | d }} neurons and stays "
                "near zero for every wider network, lowest ({{ value: capacity.lowest_train_loss | .4f }}) at "
                "{{ value: capacity.lowest_train_width | d }} neurons.")
    train = cap["train_loss"]
    assert max(train[3:]) < 0.05 and max(train[3:]) < train[0] / 10, msg
    assert cap["lowest_train_width"] >= cap["widths"][3], msg


def test_final_validation_loss_of_wide_networks_is_more_than_twice_that_of_two_neurons(results):
    cap = results("capacity")
    msg = claim(PAGE, "But the validation loss does not follow: after {{ value: capacity.config.epochs | d }} epochs it "
                "is more than twice as high as for two neurons at every width from {{ value: capacity.widths.3 | d }} up.")
    assert min(cap["val_loss"][3:]) > 2 * cap["val_loss"][1], msg


def test_the_gap_is_much_larger_from_four_neurons_on(results):
    cap = results("capacity")
    msg = claim(PAGE, "The gap between the two curves is {{ value: capacity.gap.0 | .2f }} for one neuron and "
                "{{ value: capacity.gap.1 | .2f }} for two, then much larger for every wider network: at least "
                "{{ value: capacity.gap.2 | .2f }} (at {{ value: capacity.widths.2 | d }} neurons), largest at "
                "{{ value: capacity.max_gap_width | d }} neurons ({{ value: capacity.max_gap | .2f }}), and "
                "{{ value: capacity.gap.-1 | .2f }} at {{ value: capacity.widths.-1 | d }}.")
    gap, widths = cap["gap"], cap["widths"]
    assert widths[:3] == [1, 2, 4] and gap[2] == min(gap[2:]), msg
    assert gap[2] > 2 * max(gap[:2]), msg  # 'much larger'
    assert cap["max_gap"] == max(gap) and widths[gap.index(max(gap))] == cap["max_gap_width"], msg
    msg = claim(PAGE, "It does not grow steadily with width, but from {{ value: capacity.widths.2 | d }} neurons on the "
                "extra capacity is being spent on the particular {{ value: capacity.config.n_train | d }} students, not "
                "on students in general.")
    assert any(later < earlier for earlier, later in zip(gap, gap[1:])), msg
    assert min(gap[2:]) > 2 * max(gap[:2]), msg


def test_early_stopped_validation_loss_is_the_same_for_every_width_but_one(results):
    cap = results("capacity")
    msg = claim(PAGE, "For every width from {{ value: capacity.widths.1 | d }} to {{ value: capacity.widths.-1 | d }} "
                "neurons, the best epoch reaches about the same validation loss, between "
                "{{ value: capacity.early_stopped_low | .3f }} and {{ value: capacity.early_stopped_high | .3f }}; only "
                "the single neuron stays far above ({{ value: capacity.min_val_loss.0 | .3f }}).")
    assert cap["early_stopped_high"] - cap["early_stopped_low"] < 0.03, msg
    assert cap["min_val_loss"][0] > cap["early_stopped_high"] + 0.15, msg


def test_too_many_epochs_not_too_many_neurons_caused_the_overfitting(results):
    cap = results("capacity")
    msg = claim(PAGE, "In these runs, too many epochs caused the overfitting, and the extra neurons only gave it room.")
    for width, best, final in zip(cap["widths"][3:], cap["min_val_loss"][3:], cap["val_loss"][3:]):
        assert final > 2 * best, f"{msg} (width {width}: best {best:.3f}, final {final:.3f})"
    assert max(cap["min_val_loss"][3:]) - cap["min_val_loss"][1] < 0.03, msg


def test_momentum_multiplies_the_step_by_ten(results):
    cfg = results("capacity")["config"]
    msg = claim(PAGE, "momentum {{ value: capacity.config.momentum | g }} lets the steps grow to as much as 1 / (1 − "
                "{{ value: capacity.config.momentum | g }}) = 10 times the learning rate alone, so the runs behave as if "
                "the learning rate were about {{ value: capacity.config.learning_rate | g }} × 10.)")
    assert math.isclose(1 / (1 - cfg["momentum"]), 10), msg


def test_accuracy_tells_a_gentler_story(results):
    cap, bad_vs_good = results("capacity"), results("bad_vs_good")
    msg = claim(PAGE, "Even the widest network still classifies {{ value: capacity.val_acc.-1 | .0% }} of the validation "
                "students correctly after all {{ value: capacity.config.epochs | d }} epochs, because most students are "
                "far from the boundary.")
    best = cap["val_loss"].index(min(cap["val_loss"]))
    assert cap["val_acc"][-1] > bad_vs_good["val_always_fail_acc"] + 0.2, msg
    # accuracy drops by under 10 points where the loss more than doubles
    assert cap["val_acc"][best] - cap["val_acc"][-1] < 0.1 and cap["val_loss"][-1] > 2 * cap["val_loss"][best], msg


def test_the_just_right_boundary_follows_the_true_rule_best(results):
    boundaries = results("capacity")["boundaries"]
    msg = claim(PAGE, "draws a border close to the true rule's: the two agree about which side of the border "
                "{{ value: capacity.boundaries.rule_agreement.1 | .0% }} of the map is on, more than in any other panel. "
                "It gets {{ value: capacity.boundaries.train_errors.1 | d }} training students wrong.")
    assert boundaries["widths"][1] == results("capacity")["best_width"], msg
    agreement = boundaries["rule_agreement"]
    assert agreement[1] == max(agreement) and agreement[1] > 0.9, msg
    assert boundaries["train_errors"][1] > 0, msg
    msg = claim(PAGE, "Only {{ value: capacity.boundaries.train_errors_against_rule.1 | d }} of them is one of the "
                "{{ value: capacity.boundaries.students_against_rule | d }} students whose label goes against the true "
                "rule (it fits the other); the other error is a student whose label agrees with the rule, in a sliver "
                "where the network's border and the rule's disagree.")
    against, errors = boundaries["train_errors_against_rule"][1], boundaries["train_errors"][1]
    assert against == 1 and boundaries["students_against_rule"] == 2, msg
    assert errors - against == 1, msg


def test_too_many_neurons_fit_the_training_set_better_but_the_rule_worse(results):
    boundaries = results("capacity")["boundaries"]
    msg = claim(PAGE, "draw borders that fit the training students better (the "
                "{{ value: capacity.boundaries.widths.2 | d }}-neuron network gets "
                "{{ value: capacity.boundaries.train_errors.2 | d }} of them wrong) but agree with the true rule on less "
                "of the map ({{ value: capacity.boundaries.rule_agreement.2 | .0% }} and "
                "{{ value: capacity.boundaries.rule_agreement.3 | .0% }}).")
    errors, agreement = boundaries["train_errors"], boundaries["rule_agreement"]
    assert errors[2] < errors[1] and errors[3] < errors[1], msg
    assert max(agreement[2:]) < agreement[1] - 0.03, msg
    assert boundaries["widths"][0] == 1 and errors[0] > errors[1], msg


def test_depth_matters_less_than_training_too_long(results):
    depth, cap = results("depth"), results("capacity")
    msg = claim(PAGE, "At their best epochs, all four networks reach between {{ value: depth.min_val_loss_low | .3f }} "
                "and {{ value: depth.min_val_loss_high | .3f }}, about the same band as the one-layer widths above.")
    assert depth["min_val_loss_high"] - depth["min_val_loss_low"] < 0.03, msg
    assert depth["min_val_loss_low"] > cap["early_stopped_low"] - 0.02, msg
    assert depth["min_val_loss_high"] < cap["early_stopped_high"] + 0.02, msg
    msg = claim(PAGE, "The two-layer network is a little lower in both pairs, by {{ value: depth.depth_gain.0 | .3f }} "
                "and {{ value: depth.depth_gain.1 | .3f }}, but with {{ value: depth.config.seeds | d }} seeds that is "
                "about the size of the seed-to-seed spread.")
    assert all(0 < gain < 0.03 for gain in depth["depth_gain"]), msg
    spreads = [hi - lo for pair in depth["pairs"] for lo, hi in (net["min_val_loss_range"] for net in pair)]
    assert max(depth["depth_gain"]) < 2 * max(spreads), msg
    (one_a, two_a), (one_b, two_b) = ((net["min_val_loss_range"] for net in pair) for pair in depth["pairs"])
    msg = claim(PAGE, "In the first pair the seeds' lowest losses only just miss each other")
    assert 0 < one_a[0] - two_a[1] < 0.01, msg
    msg = claim(PAGE, "in the second they overlap")
    assert one_b[0] <= two_b[1], msg
    assert depth["depth_gain"][1] < max(one_b[1] - one_b[0], two_b[1] - two_b[0]), msg
    msg = claim(PAGE, "Training for all {{ value: depth.config.epochs | d }} epochs costs far more than that: every "
                "network ends well above its best, the least affected by {{ value: depth.smallest_overfit | .2f }}.")
    assert depth["smallest_overfit"] > 5 * max(depth["depth_gain"]), msg


def test_early_stopping_makes_every_width_about_equally_good(results):
    cap = results("capacity")
    msg = claim(PAGE, "The dashed line above is this recipe at work: stopped at its best epoch, every width from "
                "{{ value: capacity.widths.1 | d }} to {{ value: capacity.widths.-1 | d }} did about equally well.")
    assert cap["early_stopped_high"] - cap["early_stopped_low"] < 0.03, msg


def test_predict_then_run_answer(results):
    cap = results("capacity")
    msg = claim(PAGE, "The final validation loss is far lower for 2 neurons")
    assert cap["widths"][1] == 2 and cap["val_loss"][1] < cap["val_loss"][-1] / 2, msg
    msg = claim(PAGE, "The lowest validation loss is a near tie ({{ value: capacity.min_val_loss.1 | .3f }} against "
                "{{ value: capacity.min_val_loss.-1 | .3f }} on average): at its best epoch the wide network was as good "
                "as the narrow one.")
    assert abs(cap["min_val_loss"][1] - cap["min_val_loss"][-1]) < 0.03, msg
    msg = claim(PAGE, "The 2-neuron network was lower in every seed, but only by about as much as the seeds differ from "
                "each other")
    narrow, wide = cap["min_val_loss_per_seed"][1], cap["min_val_loss_per_seed"][-1]
    differences = [w - n for n, w in zip(narrow, wide)]
    assert all(d > 0 for d in differences), msg
    spread = max(max(narrow) - min(narrow), max(wide) - min(wide))
    assert max(differences) < 2.5 * spread and min(differences) < spread, msg


def test_read_the_boundaries_answer(results):
    boundaries = results("capacity")["boundaries"]
    msg = claim(PAGE, "The \"just right\" network bends for them less: of the "
                "{{ value: capacity.boundaries.students_against_rule | d }} training students whose label goes against "
                "the rule, it gets {{ value: capacity.boundaries.train_errors_against_rule.1 | d }} wrong rather than "
                "wrap around it.")
    against = boundaries["train_errors_against_rule"]
    assert boundaries["widths"][1] == results("capacity")["best_width"], msg
    assert against[1] > max(against[2:]), msg  # the too-many networks fit more of them
    assert against[1] < boundaries["students_against_rule"], msg


def test_seeds_vary_a_lot_on_forty_students(results):
    cap = results("capacity")
    msg = claim(PAGE, "Notice also how much the results vary from seed to seed (the small dots): with so little data, "
                "luck matters, and a single run can mislead you.")
    spreads = [max(seeds) - min(seeds) for seeds in cap["val_loss_per_seed"]]
    assert max(spreads) > 0.3, msg
    # a single seed can even reverse the order of two widths' final validation loss
    per_seed = cap["val_loss_per_seed"]
    assert any((a[s] < b[s]) != (a[t] < b[t]) for a in per_seed for b in per_seed
               for s in range(len(a)) for t in range(len(a))), msg


def test_early_stopping_fixes_every_width_but_one(results):
    cap = results("capacity")
    msg = claim(PAGE, "This page's runs suggest trying early stopping first: it fixed every width from 2 neurons up "
                "(one neuron underfits, and no stopping rule helps that).")
    stopped = cap["min_val_loss"]  # validation loss at each width's best epoch (what early stopping keeps)
    assert cap["widths"][0] == 1 and all(w >= 2 for w in cap["widths"][1:]), msg
    assert max(stopped[1:]) - min(stopped[1:]) < 0.02, msg  # every width from 2 up ends in one narrow band
    assert stopped[0] > 1.5 * max(stopped[1:]), msg  # one neuron stays far above it
