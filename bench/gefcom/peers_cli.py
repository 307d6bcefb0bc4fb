#!/usr/bin/python3
"""The peers of the CLI benchmark, on the very feature rows seed-job trained and forecast on.

usage: peers_cli.py <work folder of run.sh> [--threads 2]

For each farm: reads train_wfN.csv (time, power_mw, features: `train --export-features`) and
features_wfN.csv (the test hours' features: `forecast --export-features`), fits
  - XGBoost hist, L2 (the GEFCom2012 peers' settings: 1000 trees, depth 6, eta 0.05, subsample 0.8,
    colsample 0.8, min_child_weight 5), scored by RMSE;
  - scikit-learn HistGradientBoostingRegressor(loss="quantile") at seed's anchor levels (the same
    15 levels its artifact lists), 1000 iterations, lr 0.05, depth 6, 63 leaves, min 20 rows a
    leaf, early stopping on 10 % of the rows (50 rounds), the other levels interpolated linearly
    between sorted anchors exactly as seed does, scored by the pinball loss over the 99 levels;
  - the same quantile HGB with the library's default settings, the same way;
and writes peers_wfN.csv (time, xgb, hgb_p1..hgb_p99, hgbdef_p1..hgbdef_p99) for score.py.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.ensemble import HistGradientBoostingRegressor


def seed_anchors(model):
    """The anchor levels of seed's quantile trees: the artifact's own, or its gbdt ensemble member's."""
    parameters = model["parameters"]
    if "anchors" in parameters:
        return parameters["anchors"]
    for member in parameters.get("members", []):
        if "anchors" in member["parameters"]:
            return member["parameters"]["anchors"]
    sys.exit("the seed model has no quantile trees whose anchor levels the peer could share")


def main(work, threads):
    levels = np.round(np.arange(1, 100) / 100, 2)
    for farm in FARMS:
        train = pd.read_csv(f"{work}/train_wf{farm}.csv")
        test = pd.read_csv(f"{work}/features_wf{farm}.csv")
        features = [c for c in train.columns if c not in ("time", "power_mw")]
        x, y, xt = train[features].to_numpy(float), train["power_mw"].to_numpy(float), test[features].to_numpy(float)
        anchors = seed_anchors(json.load(open(f"{work}/model_wf{farm}.json")))
        t0 = time.time()
        model = xgb.XGBRegressor(tree_method="hist", n_estimators=1000, max_depth=6, learning_rate=0.05,
                                 subsample=0.8, colsample_bytree=0.8, min_child_weight=5, max_bin=255,
                                 n_jobs=threads, random_state=0)
        model.fit(x, y)
        out = pd.DataFrame({"time": test["time"], "xgb": model.predict(xt)})
        t1 = time.time()
        columns = interpolated("hgb", [fit_hgb(TUNED, levels[a], x, y, xt) for a in anchors], levels[anchors], levels)
        t2 = time.time()
        columns |= interpolated("hgbdef", [fit_hgb({}, levels[a], x, y, xt) for a in anchors], levels[anchors], levels)
        out = pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)
        out.to_csv(f"{work}/peers_wf{farm}.csv", index=False)
        print(f"peers wf{farm}: {len(y)} rows, {len(features)} features; xgboost {t1 - t0:.1f} s, "
              f"hgb {len(anchors)} quantiles {t2 - t1:.1f} s (library defaults {time.time() - t2:.1f} s)", flush=True)


# The quantile HGB as tuned for this data (the GEFCom2012 peers' tree settings); {} is the library's
# defaults (100 iterations, lr 0.1, 31 leaves, early stopping on 10 % of the rows after 10 rounds): the
# script a forecaster writes first.
TUNED = dict(max_iter=1000, learning_rate=0.05, max_depth=6, max_leaf_nodes=63, min_samples_leaf=20,
             early_stopping=True, validation_fraction=0.1, n_iter_no_change=50)


def fit_hgb(settings, tau, x, y, xt):
    hgb = HistGradientBoostingRegressor(loss="quantile", quantile=float(tau), random_state=0, **settings)
    return hgb.fit(x, y).predict(xt)


def interpolated(prefix, anchor_values, taus, levels):
    """Every level from the anchors' values, rearranged and interpolated linearly as seed does."""
    anchor_values = np.sort(np.clip(np.array(anchor_values), 0, 1), axis=0)
    columns = {}
    for i, tau in enumerate(levels):
        k = min(np.searchsorted(taus, tau, side="right") - 1, len(taus) - 2)
        w = (tau - taus[k]) / (taus[k + 1] - taus[k])
        columns[f"{prefix}_p{i + 1}"] = anchor_values[k] + w * (anchor_values[k + 1] - anchor_values[k])
    return columns


FARMS = [int(f) for f in sys.argv[sys.argv.index("--farms") + 1].split()] if "--farms" in sys.argv else range(1, 8)

if __name__ == "__main__":
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    main(sys.argv[1], threads)
