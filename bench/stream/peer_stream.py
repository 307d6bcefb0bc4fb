#!/usr/bin/python3
"""The peer of bench/stream: a Python MQTT model runner of the kind `seed-job stream` replaces
(pyboot's shape: paho-mqtt's network loop hands each message to a callback that parses the JSON,
predicts with XGBoost and publishes the result). One process; XGBoost with one thread per predict.

  peer_stream.py --models DIR --port P --input-topic IN --output-topic OUT [--qos 1]

DIR holds p10.json, p50.json, p90.json from bench/serve/peer_server.py train. A message is the Open
Inference Protocol body seed-job stream also takes ({"id", "inputs": [{"name", "shape": [N, F],
"datatype", "data"}]}); the result carries the id and the p10/p50/p90/forecast_mw outputs.
"""
import argparse
import json
import sys

import numpy as np
import paho.mqtt.client as mqtt
import xgboost

QUANTILES = ["p10", "p50", "p90"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--input-topic", required=True)
    parser.add_argument("--output-topic", required=True)
    parser.add_argument("--qos", type=int, default=1)
    args = parser.parse_args()
    boosters = []
    for name in QUANTILES:
        booster = xgboost.Booster()
        booster.load_model(f"{args.models}/{name}.json")
        booster.set_param({"nthread": 1})
        boosters.append(booster)

    def on_connect(client, userdata, flags, rc):
        client.subscribe(args.input_topic, qos=args.qos)

    def on_subscribe(client, userdata, mid, granted_qos):
        print("peer_stream: ready", flush=True)

    def on_message(client, userdata, message):
        try:
            request = json.loads(message.payload)
            tensor = request["inputs"][0]
            x = np.asarray(tensor["data"], dtype=np.float64).reshape(tensor["shape"])
        except (ValueError, KeyError, IndexError, TypeError) as error:
            client.publish(args.output_topic + "/errors", json.dumps({"error": str(error)}), qos=args.qos)
            return
        values = [b.inplace_predict(x, validate_features=False) for b in boosters]
        rows = x.shape[0]
        outputs = [{"name": n, "datatype": "FP64", "shape": [rows], "data": v.tolist()} for n, v in zip(QUANTILES, values)]
        outputs.append({"name": "forecast_mw", "datatype": "FP64", "shape": [rows], "data": values[1].tolist()})
        result = {"id": request.get("id"), "topic": message.topic, "model_name": "peer", "outputs": outputs}
        client.publish(args.output_topic, json.dumps(result), qos=args.qos)

    client = mqtt.Client(client_id="peer-stream", clean_session=True)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.connect("127.0.0.1", args.port, 60)
    client.loop_forever()


if __name__ == "__main__":
    sys.exit(main())
