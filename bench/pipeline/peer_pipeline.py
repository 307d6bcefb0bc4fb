#!/usr/bin/python3
"""The legacy way: the same farm-year steps as `seed-job qc / train / forecast / evaluate`, in
pandas + scikit-learn (Debian packages), for a side-by-side timing in bench/pipeline/run.sh.

Usage: peer_pipeline.py MEASUREMENTS NWP CAPACITY_MW SPLIT_TIME TREES THREADS
Prints one JSON line: seconds per step and the accuracy it reached.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor


def main():
    measurements, nwp_path, capacity, split, trees, threads = sys.argv[1:7]
    capacity, trees = float(capacity), int(trees)
    timings = {}

    t0 = time.perf_counter()
    m = pd.read_csv(measurements)
    m["time"] = pd.to_datetime(m["time"], utc=True)
    m = m.set_index("time").resample("15min").mean()
    m["qc_flag"] = 0
    # short gaps (<= 1 h) interpolated, longer ones stay missing
    gap = m["power_mw"].isna()
    m["power_mw"] = m["power_mw"].interpolate(limit=4, limit_area="inside")
    m.loc[gap & m["power_mw"].notna(), "qc_flag"] |= 1
    m.loc[m["power_mw"].isna(), "qc_flag"] |= 2
    # out of range
    bad = (m["power_mw"] < -0.02 * capacity) | (m["power_mw"] > 1.1 * capacity)
    m.loc[bad, "qc_flag"] |= 8
    m.loc[bad, "power_mw"] = np.nan
    # stuck: the same value for 2 h while not at 0 or capacity
    same = m["power_mw"].diff().fillna(1).eq(0)
    run = same.groupby((~same).cumsum()).cumsum()
    stuck = (run >= 8) & (m["power_mw"] > 0.01 * capacity) & (m["power_mw"] < 0.99 * capacity)
    m.loc[stuck, "qc_flag"] |= 4
    m.loc[stuck, "power_mw"] = np.nan
    timings["qc"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    n = pd.read_csv(nwp_path)
    n["time"] = pd.to_datetime(n["time"], utc=True)
    n = n.set_index("time")
    ws = n["ws"]
    local = n.index.tz_convert("Asia/Shanghai")
    hours = local.hour + local.minute / 60.0
    doy = local.dayofyear
    feats = pd.DataFrame(
        {
            "ws": ws,
            "ws2": ws**2,
            "ws3": ws**3,
            "ws_prev": ws.shift(4),
            "ws_next": ws.shift(-4),
            "hour_sin": np.sin(2 * np.pi * hours / 24),
            "hour_cos": np.cos(2 * np.pi * hours / 24),
            "doy_sin": np.sin(2 * np.pi * doy / 365.2425),
            "doy_cos": np.cos(2 * np.pi * doy / 365.2425),
        },
        index=n.index,
    )
    if "wd" in n:
        rad = np.deg2rad(n["wd"])
        feats["wd_sin"], feats["wd_cos"] = np.sin(rad), np.cos(rad)
        feats["u"], feats["v"] = -ws * np.sin(rad), -ws * np.cos(rad)
    if "ws_sd" in n:
        feats["ws_sd"] = n["ws_sd"]
    data = feats.join(m[["power_mw", "qc_flag"]], how="left")
    split_time = pd.Timestamp(split).tz_convert("UTC")
    train = data[(data.index < split_time) & data["power_mw"].notna() & (data["qc_flag"] & 30).eq(0)]
    x_cols = list(feats.columns)
    models = {}
    for q in (0.1, 0.5, 0.9):
        model = HistGradientBoostingRegressor(
            loss="quantile", quantile=q, max_iter=trees, learning_rate=0.05, max_depth=6,
            max_leaf_nodes=63, max_bins=255, early_stopping=False)
        models[q] = model.fit(train[x_cols], train["power_mw"])
    timings["train"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    test = data[data.index >= split_time]
    preds = {q: np.clip(models[q].predict(test[x_cols]), 0, capacity) for q in models}
    stacked = np.sort(np.vstack([preds[0.1], preds[0.5], preds[0.9]]), axis=0)
    fc = pd.DataFrame({"forecast_mw": stacked[1], "p10": stacked[0], "p90": stacked[2]}, index=test.index)
    fc.to_csv("/dev/null")
    timings["forecast"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    ev = fc.join(m[["power_mw", "qc_flag"]])
    ev = ev[ev["power_mw"].notna() & (ev["qc_flag"] & 18).eq(0)]
    e = (ev["power_mw"] - ev["forecast_mw"]) / capacity
    day = ev.index.tz_convert("Asia/Shanghai").date
    daily = pd.DataFrame({"e2": e**2, "ok": (1 - e.abs()) >= 0.75}).groupby(day).mean()
    accuracy = float((1 - np.sqrt(daily["e2"])).mean())
    qualification = float(daily["ok"].mean())
    timings["evaluate"] = time.perf_counter() - t0

    timings["total"] = sum(timings.values())
    print(json.dumps({"seconds": timings, "accuracy": accuracy, "qualification": qualification}))


if __name__ == "__main__":
    main()
