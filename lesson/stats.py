"""The uncertainty of a comparison: spreads over seeds, intervals for rates, paired tests.

Every sentence in the chapter that calls something a win, a tie or a difference states how sure
the runs make us, and these functions compute it (in the build's Pyodide, like every result, so
the numbers the text quotes are the ones a reader's rerun gives). They take plain lists of
floats or counts and return plain dicts, ready for a result.

- ``spread(values)``: mean, sample standard deviation, standard error of the mean, min and max
  of one quantity over seeds (``spread_or_none``: None, not an error, when every run diverged).
- ``paired(a, b)``: the same for the seed-by-seed difference ``a - b`` (both runs share each seed,
  so the seed's luck cancels), and how many seeds favour each side.
- ``rate_interval(successes, trials)``: a 95 % Wilson score interval for a success rate
  ("found a good configuration in 11 of 12 repeats").
- ``sign_test(wins_a, wins_b)``: the exact two-sided p-value of a paired win/loss count under
  "neither is better" (McNemar's exact test; ties are left out).
"""

from __future__ import annotations

import math

# The normal quantile for a two-sided 95 % interval.
Z95 = 1.959963984540054


def spread(values: list) -> dict:
    """``n``, ``mean``, ``std`` (sample, ddof=1), ``sem`` (std / sqrt(n)), ``min``, ``max``."""
    kept = [float(v) for v in values if v is not None]
    if not kept:
        raise ValueError("spread: no values (every run diverged or none was given)")
    n = len(kept)
    mean = math.fsum(kept) / n
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in kept) / (n - 1)) if n > 1 else 0.0
    return {"n": n, "mean": mean, "std": std, "sem": std / math.sqrt(n),
            "min": min(kept), "max": max(kept)}


def spread_or_none(values: list) -> dict | None:
    """``spread`` of the values that are not None; None if there are none (every run diverged)."""
    return spread(values) if any(v is not None for v in values) else None


def paired(a: list, b: list) -> dict:
    """The seed-by-seed difference ``a - b``: its ``spread`` plus ``a_lower`` / ``b_lower`` (how
    many seeds give ``a`` the lower value, and ``b``) and ``sign_p`` (``sign_test`` of those)."""
    if len(a) != len(b):
        raise ValueError(f"paired: {len(a)} values against {len(b)}; pair them seed by seed")
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    differences = [x - y for x, y in pairs]
    a_lower = sum(1 for d in differences if d < 0)
    b_lower = sum(1 for d in differences if d > 0)
    return {**spread(differences), "a_lower": a_lower, "b_lower": b_lower,
            "sign_p": sign_test(a_lower, b_lower)}


def paired_or_none(a: list, b: list) -> dict | None:
    """``paired`` over the seeds where both are not None; None if there are none."""
    return paired(a, b) if any(x is not None and y is not None for x, y in zip(a, b)) else None


def rate_interval(successes: int, trials: int) -> dict:
    """``rate`` = successes / trials and its 95 % Wilson score interval ``low``..``high``."""
    if not (isinstance(successes, int) and isinstance(trials, int) and 0 <= successes <= trials
            and trials > 0):
        raise ValueError(f"rate_interval: need 0 <= successes <= trials, trials > 0; got "
                         f"{successes} of {trials}")
    p, z2 = successes / trials, Z95 * Z95
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = Z95 * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return {"successes": successes, "trials": trials, "rate": p,
            "low": max(0.0, centre - half), "high": min(1.0, centre + half)}


def sign_test(wins_a: int, wins_b: int) -> float:
    """Exact two-sided p-value that ``wins_a`` against ``wins_b`` paired wins (ties left out)
    would be this lopsided or more if each were equally likely to win: 1.0 when there are none."""
    n = wins_a + wins_b
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(wins_a, wins_b) + 1))
    return min(1.0, 2 * tail / 2 ** n)
