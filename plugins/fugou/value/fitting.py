"""Fit BG/NBD and Gamma-Gamma by weighted maximum likelihood, with pymc-marketing's own models.

The input is compressed: one row per distinct pattern with the number of customers who have it, so the
cost of a fit grows with the number of distinct patterns, not of customers. pymc-marketing builds the
model (its ``BetaGeoModel`` / ``GammaGammaModel`` with flat priors, so the maximum a posteriori is the
maximum likelihood of Fader, Hardie & Lee); each pattern's log-likelihood term is multiplied by its
customer count, and scipy's L-BFGS-B maximises the sum over the log-parameters. The data are inputs of
the compiled function, not constants in it, so pytensor's C code is compiled once per machine (about 40 s,
cached in ``~/.pytensor``) and reused by every later fit of any shop.

Importing pymc-marketing takes about 6 s, so this module imports it inside the fit functions only: a
day without a fit due never pays for it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

PURCHASE_PARAMETERS = ("r", "alpha", "a", "b")
SPEND_PARAMETERS = ("p", "q", "v")


@dataclass
class Fit:
    """The outcome of one maximum-likelihood fit."""

    converged: bool
    parameters: dict[str, float]
    log_likelihood: float
    iterations: int
    message: str
    seconds: float


def fit_purchase_model(patterns: pd.DataFrame, *, max_iterations: int = 500) -> Fit:
    """BG/NBD on ``patterns`` (columns ``frequency`` = repeat purchase days, ``recency`` and ``T`` in
    days, ``customers`` = how many customers have the pattern). ``alpha`` is in days."""
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import BetaGeoModel

    data = _with_ids(patterns[["frequency", "recency", "T"]])
    model = BetaGeoModel(data=data, model_config={k: Prior("HalfFlat") for k in ("a", "b", "alpha", "r")})
    return _weighted_mle(model, patterns["customers"], PURCHASE_PARAMETERS, max_iterations)


def fit_spend_model(patterns: pd.DataFrame, *, max_iterations: int = 500) -> Fit:
    """Gamma-Gamma on ``patterns`` of repeat buyers (columns ``frequency`` = repeat purchase days,
    ``monetary_value`` = mean value of a repeat purchase day, ``customers``). A fit with q <= 1 has no
    finite mean spend and does not count as converged."""
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import GammaGammaModel

    data = _with_ids(patterns[["frequency", "monetary_value"]])
    model = GammaGammaModel(data=data, model_config={k: Prior("HalfFlat") for k in SPEND_PARAMETERS})
    fit = _weighted_mle(model, patterns["customers"], SPEND_PARAMETERS, max_iterations)
    if fit.converged and not fit.parameters["q"] > 1:
        fit.converged = False
        fit.message = f"q = {fit.parameters['q']:.4g} <= 1: the mean spend per order is not finite"
    return fit


# pytensor's C backend (FAST_RUN) compiles a graph once per machine and caches it, but a graph holding the
# data as constants is a new graph for every data set (about 30 s of compiling each fit); its Python backend
# (FAST_COMPILE) needs no compiler but evaluates the likelihood element by element. So the data are made
# inputs of the compiled function (_data_as_inputs) and the C backend is used: compiled on the first fit of
# a machine, reused by every later one, whatever the shop's data.


def _mode() -> str:
    """FAST_RUN (C code) where pytensor has a C compiler, else its Python backend (FAST_COMPILE: pytensor
    2.37 refuses FAST_RUN without a compiler rather than falling back)."""
    import pytensor

    return "FAST_RUN" if pytensor.config.cxx else "FAST_COMPILE"


def _data_as_inputs(outputs: list[Any], rows: int) -> tuple[list[Any], list[Any], list[np.ndarray]]:
    """``outputs`` with every per-row constant (the data the model was built on) replaced by a symbolic
    input; returns the new outputs, the inputs and their values (in the same order)."""
    import pytensor.tensor as pt
    from pytensor.graph.basic import Constant
    from pytensor.graph.replace import graph_replace
    from pytensor.graph.traversal import ancestors

    constants = [v for v in ancestors(outputs) if isinstance(v, Constant) and getattr(v, "ndim", 0) >= 1
                 and np.shape(v.data)[0] == rows]
    constants = list(dict.fromkeys(constants))
    inputs = [pt.tensor(dtype=c.dtype, shape=(None,) * c.ndim) for c in constants]
    replaced = graph_replace(outputs, dict(zip(constants, inputs, strict=True)), strict=False)
    return list(replaced), inputs, [np.asarray(c.data) for c in constants]


def _with_ids(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.reset_index(drop=True).assign(customer_id=np.arange(len(frame)))


def _weighted_mle(clv_model: Any, weights: pd.Series, names: tuple[str, ...], max_iterations: int) -> Fit:
    """Maximise sum(weight * per-row log-likelihood) of a pymc-marketing model with flat priors."""
    import pytensor
    import pytensor.tensor as pt
    from scipy.optimize import minimize

    began = time.monotonic()
    clv_model.build_model()
    model = clv_model.model
    w = pt.vector("weights", dtype="float64")
    # one term per free parameter (flat: 0) and one per-row vector (the likelihood)
    terms = model.logp(jacobian=False, sum=False)
    total = sum(((term * w).sum() if term.ndim == 1 else term.sum()) for term in terms)
    value_vars = model.value_vars  # log-transformed parameters (HalfFlat lives on (0, inf))
    loss = -total
    outputs, data_inputs, data_values = _data_as_inputs([loss, *pt.grad(loss, value_vars)], len(weights))
    function = pytensor.function([*value_vars, w, *data_inputs], outputs, mode=_mode())
    data = [np.asarray(weights, dtype="float64"), *data_values]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        out = function(*theta, *data)
        return float(out[0]), np.array([float(g) for g in out[1:]])

    start = model.initial_point()
    x0 = np.array([start[v.name] for v in value_vars], dtype="float64")
    result = minimize(objective, x0, jac=True, method="L-BFGS-B", options={"maxiter": max_iterations})
    by_name = {v.name.removesuffix("_log__"): float(math.exp(x)) for v, x in zip(value_vars, result.x, strict=True)}
    parameters = {name: by_name[name] for name in names}
    finite = all(math.isfinite(v) and v > 0 for v in parameters.values()) and math.isfinite(result.fun)
    message = str(result.message)
    return Fit(
        converged=bool(result.success) and finite,
        parameters=parameters,
        log_likelihood=-float(result.fun),
        iterations=int(result.nit),
        message=message if finite else f"{message}; parameters not finite",
        seconds=time.monotonic() - began,
    )
