#!/usr/bin/python3
"""GEFCom2012 wind files -> the seed-job CSV contract. Format conversion only: no feature, no model.

usage: convert.py <gefcom2012_wind folder> <out folder>

Writes, per farm N (1..7):
  wfN.csv        NWP runs: time (valid), issue_time, u, v, ws, wd; the rows the organisers blanked
                 (inside the test windows, for the runs issued after each window's start) are left out
  power_wfN.csv  time, power_mw: train.csv's normalised power (capacity 1), test hours absent
  truth_wfN.csv  time, power_mw: test.csv's values, for scoring only
and windows.txt: each test window's issue time t0 (the last known hour before it), one per line.
"""
import csv
import datetime as dt
import os
import sys


def when(stamp):
    return dt.datetime.strptime(stamp, "%Y%m%d%H").replace(tzinfo=dt.timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main(data, out):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(data, "train.csv")) as f:
        train = list(csv.DictReader(f))
    with open(os.path.join(data, "test.csv")) as f:
        test = list(csv.DictReader(f))
    test_hours = {when(r["date"]) for r in test}
    for farm in range(1, 8):
        key = f"wp{farm}"
        with open(os.path.join(out, f"power_wf{farm}.csv"), "w") as f:
            f.write("time,power_mw\n")
            for r in train:
                t = when(r["date"])
                if t in test_hours:
                    raise SystemExit(f"train.csv hour {r['date']} is also a test hour")
                if r[key] != "":
                    f.write(f"{iso(t)},{r[key]}\n")
        with open(os.path.join(out, f"truth_wf{farm}.csv"), "w") as f:
            f.write("time,power_mw\n")
            for r in sorted(test, key=lambda r: r["date"]):
                f.write(f"{iso(when(r['date']))},{r[key]}\n")
        with open(os.path.join(data, f"windforecasts_wf{farm}.csv")) as f:
            rows = list(csv.DictReader(f))
        with open(os.path.join(out, f"wf{farm}.csv"), "w") as f:
            f.write("time,issue_time,u,v,ws,wd\n")
            for r in rows:
                if r["ws"] in ("", "NA"):
                    continue
                issue = when(r["date"])
                valid = issue + dt.timedelta(hours=int(r["hors"]))
                f.write(f"{iso(valid)},{iso(issue)},{r['u']},{r['v']},{r['ws']},{r['wd']}\n")
    # Windows: runs of consecutive test hours; t0 is the hour before each.
    hours = sorted(test_hours)
    starts = [h for i, h in enumerate(hours) if i == 0 or hours[i - 1] != h - dt.timedelta(hours=1)]
    with open(os.path.join(out, "windows.txt"), "w") as f:
        for s in starts:
            f.write(iso(s - dt.timedelta(hours=1)) + "\n")
    print(f"converted: 7 farms, {len(train)} train hours, {len(hours)} test hours in {len(starts)} windows -> {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
