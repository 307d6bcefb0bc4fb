#!/usr/bin/env python3
"""Convert one State Grid PV station file into seed's CSV contract (format conversion only).

usage: convert.py <Solar_station_site_N_...csv> <out dir> <fit start> <score start> <score end>

Dates are local days (YYYY-MM-DD, end exclusive). Writes to <out dir>:
  weather.csv      time, ghi, dni, poa, t2m (when the station logs it), pressure_hpa: the measured
                   weather of every row, used as a perfect day-ahead forecast (the data has no NWP)
  power_fit.csv    time, power_mw for [fit start, score start)
  power_score.csv  time, power_mw for [score start, score end)
  persistence.csv  time, forecast_mw for [score start, score end): the power measured one day earlier
                   at the same time of day, relabelled (day-ahead persistence, D-1)
Times become RFC 3339 with +08:00 (the files are in China local time). Rows whose time repeats an
earlier one are dropped (the first is kept) and counted on stderr.
"""
import csv
import datetime as dt
import os
import sys

COLUMNS = {  # header prefix in the station file -> seed column
    "Total solar irradiance": "poa",
    "Direct normal irradiance": "dni",
    "Global horizontal irradiance": "ghi",
    "Air temperature": "t2m",
    "Atmosphere": "pressure_hpa",
    "Power": "power_mw",
}


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    src, out, fit_start, score_start, score_end = sys.argv[1:]
    day = lambda s: dt.datetime.strptime(s, "%Y-%m-%d")
    fit_start, score_start, score_end = day(fit_start), day(score_start), day(score_end)
    with open(src, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader)
        index = {}
        for i, name in enumerate(header):
            for prefix, col in COLUMNS.items():
                if name.strip().startswith(prefix):
                    index[col] = i
        for need in ("ghi", "power_mw"):
            if need not in index:
                sys.exit(f"{src}: no column for {need} in header {header}")
        rows, seen, dropped = [], set(), 0
        for line_no, row in enumerate(reader, start=2):
            try:
                t = dt.datetime.strptime(row[0].strip(), "%Y-%m-%d %H:%M:%S")
            except ValueError:
                sys.exit(f"{src}:{line_no}: time '{row[0]}' is not YYYY-MM-DD HH:MM:SS")
            if t in seen:
                dropped += 1
                continue
            seen.add(t)
            rows.append((t, {c: row[i].strip() for c, i in index.items()}))
    rows.sort(key=lambda r: r[0])
    if dropped:
        print(f"{src}: dropped {dropped} rows repeating an earlier time", file=sys.stderr)
    power = {t: v["power_mw"] for t, v in rows}
    stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S+08:00")
    os.makedirs(out, exist_ok=True)
    weather_cols = [c for c in ("ghi", "dni", "poa", "t2m", "pressure_hpa") if c in index]
    with open(os.path.join(out, "weather.csv"), "w") as f:
        f.write("time," + ",".join(weather_cols) + "\n")
        for t, v in rows:
            f.write(stamp(t) + "," + ",".join(v[c] for c in weather_cols) + "\n")
    for name, lo, hi in (("power_fit.csv", fit_start, score_start), ("power_score.csv", score_start, score_end)):
        with open(os.path.join(out, name), "w") as f:
            f.write("time,power_mw\n")
            for t, v in rows:
                if lo <= t < hi:
                    f.write(f"{stamp(t)},{v['power_mw']}\n")
    with open(os.path.join(out, "persistence.csv"), "w") as f:
        f.write("time,forecast_mw\n")
        for t, _ in rows:
            if score_start <= t < score_end:
                f.write(f"{stamp(t)},{power.get(t - dt.timedelta(days=1), '')}\n")


if __name__ == "__main__":
    main()
