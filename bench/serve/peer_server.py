#!/usr/bin/python3
"""The peer for bench/serve: a Python Tornado server answering the same Open Inference Protocol v2
infer request with XGBoost quantile models, the kind of model server seed-job serve replaces.

  peer_server.py train --nwp NWP.csv --measurements M.csv --speed-column C --direction-column C --out DIR
      fits three XGBoost models (p10, p50, p90; 200 trees, depth 6) on the same rows as `seed-job train`
      with the same 13 wind features, computed here following kernels/features.cc, and writes DIR/p*.json
      and DIR/body.json (one single-row infer request).
  peer_server.py serve --models DIR --port P
"""
import argparse
import json
import math
import sys

import numpy as np
import pandas as pd

FEATURES = ["ws", "ws2", "ws3", "ws_prev", "ws_next", "hour_sin", "hour_cos", "doy_sin", "doy_cos",
            "wd_sin", "wd_cos", "u", "v"]
QUANTILES = [0.1, 0.5, 0.9]


def features(nwp, speed, direction):
    ws = nwp[speed].to_numpy(float)
    wd = np.radians(nwp[direction].to_numpy(float))
    local = pd.Series([pd.Timestamp(t) for t in nwp["time"]])
    hour = np.array([t.hour + t.minute / 60 for t in local])
    doy = np.array([t.dayofyear for t in local], float)
    step = 4  # one hour at 15 minutes
    prev = np.concatenate([np.full(step, np.nan), ws[:-step]])
    nxt = np.concatenate([ws[step:], np.full(step, np.nan)])
    return np.column_stack([ws, ws ** 2, ws ** 3, prev, nxt, np.sin(2 * math.pi * hour / 24),
                            np.cos(2 * math.pi * hour / 24), np.sin(2 * math.pi * doy / 365.25),
                            np.cos(2 * math.pi * doy / 365.25), np.sin(wd), np.cos(wd),
                            -ws * np.sin(wd), -ws * np.cos(wd)])


def quantile_objective(tau):
    def objective(predt, dtrain):
        residual = dtrain.get_label() - predt
        grad = np.where(residual > 0, -tau, 1 - tau)
        return grad, np.ones_like(predt)
    return objective


def train(args):
    import xgboost
    nwp = pd.read_csv(args.nwp)
    measured = pd.read_csv(args.measurements)[["time", "power_mw"]]
    frame = nwp.merge(measured, on="time", how="inner").dropna(subset=["power_mw"])
    x = features(frame, args.speed_column, args.direction_column)
    y = frame["power_mw"].to_numpy(float)
    data = xgboost.DMatrix(x, label=y, feature_names=FEATURES)
    params = {"tree_method": "hist", "max_depth": 6, "eta": 0.05, "subsample": 0.8, "colsample_bytree": 0.8,
              "max_bin": 255, "nthread": 2, "base_score": float(np.median(y))}
    for tau in QUANTILES:
        booster = xgboost.train(params, data, num_boost_round=200, obj=quantile_objective(tau))
        booster.save_model(f"{args.out}/p{int(round(tau * 100))}.json")
    row = x[len(x) // 2]
    body = {"inputs": [{"name": "features", "shape": [1, len(FEATURES)], "datatype": "FP64",
                        "data": [round(float(v), 6) for v in row]}]}
    with open(f"{args.out}/body.json", "w") as out:
        json.dump(body, out)
    print(f"xgboost {xgboost.__version__}: 3 quantile models on {len(y)} rows, {len(FEATURES)} features -> {args.out}")


def serve(args):
    import tornado.ioloop
    import tornado.web
    import xgboost
    boosters = []
    for tau in QUANTILES:
        booster = xgboost.Booster()
        booster.load_model(f"{args.models}/p{int(round(tau * 100))}.json")
        booster.set_param({"nthread": 1})
        boosters.append(booster)
    names = [f"p{int(round(tau * 100))}" for tau in QUANTILES]

    class Infer(tornado.web.RequestHandler):
        def post(self, model):
            try:
                request = json.loads(self.request.body)
                tensor = request["inputs"][0]
                x = np.asarray(tensor["data"], dtype=np.float64).reshape(tensor["shape"])
            except (ValueError, KeyError, IndexError, TypeError) as error:
                self.set_status(400)
                self.finish({"error": str(error)})
                return
            values = [b.inplace_predict(x, validate_features=False) for b in boosters]
            rows = x.shape[0]
            outputs = [{"name": n, "datatype": "FP64", "shape": [rows], "data": v.tolist()} for n, v in zip(names, values)]
            outputs.append({"name": "forecast_mw", "datatype": "FP64", "shape": [rows], "data": values[1].tolist()})
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"model_name": model, "outputs": outputs}))

    class Ready(tornado.web.RequestHandler):
        def get(self):
            self.finish({"ready": True})

    app = tornado.web.Application([(r"/v2/models/([^/]+)/infer", Infer), (r"/v2/health/ready", Ready)])
    app.listen(args.port, address="127.0.0.1")
    tornado.ioloop.IOLoop.current().start()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    t = commands.add_parser("train")
    t.add_argument("--nwp", required=True)
    t.add_argument("--measurements", required=True)
    t.add_argument("--speed-column", default="ws")
    t.add_argument("--direction-column", default="wd")
    t.add_argument("--out", required=True)
    s = commands.add_parser("serve")
    s.add_argument("--models", required=True)
    s.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    train(args) if args.command == "train" else serve(args)


if __name__ == "__main__":
    sys.exit(main())
