#!/usr/bin/python3
"""Peers of the seed GBDT on the GEFCom2012 wind benchmark: XGBoost hist and scikit-learn
HistGradientBoostingRegressor, trained on the very feature matrices bench_gefcom exported, then one
side-by-side table with seed's own figures (seed_results.json in the same folder).

usage: OMP_NUM_THREADS=2 /usr/bin/python3 peers.py EXPORT_DIR [--threads 2] [--models xgb,hgb]
"""
import argparse
import json
import os
import time

import numpy as np


def load(folder, farm, cols):
    base = os.path.join(folder, f"wp{farm}")
    x = np.fromfile(base + "_train_x.f64").reshape(-1, cols)
    y = np.fromfile(base + "_train_y.f64")
    tx = np.fromfile(base + "_test_x.f64").reshape(-1, cols)
    ty = np.fromfile(base + "_test_y.f64")
    th = np.fromfile(base + "_test_h.f64").astype(int)
    return x, y, tx, ty, th


def make(name, threads, trees):
    if name == "xgb":
        import xgboost
        return xgboost.XGBRegressor(n_estimators=trees, max_depth=6, learning_rate=0.05, subsample=0.8,
                                    colsample_bytree=0.8, min_child_weight=5, tree_method="hist", max_bin=255,
                                    n_jobs=threads, random_state=0)
    from sklearn.ensemble import HistGradientBoostingRegressor
    return HistGradientBoostingRegressor(max_iter=trees, learning_rate=0.05, max_depth=6, max_leaf_nodes=63,
                                         min_samples_leaf=20, early_stopping=False, random_state=0)


def run(name, folder, meta, threads, trees):
    cols = len(meta["names"])
    sq = []
    farms = []
    blocks = [[] for _ in range(4)]
    fit_s = fit_cpu_s = predict_s = 0.0
    rows = 0
    for farm in meta["farms"]:
        x, y, tx, ty, th = load(folder, farm, cols)
        model = make(name, threads, trees)
        t, c = time.perf_counter(), time.process_time()
        model.fit(x, y)
        fit = time.perf_counter() - t
        fit_s += fit
        fit_cpu_s += time.process_time() - c
        t = time.perf_counter()
        pred = model.predict(tx)
        predict_s += time.perf_counter() - t
        rows += len(tx)
        e = np.clip(pred, 0, 1) - ty
        sq.append(e * e)
        farms.append({"farm": farm, "rmse": float(np.sqrt(np.mean(e * e))), "fit_s": fit})
        for b in range(4):
            blocks[b].append(e[(th - 1) // 12 == b] ** 2)
        print(f"{name} wp{farm}: RMSE {farms[-1]['rmse']:.4f}  fit {fit:.2f} s", flush=True)
    return {"model": name, "rmse": float(np.sqrt(np.mean(np.concatenate(sq)))),
            "rmse_blocks": [float(np.sqrt(np.mean(np.concatenate(b)))) for b in blocks],
            "fit_s": fit_s, "fit_cpu_s": fit_cpu_s, "predict_us_per_row": predict_s * 1e6 / rows, "farms": farms}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--models", default="xgb,hgb")
    args = parser.parse_args()
    with open(os.path.join(args.folder, "meta.json")) as f:
        meta = json.load(f)
    results = []
    trees = 1000
    seed_path = os.path.join(args.folder, "seed_results.json")
    if os.path.exists(seed_path):
        with open(seed_path) as f:
            results.append(json.load(f))
        trees = results[0]["trees"]  # the same number of trees as seed
    for name in args.models.split(","):
        results.append(run(name, args.folder, meta, args.threads, trees))
    with open(os.path.join(args.folder, "peers_results.json"), "w") as f:
        json.dump(results, f, indent=1)

    labels = {"seed": "seed GBDT", "xgb": "XGBoost hist 1.7.4", "hgb": "sklearn HGB 1.2.1"}
    print(f"\nGEFCom2012 wind, features {meta['features']} ({len(meta['names'])}), "
          f"RMSE on test.csv (clipped to [0,1]), {trees} trees, {args.threads} threads")
    farm_names = " | ".join(f"wp{f}" for f in meta["farms"])
    print(f"| model | RMSE | {farm_names} | h1-12 / 13-24 / 25-36 / 37-48 | fit s (wall) | fit s (CPU) | predict us/row |")
    print("|---|---|" + "---|" * len(meta["farms"]) + "---|---|---|---|")
    for r in results:
        farms = " | ".join(f"{f['rmse']:.4f}" for f in r["farms"])  # the farms exported, in order
        blocks = " / ".join(f"{b:.4f}" for b in r["rmse_blocks"])
        print(f"| {labels[r['model']]} | {r['rmse']:.4f} | {farms} | {blocks} | {r['fit_s']:.1f} | "
              f"{r['fit_cpu_s']:.1f} | {r['predict_us_per_row']:.2f} |")
    base = {r["model"]: r for r in results}
    if "seed" in base and "xgb" in base:
        s, x = base["seed"], base["xgb"]
        print(f"seed / XGBoost: fit wall {s['fit_s'] / x['fit_s']:.2f}x, fit CPU {s['fit_cpu_s'] / x['fit_cpu_s']:.2f}x, "
              f"predict time per row {s['predict_us_per_row'] / x['predict_us_per_row']:.2f}x")
    if "coverage_p10_p90" in base.get("seed", {}):
        s = base["seed"]
        calibration = s.get("calibration", "the recent 20 % of training windows")
        print(f"seed P10-P90 coverage on test.csv: {100 * s['coverage_p10_p90']:.2f} % conformally calibrated on "
              f"{calibration} (crossed and sorted in {s['crossed_rows']} of {s['interval_rows']} rows); "
              f"{100 * s['coverage_p10_p90_raw']:.2f} % uncalibrated (crossed in {s['crossed_rows_raw']})")

if __name__ == "__main__":
    main()
