"""The engine: gradients, determinism, divergence, early stopping, callbacks, schedules, the one training loop over its kernels."""

import math
import warnings

import numpy as np
import pytest

from lesson.data import DataConfig, make_dataset
from lesson.nn import MLP, NetworkConfig, bce_with_logits
from lesson.search import LogUniform, best_so_far, grid_points, successive_halving
from lesson.train import EpochLoop, Run, TrainConfig, fit, train, train_many

# analytic vs central-difference gradient: |numeric - analytic| <= ATOL + RTOL * |analytic|
# (step 1e-6 in float64 leaves ~1e-10 of rounding noise in the numeric estimate)
GRADIENT_ATOL, GRADIENT_RTOL = 1e-8, 1e-5


@pytest.fixture(scope="module")
def data():
    return make_dataset(DataConfig(n_train=120, n_val=60, n_test=60))


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("hidden", [(5,), (4, 3)])
def test_gradients_match_finite_differences(data, activation, hidden):
    net = MLP.initialize(NetworkConfig(hidden=hidden, activation=activation),
                         np.random.default_rng(1))
    x, y = data.x_train[:20], data.y_train[:20]
    net.loss_and_gradients(x, y)
    for param, grad in zip(net.parameters(), [g.copy() for g in net.gradients()]):
        numeric = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + 1e-6
            up = bce_with_logits(net.logits(x), y)
            param[index] = saved - 1e-6
            down = bce_with_logits(net.logits(x), y)
            param[index] = saved
            numeric[index] = (up - down) / 2e-6
        np.testing.assert_allclose(numeric, grad, rtol=GRADIENT_RTOL, atol=GRADIENT_ATOL)
        assert np.abs(grad).max() > 1e-4  # the check compared real gradients, not zeros


def test_bce_is_stable_for_huge_logits():
    logits = np.array([1e300, -1e300, 800.0, -800.0])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = bce_with_logits(logits, y)
    assert math.isfinite(loss) and loss > 1e299 / 4


def test_initial_loss_is_near_ln2(data):
    history = fit(data, training=TrainConfig(epochs=0)).history
    assert abs(history.train_loss[0] - math.log(2)) < 0.15


def test_same_seed_same_numbers_other_seed_other_numbers(data):
    a = fit(data, training=TrainConfig(epochs=5), seed=3).history
    b = fit(data, training=TrainConfig(epochs=5), seed=3).history
    c = fit(data, training=TrainConfig(epochs=5), seed=4).history
    assert a.to_dict() == b.to_dict()
    assert a.val_loss != c.val_loss


def test_dataset_is_deterministic_and_standardised_on_train_only(data):
    again = make_dataset(DataConfig(n_train=120, n_val=60, n_test=60))
    assert np.array_equal(data.x_val, again.x_val)
    assert np.allclose(data.x_train.mean(axis=0), 0) and np.allclose(data.x_train.std(axis=0), 1)
    assert not np.allclose(data.x_val.mean(axis=0), 0)


def _assert_diverged(h, epochs):
    assert h.diverged and h.stop_reason == "diverged"
    assert h.diverged_epoch == h.stopped_epoch < epochs
    assert all(v is None for v in h.train_loss[h.stopped_epoch + 1:])
    assert all(v is None or math.isfinite(v) for v in h.train_loss + h.val_loss)


def test_too_high_learning_rate_is_marked_diverged_without_warnings(data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = fit(data, training=TrainConfig(learning_rate=100.0, epochs=20)).history
    _assert_diverged(history, 20)
    assert history.train_loss[history.diverged_epoch] > 5.0  # above the default ceiling


def test_overflowing_weights_are_marked_diverged_without_warnings(data):
    rng = np.random.default_rng(0)
    net = MLP.initialize(NetworkConfig(hidden=(4,), activation="relu"), rng)
    net.set_state([p * 1e306 for p in net.get_state()])  # logits overflow to inf, the loss to NaN
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = train(net, data, TrainConfig(learning_rate=1.0, epochs=10,
                                               divergence_loss=1e308), rng)
    _assert_diverged(history, 10)
    assert history.train_loss[history.diverged_epoch] is None  # non-finite, stored as None


def test_early_stopping_stops_after_patience_and_restores_best(data):
    trained = fit(data, NetworkConfig(hidden=(32,)),
                  TrainConfig(learning_rate=1.0, epochs=400, patience=5, momentum=0.9), seed=0)
    h = trained.history
    assert h.stop_reason == "early_stopping"
    assert h.stopped_epoch - h.best_epoch == 5
    assert h.best_val_loss <= h.final_val_loss
    restored = bce_with_logits(trained.network.logits(data.x_val), data.y_val)
    assert math.isclose(restored, h.best_val_loss, rel_tol=1e-12)


def test_callback_sees_every_epoch_and_can_stop(data):
    seen = []

    def callback(epoch, record):
        seen.append((epoch, sorted(record)))
        return epoch == 3

    h = fit(data, training=TrainConfig(epochs=50), callback=callback).history
    assert [e for e, _ in seen] == [0, 1, 2, 3]
    assert seen[0][1] == ["train_acc", "train_loss", "val_acc", "val_loss"]
    assert h.stop_reason == "callback" and h.stopped_epoch == 3


def _curves(history):
    return np.array([[np.nan if v is None else v for v in getattr(history, name)]
                     for name in ("train_loss", "val_loss", "train_acc", "val_acc")])


# The reference and fast kernels add the same numbers in different orders (BLAS vs reduceat) and
# compute tanh/sigmoid differently (np.tanh vs np.exp), so whole runs agree to rounding: 1e-9,
# relative for the huge weights of a diverged run. Learning rates on the edge of chaos would
# amplify those last bits, so the cases below stay clear of it (tests/engine/test_kernels.py
# compares the kernels one step at a time at any learning rate).
EQUAL = {"rtol": 1e-9, "atol": 1e-9}


def _equality_runs() -> list[Run]:
    runs = []
    for activation in ("tanh", "relu", "sigmoid"):
        for i, (lr, hidden) in enumerate([(1e-3, (2,)), (0.3, (8,)), (1.0, (16,)),
                                          (300.0, (8,)), (0.5, (4, 3)), (0.5, (5,)),
                                          (0.2, (3, 6))]):
            runs.append(Run(NetworkConfig(hidden=hidden, activation=activation),
                            TrainConfig(learning_rate=lr, epochs=15 + 5 * i,
                                        batch_size=8 if i == 5 else 16,
                                        momentum=0.5 if i in (2, 6) else 0.0,
                                        patience=3 if i >= 4 else None,
                                        record_steps=i == 1), seed=i))
    return runs


def test_reference_and_fast_kernels_train_the_same_runs(data):
    runs = _equality_runs()
    fast = train_many(data, runs)
    reference = train_many(data, runs, kernel="reference")
    reasons = set()
    for run, f, r in zip(runs, fast, reference):
        for field in ("stop_reason", "stopped_epoch", "best_epoch", "diverged_epoch"):
            assert getattr(r.history, field) == getattr(f.history, field), (field, run)
        np.testing.assert_allclose(_curves(f.history), _curves(r.history), **EQUAL)
        np.testing.assert_allclose(np.array(f.history.step_loss, dtype=float),
                                   np.array(r.history.step_loss, dtype=float), **EQUAL)
        for p, q in zip(r.network.parameters(), f.network.parameters()):
            assert p.shape == q.shape
            np.testing.assert_allclose(q, p, **EQUAL)
        reasons.add(r.history.stop_reason)
    assert reasons == {"completed", "diverged", "early_stopping"}


def test_fit_is_one_run_of_train_many_bit_for_bit(data):
    runs = _equality_runs()
    together = train_many(data, runs)
    for run, trained in list(zip(runs, together))[::4]:
        alone = fit(data, run.network, run.training, run.seed)
        assert alone.history.to_dict() == trained.history.to_dict(), run


def test_train_in_place_equals_fit_and_shows_the_callback_the_current_weights(data):
    network, training = NetworkConfig(hidden=(8,)), TrainConfig(learning_rate=2.0, epochs=12)
    rng = np.random.default_rng(4)
    net = MLP.initialize(network, rng)
    seen = []

    def callback(epoch, record):
        seen.append(record["val_loss"] - bce_with_logits(net.logits(data.x_val), data.y_val))

    history = train(net, data, training, rng, callback)
    assert history.to_dict() == fit(data, network, training, seed=4).history.to_dict()
    assert len(seen) == 13 and max(abs(d) for d in seen) < 1e-12
    assert bce_with_logits(net.logits(data.x_val), data.y_val) == pytest.approx(
        history.val_loss[-1], rel=1e-12)


def test_one_loop_refuses_runs_that_cannot_share_a_kernel(data):
    runs = [Run(training=TrainConfig(batch_size=8)), Run(training=TrainConfig(batch_size=16))]
    networks = [MLP.initialize(run.network, np.random.default_rng(0)) for run in runs]
    rngs = [np.random.default_rng(0) for _ in runs]
    with pytest.raises(ValueError, match="train_many"):
        EpochLoop(data, runs, networks, rngs, "fast")


@pytest.mark.parametrize("make,field", [
    (lambda: TrainConfig(learning_rate=-1), "learning_rate"),
    (lambda: TrainConfig(batch_size=0), "batch_size"),
    (lambda: TrainConfig(momentum=1.0), "momentum"),
    (lambda: TrainConfig(patience=0), "patience"),
    (lambda: NetworkConfig(activation="gelu"), "activation"),
    (lambda: NetworkConfig(hidden=(0,)), "hidden"),
    (lambda: DataConfig(label_flip=0.7), "label_flip"),
])
def test_bad_settings_raise_value_error_naming_the_field(make, field):
    with pytest.raises(ValueError, match=rf"\.{field} = .* is invalid: use"):
        make()


def test_search_helpers():
    space = {"learning_rate": LogUniform(1e-3, 10.0), "hidden": LogUniform(2, 32, integer=True)}
    grid = grid_points(space, 3)
    assert len(grid) == 9 and len({p["learning_rate"] for p in grid}) == 3
    assert best_so_far([0.5, None, 0.7, 0.2]) == [0.5, 0.5, 0.5, 0.2]
    with pytest.raises(ValueError, match="low"):
        LogUniform(1.0, 0.5)


def test_successive_halving_keeps_a_third_and_counts_epochs():
    calls = []

    def evaluate(ids, epochs):
        calls.append((list(ids), epochs))
        return [float(i) / epochs for i in ids]  # config 0 is always best

    out = successive_halving(27, evaluate, min_epochs=1, eta=3, max_epochs=27)
    assert [len(ids) for ids, _ in calls] == [27, 9, 3, 1]
    assert out["epochs_spent"] == 108 and out["winner"] == 0


def test_a_runs_numbers_do_not_depend_on_its_batch_companions(data):
    alone = train_many(data, [Run(NetworkConfig(hidden=(6,)), TrainConfig(epochs=10), seed=5)])
    crowd = train_many(data, [Run(NetworkConfig(hidden=(w,)),
                                  TrainConfig(epochs=10, learning_rate=lr), seed=5)
                              for w, lr in [(3, 1.0), (6, 0.3), (20, 0.01)]])
    assert alone[0].history.to_dict() == crowd[1].history.to_dict()


def test_callback_also_sees_the_diverged_epoch(data):
    epochs = []
    h = fit(data, training=TrainConfig(learning_rate=100.0, epochs=20),
            callback=lambda epoch, record: epochs.append(epoch)).history
    assert h.diverged and epochs[-1] == h.diverged_epoch


def test_warm_up_and_cosine_decay_set_each_epochs_learning_rate(data):
    config = TrainConfig(learning_rate=1.0, epochs=10, warmup_epochs=4, decay="cosine")
    factors = [config.schedule_factor(e) for e in range(1, 11)]
    assert factors[:5] == [0.25, 0.5, 0.75, 1.0, 1.0]
    assert all(a > b > 0 for a, b in zip(factors[4:], factors[5:]))  # falls, never reaches 0
    assert TrainConfig(epochs=10).schedule_factor(7) == 1.0
    # the first warm-up epoch trains exactly as a constant run at a quarter of the rate
    warm = fit(data, training=TrainConfig(learning_rate=2.0, epochs=1, warmup_epochs=4), seed=3)
    quarter = fit(data, training=TrainConfig(learning_rate=0.5, epochs=1), seed=3)
    assert warm.history.to_dict() == quarter.history.to_dict()
    full = fit(data, training=TrainConfig(learning_rate=2.0, epochs=1), seed=3)
    assert full.history.train_loss[1] != warm.history.train_loss[1]


def test_start_from_epoch_keeps_early_stopping_from_ending_a_run_early(data):
    eager = fit(data, NetworkConfig(hidden=(16,)),
                TrainConfig(learning_rate=1.0, epochs=60, patience=2, momentum=0.5), seed=1).history
    patient = fit(data, NetworkConfig(hidden=(16,)),
                  TrainConfig(learning_rate=1.0, epochs=60, patience=2, momentum=0.5,
                              start_from_epoch=20), seed=1).history
    assert eager.stop_reason == "early_stopping" and eager.stopped_epoch < 20
    assert patient.best_epoch >= 20 and patient.stopped_epoch >= 22
    with pytest.raises(ValueError, match="start_from_epoch"):
        TrainConfig(start_from_epoch=-1)
    with pytest.raises(ValueError, match="decay = 'linear' is invalid"):
        TrainConfig(decay="linear")
