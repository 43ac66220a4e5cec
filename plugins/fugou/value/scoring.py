"""BG/NBD predictions from stored parameters, with numpy and scipy only (no pymc import on scoring days).

The formulas are pymc-marketing's (``BetaGeoModel.expected_probability_alive``, ``expected_purchases``
and ``clv.customer_lifetime_value``; Fader, Hardie & Lee 2005, eq. 10, and Hardie's note on P(alive));
``tests/test_customer_value_model.py`` checks that both give the same numbers. One change: the Gauss
hypergeometric term is evaluated after Euler's transformation, ``2F1(A, B; C; z) = (1 - z)^(C - A - B)
2F1(C - A, C - B; C; z)``, whose parameters do not grow with the customer's frequency, so a customer with
hundreds of orders gets a finite number instead of an overflow. Where scipy's ``hyp2f1`` still gives up
(it returns NaN for a large negative first parameter, which a shop without visible drop-out gets: a fit
near the Poisson limit, r and alpha in the tens of thousands, a near 0), the Gauss series is summed
directly; it converges for every |z| < 1, and here z = t / (alpha + T + t) < 1.

Units are days; ``frequency`` counts repeat purchase days, ``recency`` and ``T`` are days since the
first purchase (to the last one, and to the scoring day).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, hyp2f1

DAYS_PER_MONTH = 30  # pymc-marketing's (and lifetimes') month in customer_lifetime_value


def hyp2f1_series(A: np.ndarray, B: np.ndarray, C: np.ndarray, z: np.ndarray,
                   max_terms: int = 200_000) -> np.ndarray:
    """The Gauss series sum_k (A)_k (B)_k / ((C)_k k!) z^k, summed until every term is negligible."""
    total = np.ones_like(z)
    term = np.ones_like(z)
    for k in range(max_terms):
        term = term * (A + k) * (B + k) / ((C + k) * (k + 1)) * z
        total = total + term
        if np.all(np.abs(term) <= 1e-16 * np.maximum(np.abs(total), 1e-300)):
            return total
    return np.where(np.abs(term) <= 1e-12 * np.abs(total), total, np.nan)


def _hyp2f1(A: np.ndarray, B: np.ndarray, C: np.ndarray, z: np.ndarray) -> np.ndarray:
    """scipy's ``hyp2f1``, and the direct series where scipy returns a non-finite number."""
    A, B, C, z = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (A, B, C, z)))
    value = np.array(hyp2f1(A, B, C, z), dtype="float64")
    bad = ~np.isfinite(value) & (np.abs(z) < 1)
    if bad.any():
        value[bad] = hyp2f1_series(A[bad], B[bad], C[bad], z[bad])
    return value


def probability_alive(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, *,
                      r: float, alpha: float, a: float, b: float) -> np.ndarray:
    """P(alive): the probability that the customer has not dropped out by the scoring day."""
    x, t_x, age = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    log_div = (r + x) * np.log((alpha + age) / (alpha + t_x)) + np.log(a / (b + np.maximum(x, 1) - 1))
    return np.where(x == 0, 1.0, expit(-log_div))


def expected_purchases(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, t: float | ArrayLike, *,
                       r: float, alpha: float, a: float, b: float) -> np.ndarray:
    """Expected number of purchase days in the next ``t`` days, given the customer's history."""
    x, t_x, age = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    t = np.asarray(t, dtype="float64")
    c = a + b + x - 1
    one_minus_z = (alpha + age) / (alpha + age + t)
    # (1 - z)^(r + x) * 2F1(r + x, b + x; c; z), after Euler's transformation
    tail = one_minus_z ** (a - 1) * _hyp2f1(a + b - 1 - r, a - 1, c, 1 - one_minus_z)
    numerator = (c / (a - 1)) * (1 - tail)
    denominator = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + age) / (alpha + t_x)) ** (r + x)
    return numerator / denominator


def discounted_expected_purchases(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, *, months: int,
                                  monthly_discount_rate: float, r: float, alpha: float, a: float,
                                  b: float) -> np.ndarray:
    """Sum over the next ``months`` months of each month's expected purchases divided by
    ``(1 + monthly_discount_rate) ** month``: times the expected spend per purchase, the lifetime value."""
    params = {"r": r, "alpha": alpha, "a": a, "b": b}
    total = np.zeros(np.broadcast(np.asarray(frequency), np.asarray(recency), np.asarray(T)).shape)
    previous = 0.0
    for month in range(1, months + 1):
        cumulative = expected_purchases(frequency, recency, T, month * DAYS_PER_MONTH, **params)
        total = total + (cumulative - previous) / (1 + monthly_discount_rate) ** month
        previous = cumulative
    return total
