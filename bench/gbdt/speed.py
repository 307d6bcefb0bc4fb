#!/usr/bin/python3
"""XGBoost hist on the matrix bench_gbdt exported, at the same settings, and the seed / XGBoost
ratios. usage: /usr/bin/python3 speed.py EXPORT_DIR"""
import json
import os
import sys
import time

import numpy as np
import xgboost


def main():
    folder = sys.argv[1]
    with open(os.path.join(folder, "seed_results.json")) as f:
        s = json.load(f)
    rows, cols, threads = s["rows"], s["cols"], s["threads"]
    x = np.fromfile(os.path.join(folder, "train_x.f64")).reshape(rows, cols)
    y = np.fromfile(os.path.join(folder, "train_y.f64"))
    tx = np.fromfile(os.path.join(folder, "test_x.f64")).reshape(rows, cols)
    ty = np.fromfile(os.path.join(folder, "test_y.f64"))
    best = {"fit_s": 1e300, "fit_cpu_s": 1e300, "predict_us_per_row": 1e300, "predict_us_per_row_1_thread": 1e300}
    for _ in range(s["repeats"]):
        model = xgboost.XGBRegressor(n_estimators=s["trees"], max_depth=s["depth"], learning_rate=0.05, subsample=0.8,
                                     colsample_bytree=0.8, min_child_weight=5, tree_method="hist", max_bin=255,
                                     n_jobs=threads, random_state=0)
        t, c = time.perf_counter(), time.process_time()
        model.fit(x, y)
        best["fit_s"] = min(best["fit_s"], time.perf_counter() - t)
        best["fit_cpu_s"] = min(best["fit_cpu_s"], time.process_time() - c)
        t = time.perf_counter()
        pred = model.predict(tx)
        best["predict_us_per_row"] = min(best["predict_us_per_row"], (time.perf_counter() - t) * 1e6 / rows)
        model.set_params(n_jobs=1)
        c = time.process_time()
        model.predict(tx)
        best["predict_us_per_row_1_thread"] = min(best["predict_us_per_row_1_thread"],
                                                  (time.process_time() - c) * 1e6 / rows)
        rmse = float(np.sqrt(np.mean((pred - ty) ** 2)))
    print(f"| model | fit s (wall) | fit s (CPU) | predict us/row ({threads} threads, wall) "
          f"| predict us/row (1 thread, CPU) | holdout RMSE |")
    print("|---|---|---|---|---|---|")
    print(f"| seed | {s['fit_s']:.2f} | {s['fit_cpu_s']:.2f} | {s['predict_us_per_row']:.2f} | "
          f"{s['predict_us_per_row_1_thread']:.2f} | {s['rmse']:.4f} |")
    print(f"| XGBoost hist {xgboost.__version__} | {best['fit_s']:.2f} | {best['fit_cpu_s']:.2f} | "
          f"{best['predict_us_per_row']:.2f} | {best['predict_us_per_row_1_thread']:.2f} | {rmse:.4f} |")
    print(f"| seed / XGBoost | {s['fit_s'] / best['fit_s']:.2f}x | {s['fit_cpu_s'] / best['fit_cpu_s']:.2f}x | "
          f"{s['predict_us_per_row'] / best['predict_us_per_row']:.2f}x | "
          f"{s['predict_us_per_row_1_thread'] / best['predict_us_per_row_1_thread']:.2f}x | |")


if __name__ == "__main__":
    main()
