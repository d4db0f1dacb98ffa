"""Analysis: period arithmetic, forecasts (models, backtest, worker) and target progress."""
