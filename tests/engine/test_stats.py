"""lesson.stats: the uncertainty every comparison in the chapter states, checked against values
worked out by hand (and, for the interval, against its textbook definition)."""

from __future__ import annotations

import math

import pytest

from lesson.stats import paired, rate_interval, sign_test, spread


def test_spread_is_mean_sample_std_and_standard_error():
    s = spread([1.0, 2.0, 3.0, 4.0])
    assert s["n"] == 4 and s["mean"] == 2.5 and (s["min"], s["max"]) == (1.0, 4.0)
    assert s["std"] == pytest.approx(math.sqrt(5 / 3), abs=1e-15)         # ddof = 1
    assert s["sem"] == pytest.approx(math.sqrt(5 / 3) / 2, abs=1e-15)


def test_spread_skips_diverged_runs_and_refuses_none_at_all():
    assert spread([None, 2.0, 4.0])["n"] == 2
    assert spread([5.0]) == {"n": 1, "mean": 5.0, "std": 0.0, "sem": 0.0, "min": 5.0, "max": 5.0}
    with pytest.raises(ValueError, match="no values"):
        spread([None, None])


def test_paired_differences_cancel_the_seeds_luck():
    a, b = [0.20, 0.30, 0.25, 0.40], [0.21, 0.32, 0.24, 0.43]
    p = paired(a, b)
    assert p["mean"] == pytest.approx(-0.0125, abs=1e-12)
    assert (p["a_lower"], p["b_lower"]) == (3, 1)
    assert p["sign_p"] == pytest.approx(0.625)        # 2 * (1 + 4) / 16
    with pytest.raises(ValueError, match="seed by seed"):
        paired([1.0], [1.0, 2.0])


def test_sign_test_is_the_exact_binomial_tail():
    assert sign_test(11, 8) == pytest.approx(2 * sum(math.comb(19, k) for k in range(9)) / 2 ** 19)
    assert sign_test(4, 1) == pytest.approx(0.375)    # the review's 4-to-1 split: p = 12/32
    assert sign_test(5, 0) == pytest.approx(0.0625)
    assert sign_test(3, 3) == 1.0 and sign_test(0, 0) == 1.0


def test_rate_interval_is_wilsons_and_stays_in_0_1():
    r = rate_interval(11, 12)
    assert r["rate"] == pytest.approx(11 / 12)
    # Wilson's 95 % interval for 11 of 12, from its formula worked out by hand
    assert (r["low"], r["high"]) == (pytest.approx(0.6461, abs=1e-4), pytest.approx(0.9851, abs=1e-4))
    assert rate_interval(0, 5)["low"] == 0.0 and rate_interval(5, 5)["high"] == 1.0
    assert rate_interval(0, 5)["high"] > 0.4       # no successes in 5 does not mean never
    with pytest.raises(ValueError, match="successes"):
        rate_interval(6, 5)
