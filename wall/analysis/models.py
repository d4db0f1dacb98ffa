"""Forecast models behind one interface: fit on a regular series, predict mean and spread.

Each model works on the transformed scale (log for positive levels) and returns Gaussian means
and standard deviations per horizon; the caller turns them into intervals and back-transforms.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Protocol

import numpy as np

__all__ = ["MODELS", "Model", "Naive", "Prediction", "SeasonalGrowth", "SeasonalNaive",
           "candidates"]


@dataclass(frozen=True)
class Prediction:
    """Mean and standard deviation per horizon 1..h, on the transformed scale."""

    mean: np.ndarray
    sd: np.ndarray


class Model(Protocol):
    """A forecasting method: a name and a fit-and-predict step."""

    name: str

    def predict(self, y: np.ndarray, h: int, m: int) -> Prediction:
        """Fit on `y` (season length `m`) and predict `h` periods ahead."""


def _sd(residuals: np.ndarray) -> float:
    r = residuals[np.isfinite(residuals)]
    return float(np.sqrt(np.mean(r ** 2))) if r.size else 0.0


class Naive:
    """Random walk: the last value carries forward; spread grows with the square root of h."""

    name = "naive"

    def predict(self, y: np.ndarray, h: int, m: int) -> Prediction:
        """Last value, with the one-step residual spread times sqrt(h)."""
        sigma = _sd(np.diff(y))
        steps = np.arange(1, h + 1)
        return Prediction(np.full(h, y[-1]), sigma * np.sqrt(steps))


class SeasonalNaive:
    """The same period of the last season; spread grows with each whole season ahead."""

    name = "snaive"

    def predict(self, y: np.ndarray, h: int, m: int) -> Prediction:
        """Value of the same season one year earlier."""
        if m <= 1 or y.size < m + 1:
            return Naive().predict(y, h, m)
        sigma = _sd(y[m:] - y[:-m])
        steps = np.arange(h)
        mean = np.array([y[y.size - m + (k % m)] for k in steps])
        return Prediction(mean, sigma * np.sqrt(steps // m + 1))


class SeasonalGrowth:
    """Last year's same period grown at the latest year-on-year rate (on the log scale): the
    way a quarter of GDP is read, "as a year ago, plus this year's growth"."""

    name = "sgrowth"

    def predict(self, y: np.ndarray, h: int, m: int) -> Prediction:
        """Same season a year earlier plus the latest seasonal difference, chained past a year."""
        if m <= 1 or y.size < 2 * m + 2:
            return Naive().predict(y, h, m)
        growth = y[-1] - y[-1 - m]
        d = y[m:] - y[:-m]
        sigma = _sd(np.diff(d))
        mean = np.empty(h)
        for k in range(h):
            mean[k] = (y[y.size - m + k] if k < m else mean[k - m]) + growth
        return Prediction(mean, sigma * np.sqrt(np.arange(1, h + 1)))


class ETS:
    """Exponential smoothing with additive errors, damped trend and (if seasonal) seasons."""

    name = "ets"

    def predict(self, y: np.ndarray, h: int, m: int) -> Prediction:
        """Fit statsmodels' ETSModel by maximum likelihood and take its analytic intervals."""
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        seasonal = m > 1 and y.size >= 2 * m + 4
        import pandas as pd

        model = ETSModel(pd.Series(y), error="add", trend="add", damped_trend=True,
                         seasonal="add" if seasonal else None,
                         seasonal_periods=m if seasonal else None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = model.fit(disp=False, maxiter=200)
            frame = fit.get_prediction(start=y.size, end=y.size + h - 1).summary_frame(
                alpha=0.05)
        mean = frame["mean"].to_numpy()
        sd = (frame["pi_upper"].to_numpy() - frame["pi_lower"].to_numpy()) / (2 * 1.959964)
        return Prediction(mean, sd)


class SARIMA:
    """Seasonal ARIMA: the airline model for seasons, ARIMA(1,1,1) without them."""

    name = "sarima"

    def predict(self, y: np.ndarray, h: int, m: int) -> Prediction:
        """Fit statsmodels' SARIMAX and take its forecast variance."""
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        seasonal = m > 1 and y.size >= 2 * m + 4
        model = SARIMAX(y, order=(0, 1, 1) if seasonal else (1, 1, 1),
                        seasonal_order=(0, 1, 1, m) if seasonal else (0, 0, 0, 0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = model.fit(disp=False, maxiter=100)
            fc = fit.get_forecast(h)
        return Prediction(np.asarray(fc.predicted_mean),
                          np.sqrt(np.maximum(np.asarray(fc.var_pred_mean), 0.0)))


MODELS: dict[str, Model] = {m.name: m for m in (Naive(), SeasonalNaive(), SeasonalGrowth(),
                                                  ETS(), SARIMA())}


def candidates(benchmark: str) -> list[str]:
    """The models tried for a series: its benchmark naive method, ETS and SARIMA (and, for
    seasonal series, last year's season grown at the latest yearly rate)."""
    return [benchmark, "ets", "sarima", *(["sgrowth"] if benchmark == "snaive" else [])]


def z_of(level: float) -> float:
    """Two-sided Gaussian quantile for a coverage level (0.8 → 1.2816)."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2) if 0 < level < 1 else math.inf
