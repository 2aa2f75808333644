"""The network-size page's hand-written comparisons (docs/network-size.md) hold in the published
results: each test quotes its sentence and checks its direction and size, and for comparisons
the uncertainty the page states (seed counts, paired differences with their standard errors)."""

from __future__ import annotations

import math

from claims import claim

PAGE = "network-size.md"


def test_two_neurons_fix_most_of_the_underfitting(results):
    cap = results("capacity")
    msg = claim(PAGE, "Two neurons already fix most of that: their validation loss is "
                "{{ value: capacity.val_loss.1 | .2f }} on average, the lowest of any width.")
    val = cap["val_loss"]
    assert cap["widths"][1] == 2 and cap["best_width"] == 2 and val[1] == min(val), msg
    assert val[0] - val[1] > 0.5 * (val[0] - 0.2), msg  # 'most of' the way to the floor of ~0.2


def test_wide_networks_fit_the_training_set_almost_perfectly(results):
    cap = results("capacity")
    msg = claim(PAGE, "Further right, the wider networks fit the training set almost perfectly: the training loss falls "
                "to {{ value: capacity.train_loss.3 | .3f }} at {{ value: capacity.widths.3 | d }} neurons and stays "
                "near zero for every wider network.")
    train = cap["train_loss"]
    assert max(train[3:]) < 0.05 and max(train[3:]) < train[0] / 10, msg
    assert cap["lowest_train_width"] >= cap["widths"][3], msg


def test_every_wide_run_ends_above_the_two_neuron_run_of_its_seed(results):
    cap = results("capacity")
    msg = claim(PAGE, "From {{ value: capacity.widths.3 | d }} neurons up, every run ended with a higher validation loss "
                "than the two-neuron run of the same seed, on average more than twice as high.")
    per_seed, seeds = cap["val_loss_per_seed"], cap["config"]["seeds"]
    assert cap["widths"][1] == cap["best_width"] == 2 and seeds >= 5, msg
    for width, runs in zip(cap["widths"][3:], per_seed[3:]):
        assert all(v > two for v, two in zip(runs, per_seed[1])), f"{msg} (width {width}: {runs} vs {per_seed[1]})"
    assert cap["above_best_width"][3:] == [seeds] * len(per_seed[3:]), msg
    assert min(cap["val_loss"][3:]) > 2 * cap["val_loss"][1], msg
    msg = claim(PAGE, "That gap between the training and the validation loss is overfitting: the extra capacity is being "
                "spent on the particular {{ value: capacity.config.n_train | d }} students, not on students in general.")
    assert min(cap["gap"][3:]) > 3 * cap["gap"][1], msg


def test_seeds_vary_a_lot_on_forty_students(results):
    cap = results("capacity")
    msg = claim(PAGE, "Notice also how much the results vary from seed to seed: with so little data, luck matters, and "
                "a single run can mislead you.")
    spreads = [max(seeds) - min(seeds) for seeds in cap["val_loss_per_seed"]]
    assert max(spreads) > 0.3, msg
    # a single seed can even reverse the order of two widths' final validation loss
    per_seed = cap["val_loss_per_seed"]
    assert any((a[s] < b[s]) != (a[t] < b[t]) for a in per_seed for b in per_seed
               for s in range(len(a)) for t in range(len(a))), msg
    msg = claim(PAGE, "(The {{ value: capacity.widths.2 | d }}-neuron network, for one, ended anywhere from "
                "{{ value: capacity.val_loss_range.2.0 | .2f }} to {{ value: capacity.val_loss_range.2.1 | .2f }}.)")
    runs = per_seed[2]
    assert cap["val_loss_range"][2] == [min(runs), max(runs)] and max(runs) > 2 * min(runs), msg
    assert min(runs) < cap["val_loss"][1] < max(runs), msg + " (one seed even beats two neurons' mean)"


def test_early_stopped_validation_loss_is_the_same_for_every_width_but_one(results):
    cap = results("capacity")
    msg = claim(PAGE, "At its best epoch, every width from two neurons up reaches about the same validation loss, "
                "{{ value: capacity.early_stopped_low | .3f }} to {{ value: capacity.early_stopped_high | .3f }} on "
                "average; only the single neuron stays far above, at {{ value: capacity.min_val_loss.0 | .3f }}.")
    wider = cap["min_val_loss"][1:]
    assert cap["widths"][:2] == [1, 2], msg
    assert (cap["early_stopped_low"], cap["early_stopped_high"]) == (min(wider), max(wider)), msg
    assert cap["early_stopped_high"] - cap["early_stopped_low"] < 0.03, msg
    assert cap["min_val_loss"][0] > cap["early_stopped_high"] + 0.15, msg
    # every single run of one neuron stays above every single run of the wider networks
    assert min(cap["min_val_loss_per_seed"][0]) > cap["early_stopped_seed_range"][1] + 0.15, msg


def test_too_many_epochs_not_too_many_neurons_caused_the_overfitting(results):
    cap = results("capacity")
    msg = claim(PAGE, "So the wide networks are not worse *as networks*: what ruined them was the rest of the "
                "{{ value: capacity.config.epochs | d }} epochs, spent memorising, and the extra neurons only gave the "
                "memorising room.")
    for width, best, final in zip(cap["widths"][3:], cap["min_val_loss"][3:], cap["val_loss"][3:]):
        assert final > 2 * best, f"{msg} (width {width}: best {best:.3f}, final {final:.3f})"
    for width, bests, finals in zip(cap["widths"][3:], cap["min_val_loss_per_seed"][3:], cap["val_loss_per_seed"][3:]):
        assert all(f - b > 0.1 for f, b in zip(finals, bests)), f"{msg} (width {width}, every seed)"
    assert max(cap["min_val_loss"][3:]) - cap["min_val_loss"][1] < 0.03, msg


def test_the_single_seed_range_of_the_best_epochs(results):
    cap = results("capacity")
    msg = claim(PAGE, "At their best epochs, single runs from two neurons up ranged from "
                "{{ value: capacity.early_stopped_seed_range.0 | .3f }} to "
                "{{ value: capacity.early_stopped_seed_range.1 | .3f }}.")
    runs = [v for seeds in cap["min_val_loss_per_seed"][1:] for v in seeds]
    assert cap["early_stopped_seed_range"] == [min(runs), max(runs)], msg
    assert max(runs) - min(runs) < 0.04, msg
    assert cap["config"]["seeds"] >= 5, msg


def test_two_against_sixty_four_neurons_is_consistent_on_validation_but_not_general(results):
    cap = results("capacity")
    pair = cap["narrow_vs_wide"]
    val, other = pair["validation"], pair["other_students"]
    assert pair["widths"] == [2, 64]
    msg = claim(PAGE, "{{ value: capacity.narrow_vs_wide.validation.mean | +.3f }} ± "
                "{{ value: capacity.narrow_vs_wide.validation.sem | .3f }} (mean ± its standard error). Small, but "
                "consistent.")
    narrow, wide = cap["min_val_loss_per_seed"][1], cap["min_val_loss_per_seed"][-1]
    assert val["n"] == len(narrow) >= 5 and val["b_lower"] == val["n"], msg  # the narrow network lower in every seed
    assert math.isclose(val["mean"], sum(w - n for n, w in zip(narrow, wide)) / len(narrow)), msg
    assert 3 * val["sem"] < val["mean"] < 0.03, msg  # every seed and about 3 standard errors: real, by the chapter's rule
    msg = claim(PAGE, "the networks those best epochs keep come out the other way round")
    assert other["a_lower"] > other["b_lower"] and other["mean"] < 0, msg  # the wide network lower, mostly
    msg = claim(PAGE, "A difference that small belongs to the students you happen to score on, not to the width.")
    assert abs(val["mean"]) < 0.03 and abs(other["mean"]) < 0.03, msg
    msg = claim(PAGE, "every run ended at least {{ value: capacity.least_overfit_wide.min | .2f }} above its own best "
                "epoch.")
    wide_runs = [f - b for finals, bests in zip(cap["val_loss_per_seed"][3:], cap["min_val_loss_per_seed"][3:])
                 for f, b in zip(finals, bests)]
    assert cap["least_overfit_wide"] == {"from_width": cap["widths"][3], "min": min(wide_runs)}, msg
    assert min(wide_runs) > 5 * val["mean"], msg


def test_the_dashed_line_flatters_only_a_little(results):
    cap = results("capacity")
    flattery = cap["flattery"]
    msg = claim(PAGE, "It lies on average {{ value: capacity.flattery.mean | .3f }} (at most "
                "{{ value: capacity.flattery.max | .3f }}) above the lowest point of the other students' own curve")
    assert flattery["n"] == cap["config"]["seeds"] * (len(cap["widths"]) - 1), msg
    assert 0 <= flattery["min"] and 0 < flattery["mean"] < 0.01, msg
    msg = claim(PAGE, "That is small next to every difference this page draws a conclusion from.")
    one_neuron_gap = cap["min_val_loss"][0] - cap["early_stopped_high"]
    assert flattery["max"] < cap["least_overfit_wide"]["min"] / 5 and flattery["max"] < one_neuron_gap / 5, msg


def test_the_gap_is_much_larger_from_four_neurons_on(results):
    cap = results("capacity")
    msg = claim(PAGE, "Validation minus training loss is {{ value: capacity.gap.0 | .2f }} for one neuron and "
                "{{ value: capacity.gap.1 | .2f }} for two, then much larger for every wider network: at least "
                "{{ value: capacity.gap.2 | .2f }} (at {{ value: capacity.widths.2 | d }} neurons), largest at "
                "{{ value: capacity.max_gap_width | d }} neurons ({{ value: capacity.max_gap | .2f }}).")
    gap, widths = cap["gap"], cap["widths"]
    assert widths[:3] == [1, 2, 4] and gap[2] == min(gap[2:]), msg
    assert gap[2] > 2 * max(gap[:2]), msg  # 'much larger'
    assert cap["max_gap"] == max(gap) and widths[gap.index(max(gap))] == cap["max_gap_width"], msg
    msg = claim(PAGE, "It does not grow steadily with width, but from {{ value: capacity.widths.2 | d }} neurons on the "
                "extra capacity is being spent on the particular {{ value: capacity.config.n_train | d }} students, not "
                "on students in general.")
    assert any(later < earlier for earlier, later in zip(gap, gap[1:])), msg
    assert min(gap[2:]) > 2 * max(gap[:2]), msg


def test_momentum_multiplies_the_step_by_ten(results):
    cfg = results("capacity")["config"]
    msg = claim(PAGE, "momentum {{ value: capacity.config.momentum | g }} lets the steps grow to as much as 1 / (1 − "
                "{{ value: capacity.config.momentum | g }}) = 10 times the learning rate alone, so the runs behave as if "
                "the learning rate were about {{ value: capacity.config.learning_rate | g }} × 10.")
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


def test_loss_and_accuracy_disagree_so_the_loss_is_a_diagnostic(results):
    cap = results("capacity")
    msg = claim(PAGE, "a wrong answer given with 99 % confidence costs 4.6, nearly seven times a 50 % guess.")
    assert round(-math.log(0.01), 1) == 4.6 and 6.5 < math.log(0.01) / math.log(0.5) < 7, msg
    msg = claim(PAGE, "So loss and accuracy can disagree: after all {{ value: capacity.config.epochs | d }} epochs, one "
                "neuron has a lower validation loss than every width from {{ value: capacity.widths.3 | d }} up, on "
                "average, and a lower accuracy.")
    for j in range(3, len(cap["widths"])):
        assert cap["val_loss"][0] < cap["val_loss"][j] and cap["val_acc"][0] < cap["val_acc"][j], (msg, cap["widths"][j])
    # from the best width to the widest the loss more than doubles; the accuracy loses under 10 points
    best = cap["val_loss"].index(min(cap["val_loss"]))
    assert cap["val_loss"][-1] > 2 * cap["val_loss"][best] and cap["val_acc"][best] - cap["val_acc"][-1] < 0.1, msg
    # and they can even order two widths differently
    pairs = [(i, j) for i in range(len(cap["widths"])) for j in range(len(cap["widths"]))
             if cap["val_loss"][i] < cap["val_loss"][j] and cap["val_acc"][i] < cap["val_acc"][j]]
    assert pairs, msg
    msg = claim(PAGE, "read the loss beside it as a diagnostic: it shows the overconfidence that accuracy hides.")
    assert cap["val_acc"][-1] > 0.8 and cap["val_loss"][-1] > cap["val_loss"][0], msg  # worse loss than one neuron, yet 80 %+ right


def test_the_one_neuron_mean_and_its_seeds(results):
    cap, stopping = results("capacity"), results("early_stopping")
    msg = claim(PAGE, "One neuron's {{ value: capacity.min_val_loss.0 | .3f }} is the mean of its seeds, from "
                "{{ value: capacity.min_val_loss_range.0.0 | .3f }} to {{ value: capacity.min_val_loss_range.0.1 | .3f }}; "
                "the [early-stopping page](early-stopping.md#patience) draws seed 0's, "
                "{{ value: capacity.min_val_loss_per_seed.0.0 | .3f }}, and says why other pages quote other one-neuron "
                "values.")
    runs = cap["min_val_loss_per_seed"][0]
    assert cap["min_val_loss_range"][0] == [min(runs), max(runs)], msg
    assert math.isclose(cap["min_val_loss"][0], sum(runs) / len(runs)), msg
    assert math.isclose(runs[0], stopping["one_neuron"]["min_val_loss"]) and stopping["config"]["seed"] == 0, msg


def test_the_boundary_panels_are_the_networks_the_page_names(results):
    cap = results("capacity")
    boundaries = cap["boundaries"]
    msg = claim(PAGE, "The last two panels show the same {{ value: capacity.boundaries.stopped.width | d }}-neuron "
                "network twice: stopped at its best epoch, and trained for all {{ value: capacity.config.epochs | d }} "
                "epochs.")
    assert boundaries["widths"] == [1, 2, 8] and boundaries["stopped"]["width"] == boundaries["widths"][2], msg
    assert boundaries["stopped"]["epoch"] == cap["best_epoch_per_seed"][cap["widths"].index(8)][0], msg
    assert boundaries["stopped"]["epoch"] < cap["config"]["epochs"] / 2, msg


def test_two_neurons_and_the_stopped_network_follow_the_true_rule(results):
    boundaries = results("capacity")["boundaries"]
    stopped = boundaries["stopped"]
    msg = claim(PAGE, "**Two neurons**, even after all {{ value: capacity.config.epochs | d }} epochs, draw a border "
                "close to the true rule's: the two agree about which side of the border "
                "{{ value: capacity.boundaries.rule_agreement.1 | .0% }} of the map is on.")
    assert min(boundaries["rule_agreement_per_seed"][1]) > 0.9, msg
    msg = claim(PAGE, "does as well: {{ value: capacity.boundaries.stopped.rule_agreement | .0% }}. It has many more "
                "neurons than it needs, and it has not yet used them on noise.")
    assert all(s >= t - 0.01 for s, t in zip(stopped["rule_agreement_per_seed"],
                                              boundaries["rule_agreement_per_seed"][1])), msg
    assert stopped["train_errors_against_rule"] > boundaries["train_errors_against_rule"][2], msg
    msg = claim(PAGE, "gets every training student right but agrees with the true rule on less of the map "
                "({{ value: capacity.boundaries.rule_agreement.2 | .0% }}).")
    assert boundaries["train_errors"][2] == 0 < stopped["train_errors"], msg
    assert boundaries["rule_agreement"][2] < stopped["rule_agreement"] - 0.03, msg
    msg = claim(PAGE, "Same width, same network: only the number of epochs differs.")
    assert stopped["width"] == boundaries["widths"][2], msg


def test_the_pattern_of_the_maps_holds_in_every_seed(results):
    cap = results("capacity")
    boundaries = cap["boundaries"]
    msg = claim(PAGE, "The maps show one seed; the table below gives the agreement with the true rule for every seed, "
                "and the pattern holds in each of them.")
    one, two, full = boundaries["rule_agreement_per_seed"]
    stopped = boundaries["stopped"]["rule_agreement_per_seed"]
    assert len(one) == cap["config"]["seeds"] >= 5, msg
    for s in range(len(one)):
        assert one[s] < full[s] - 0.05 < stopped[s] - 0.05 and full[s] < two[s] - 0.03, f"{msg} (seed {s})"
    for ranges, per_seed in ((boundaries["rule_agreement_range"], boundaries["rule_agreement_per_seed"]),
                             ([boundaries["stopped"]["rule_agreement_range"]], [stopped])):
        assert all(r == [min(p), max(p)] for r, p in zip(ranges, per_seed)), msg


def test_depth_matters_less_than_training_too_long(results):
    depth, cap = results("depth"), results("capacity")
    msg = claim(PAGE, "At their best epochs, the two-layer networks came out a little lower in every seed of both pairs, "
                "by about {{ value: depth.depth_gain.0 | .3f }} and {{ value: depth.depth_gain.1 | .3f }}, a difference "
                "that shrinks or vanishes on other students (details below).")
    assert depth["config"]["seeds"] >= 5, msg
    for gain, val, other in zip(depth["depth_gain"], depth["depth_gain_paired"], depth["depth_gain_other"]):
        assert val["b_lower"] == val["n"] and math.isclose(gain, val["mean"]) and 0 < gain < 0.03, msg
        assert other["mean"] < val["mean"] / 2, msg  # shrinks
    assert any(abs(other["mean"]) < 2 * other["sem"] for other in depth["depth_gain_other"]), msg  # vanishes
    msg = claim(PAGE, "It is also small next to what training for all {{ value: depth.config.epochs | d }} epochs costs: "
                "every network ends well above its best, even the least affected by {{ value: depth.smallest_overfit | .2f }}.")
    assert depth["smallest_overfit"] > 5 * max(depth["depth_gain"]), msg
    msg = claim(PAGE, "the arrangement of the neurons matters little here; how long they train matters most (depth "
                "helps on other problems: see the details).")
    assert depth["min_val_loss_high"] - depth["min_val_loss_low"] < 0.03, msg
    assert depth["min_val_loss_low"] > cap["early_stopped_low"] - 0.02, msg
    assert depth["min_val_loss_high"] < cap["early_stopped_high"] + 0.02, msg


def test_depths_advantage_is_consistent_on_validation_and_unclear_on_new_students(results):
    depth = results("depth")
    msg = claim(PAGE, "So depth's small advantage here is consistent on the students it was measured on and unclear on "
                "new ones.")
    for val, other in zip(depth["depth_gain_paired"], depth["depth_gain_other"]):
        assert val["b_lower"] == val["n"] and val["mean"] > 3 * val["sem"], msg  # the chapter's rule for 5 seeds
        assert max(other["a_lower"], other["b_lower"]) < other["n"] and other["sign_p"] > 0.05, msg
    msg = claim(PAGE, "in the first pair the one-layer network is lower in "
                "{{ value: depth.depth_gain_other.0.a_lower | d }} of {{ value: depth.depth_gain_other.0.n | d }} seeds")
    assert depth["depth_gain_other"][0]["a_lower"] > depth["depth_gain_other"][0]["b_lower"], msg
    msg = claim(PAGE, "in the second the two-layer network in {{ value: depth.depth_gain_other.1.b_lower | d }} of "
                "{{ value: depth.depth_gain_other.1.n | d }}")
    assert depth["depth_gain_other"][1]["b_lower"] > depth["depth_gain_other"][1]["a_lower"], msg


def test_predict_then_run_answer(results):
    cap = results("capacity")
    pair = cap["narrow_vs_wide"]
    msg = claim(PAGE, "The final validation loss is far lower for 2 neurons")
    assert cap["widths"][1] == 2 and cap["val_loss"][1] < cap["val_loss"][-1] / 2, msg
    msg = claim(PAGE, "The lowest validation loss is much closer ({{ value: capacity.min_val_loss.1 | .3f }} against "
                "{{ value: capacity.min_val_loss.-1 | .3f }} on average).")
    close, far = abs(cap["min_val_loss"][1] - cap["min_val_loss"][-1]), cap["val_loss"][-1] - cap["val_loss"][1]
    assert close < 0.03 and close < far / 20, msg
    msg = claim(PAGE, "The 2-neuron network was lower in every one of the {{ value: capacity.narrow_vs_wide.validation.n "
                "| d }} seeds, by {{ value: capacity.narrow_vs_wide.validation.mean | .3f }} on average: a small, "
                "consistent difference on these validation students, which {{ value: dataset.n_test | d }} other "
                "students do not confirm")
    assert pair["validation"]["b_lower"] == pair["validation"]["n"] >= 5, msg
    assert pair["validation"]["mean"] > 3 * pair["validation"]["sem"], msg  # "consistent", by the chapter's rule
    assert pair["other_students"]["a_lower"] > pair["other_students"]["b_lower"], msg
    msg = claim(PAGE, "Next to the final losses, the two best epochs are close to a tie")
    assert pair["validation"]["mean"] < far / 20, msg


def test_read_the_boundaries_answer(results):
    boundaries = results("capacity")["boundaries"]
    msg = claim(PAGE, "The same network stopped at its best epoch bends for them less. Of the "
                "{{ value: capacity.boundaries.students_against_rule | d }} training students whose label goes against "
                "the rule, it leaves {{ value: capacity.boundaries.stopped.train_errors_against_rule | d }} on the wrong "
                "side of its border instead of wrapping around that student; so does the two-neuron network.")
    against, stopped = boundaries["train_errors_against_rule"], boundaries["stopped"]["train_errors_against_rule"]
    assert against[2] == 0 < stopped < boundaries["students_against_rule"], msg  # after 300 epochs it fits them all
    assert stopped == against[1], msg


def test_early_stopping_fixes_every_width_but_one(results):
    cap = results("capacity")
    msg = claim(PAGE, "This page's runs suggest trying early stopping first: it fixed every width from 2 neurons up "
                "(one neuron underfits, and no stopping rule helps that).")
    stopped = cap["min_val_loss"]  # validation loss at each width's best epoch (what early stopping keeps)
    assert cap["widths"][0] == 1 and all(w >= 2 for w in cap["widths"][1:]), msg
    assert max(stopped[1:]) - min(stopped[1:]) < 0.02, msg  # every width from 2 up ends in one narrow band
    assert stopped[0] > 1.5 * max(stopped[1:]), msg  # one neuron stays far above it


def test_in_short(results):
    cap = results("capacity")
    msg = claim(PAGE, "Too few hidden neurons underfit: a single neuron can only draw a straight border, and no amount "
                "of training fixes that.")
    assert min(cap["min_val_loss_per_seed"][0]) > cap["early_stopped_seed_range"][1] + 0.15, msg
    msg = claim(PAGE, "A wide network trained for too long on a small training set memorises it: its training loss falls "
                "to almost zero while its validation loss climbs.")
    assert max(cap["train_loss"][3:]) < 0.05 and min(cap["val_loss"][3:]) > 2 * min(cap["min_val_loss"][3:]), msg
    msg = claim(PAGE, "Stopped at its best epoch, though, every width we tried from two neurons up did about equally "
                "well on this [draw](key-concepts.md#draw) of students, so the wide networks' trouble was the extra epochs, not their size "
                "(on another draw two may be too few).")
    assert cap["widths"][1] == 2 and cap["early_stopped_high"] - cap["early_stopped_low"] < 0.03, msg
    assert cap["least_overfit_wide"]["min"] > 5 * (cap["early_stopped_high"] - cap["early_stopped_low"]), msg
