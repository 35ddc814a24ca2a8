"""A/B statistics for experience versions: probability to be best, uplift, intervals, loss, SRM.

Pure functions over per-version counts; no I/O, no randomness. Every number is computed by
deterministic numerical integration, so the same inputs always give the same answer (a seeded
sampler would too, but would also carry Monte-Carlo noise of a few tenths of a point).

Models (SPEC 7):
- user-count metrics (viewedUsers, clickedUsers, goalReached, bounceRate, ...): each version's
  rate has the posterior Beta(1 + x, 1 + n - x) under a uniform prior;
- mean metrics (avgVisitDuration, avgPagesPerVisit): each version's mean has the normal
  approximation N(mean, variance / n) (flat prior; the sample variance with n - 1).

Probability to be best is across ALL versions, not pairwise against the baseline:
``P(best_i) = ∫ f_i(t) Π_{j≠i} F_j(t) dt`` on a fine grid spanning every posterior's mass, where
"best" is the highest value, or the lowest for metrics where lower is better (bounce rate).
The expected loss of choosing version i is ``E[max_j θ_j] - E[θ_i]`` (``E[θ_i] - E[min_j θ_j]``
when lower is better), from the same grid. A sample-ratio mismatch is a chi-square goodness-of-
fit of the versions' viewed users against the configured traffic weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

# Grid points of the integration; the error of the trapezoid rule on smooth, unimodal
# posteriors at this resolution is far below 0.01 percentage points.
GRID_POINTS = 20_001
# The grid spans every posterior from this lower to this upper quantile.
TAIL = 1e-10
CREDIBLE_MASS = 0.95
# GrowthBook's default threshold: a p-value under it flags a sample-ratio mismatch.
SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class Proportion:
    """A user-count metric of one version: ``x`` of ``n`` users (x <= n)."""

    n: int
    x: int


@dataclass(frozen=True)
class Mean:
    """A mean metric of one version: ``n`` units with ``total`` = Σ values, ``total_sq`` = Σ values²."""

    n: int
    total: float
    total_sq: float


Arm = Proportion | Mean


@dataclass(frozen=True)
class ArmResult:
    value: float  # the observed rate or mean
    probability_to_be_best: float  # 0..1
    expected_loss: float  # in the metric's own unit
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class SrmResult:
    chi2: float
    p_value: float
    mismatch: bool


def observed(arm: Arm) -> float:
    if isinstance(arm, Proportion):
        return arm.x / arm.n if arm.n else 0.0
    return arm.total / arm.n if arm.n else 0.0


def _mean_sd(arm: Mean) -> tuple[float, float]:
    """Posterior mean and standard deviation of a mean metric's version (normal approximation)."""
    if arm.n < 2:
        # One observation says nothing about spread: a posterior as wide as a unit variance.
        return observed(arm), 1.0
    mean = arm.total / arm.n
    var = max((arm.total_sq - arm.total * mean) / (arm.n - 1), 0.0)
    # A zero variance (all values equal) would make a point mass; keep it integrable.
    sd = float(np.sqrt(var / arm.n)) if var > 0 else 1e-9
    return mean, sd


def _frozen(arm: Arm) -> sps.rv_continuous:
    if isinstance(arm, Proportion):
        if not 0 <= arm.x <= arm.n:
            raise ValueError("a proportion needs 0 <= x <= n")
        return sps.beta(1 + arm.x, 1 + arm.n - arm.x)
    mean, sd = _mean_sd(arm)
    return sps.norm(mean, sd)


def _grid(dists: Sequence[sps.rv_continuous]) -> np.ndarray:
    lo = min(float(d.ppf(TAIL)) for d in dists)
    hi = max(float(d.ppf(1 - TAIL)) for d in dists)
    if not hi > lo:
        hi = lo + 1e-9
    return np.linspace(lo, hi, GRID_POINTS)


def compare(arms: Sequence[Arm], *, lower_is_better: bool = False) -> list[ArmResult]:
    """Probability to be best, expected loss and the credible interval of every version."""
    if not arms:
        return []
    dists = [_frozen(a) for a in arms]
    if len(arms) == 1:
        lo, hi = dists[0].interval(CREDIBLE_MASS)
        return [ArmResult(observed(arms[0]), 1.0, 0.0, float(lo), float(hi))]
    t = _grid(dists)
    pdf = np.array([d.pdf(t) for d in dists])
    # Each CDF on the grid is its exact value at the grid's start plus the running integral of the
    # density already computed: a Beta CDF at every point (the incomplete beta function, 20,001
    # times per version) costs several times the whole rest of the comparison, and the grid that
    # integrates the densities resolves their integral just as well. Clipped to [0, 1] against
    # rounding. For "lower is better", version i is best where every other version is above t.
    steps = (pdf[:, 1:] + pdf[:, :-1]) * (np.diff(t) / 2)
    start = np.array([[float(d.cdf(t[0]))] for d in dists])
    cdf = np.clip(np.hstack([start, start + np.cumsum(steps, axis=1)]), 0.0, 1.0)
    if lower_is_better:
        cdf = 1.0 - cdf
    # Π_{j≠i} F_j by leave-one-out products (no division: a zero CDF must not become 0/0).
    k = len(arms)
    others = np.ones_like(pdf)
    for i in range(k):
        for j in range(k):
            if j != i:
                others[i] *= cdf[j]
    density_best = pdf * others  # row i: density that version i is best with value t
    p_best = np.trapezoid(density_best, t, axis=1)
    p_best = p_best / p_best.sum() if p_best.sum() > 0 else np.full(k, 1.0 / k)
    extreme = float(np.trapezoid(t * density_best.sum(axis=0), t))  # E[max] (or E[min])
    means = np.array([float(d.mean()) for d in dists])
    losses = (means - extreme) if lower_is_better else (extreme - means)
    out: list[ArmResult] = []
    for i, arm in enumerate(arms):
        lo, hi = dists[i].interval(CREDIBLE_MASS)
        out.append(ArmResult(observed(arm), float(p_best[i]), max(float(losses[i]), 0.0), float(lo), float(hi)))
    return out


def uplift(value: float, baseline: float) -> float | None:
    """Relative change against the baseline; None when the baseline is zero (undefined)."""
    if baseline == 0:
        return 0.0 if value == 0 else None
    return (value - baseline) / baseline


def format_uplift(value: float, baseline: float, *, is_baseline: bool) -> str:
    """``"Baseline"`` for the baseline, else a signed percentage such as ``"+50.00%"``; ``"-"`` if undefined."""
    if is_baseline:
        return "Baseline"
    u = uplift(value, baseline)
    if u is None:
        return "-"
    return f"{u * 100:+.2f}%"


def srm(observed_counts: Sequence[int], weights: Sequence[float], *, threshold: float = SRM_THRESHOLD) -> SrmResult:
    """Chi-square goodness of fit of the observed users per version against the traffic weights."""
    obs = np.asarray(observed_counts, dtype=float)
    w = np.asarray(weights, dtype=float)
    total = obs.sum()
    if len(obs) < 2 or total == 0 or w.sum() <= 0 or np.any(w <= 0):
        return SrmResult(0.0, 1.0, False)
    expected = total * w / w.sum()
    chi2 = float(((obs - expected) ** 2 / expected).sum())
    p = float(sps.chi2.sf(chi2, len(obs) - 1))
    return SrmResult(chi2, p, p < threshold)
