#!/usr/bin/python3
"""Reports for mpcstats runs: the SMPC result against local and pooled plaintext results, and scaling charts.

Subcommands:
  compare      --run RUN.json --locals DIR --out DIR [--no-chart]
               Merges DIR/local_*.json into OUT/local_results.json, prints a table (SMPC average vs each
               party's local average vs pooled plaintext, phase times, bytes per process), draws
               OUT/smpc_comparison.png, and exits 0 only if the SMPC totals equal the pooled plaintext sums.
  performance  --csv scaling.csv --out smpc_performance.png
               Execution time and communication volume against the number of parties, one line per protocol.
  scaling-row  --run RUN.json --csv scaling.csv --protocol P --users-per-party U
               Appends one row to scaling.csv (writes the header when the file is new or empty).

Exit status: 0 success (compare: MATCH), 1 mismatch, 2 bad input.
Run with Debian's /usr/bin/python3 (python3-matplotlib); charts use the Agg backend.
"""
import argparse
import csv
import glob
import json
import os
import re
import sys

SCALING_FIELDS = ["parties", "protocol", "users_per_party", "total_seconds", "wire_bytes_total",
                  "wire_kb_total", "payload_bytes_total", "max_party_peak_rss_bytes"]
PHASES = ["connect_handshake", "share_distribution", "local_summing", "aggregation", "total"]


class InputError(Exception):
    """Bad or missing input: exit 2 with one line."""


def natural_key(name):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}")
    except json.JSONDecodeError as e:
        raise InputError(f"{path} is not valid JSON: {e}")


def need(obj, key, where):
    if not isinstance(obj, dict) or key not in obj:
        raise InputError(f"{where} has no '{key}'")
    return obj[key]


def write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)


def pyplot():
    try:
        import matplotlib
    except ImportError:  # python3-matplotlib missing: install it like every other dependency
        import subprocess
        subprocess.run([os.path.join(os.path.dirname(os.path.abspath(__file__)), "install-deps.sh")],
                       check=True, stdout=sys.stderr)
        import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def print_table(headers, rows):
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, r in enumerate(cells):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


# ---------------------------------------------------------------- compare

def load_locals(directory):
    files = sorted(glob.glob(os.path.join(directory, "local_*.json")), key=natural_key)
    if not files:
        raise InputError(f"no local_*.json in {directory}")
    parties = {}
    for path in files:
        data = load_json(path)
        pid = need(data, "party", path)
        need(data, "users", path)
        need(data, "visits", path)
        if pid in parties:
            raise InputError(f"party {pid} appears twice in {directory}")
        parties[pid] = data
    return dict(sorted(parties.items(), key=lambda kv: natural_key(kv[0])))


def pooled_plaintext(parties, categories):
    total_visits = {c: sum(int(p["visits"].get(c, 0)) for p in parties.values()) for c in categories}
    total_users = sum(int(p["users"]) for p in parties.values())
    average = {c: (total_visits[c] / total_users if total_users else 0.0) for c in categories}
    return {"total_visits": total_visits, "total_users": total_users, "average_visits_per_user": average}


def local_average(party, category):
    avg = party.get("average_visits_per_user", {})
    if category in avg:
        return float(avg[category])
    users = int(party["users"])
    return int(party["visits"].get(category, 0)) / users if users else 0.0


def draw_comparison(path, categories, smpc_avg, parties):
    plt = pyplot()
    import numpy as np
    series = [("SMPC result", [smpc_avg.get(c, 0.0) for c in categories])]
    series += [(f"{pid} local", [local_average(p, c) for c in categories]) for pid, p in parties.items()]
    x = np.arange(len(categories))
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(11, 1.5 * len(categories)), 6))
    for i, (label, values) in enumerate(series):
        ax.bar(x - 0.4 + width * (i + 0.5), values, width, label=label,
               color="black" if i == 0 else None, alpha=1.0 if i == 0 else 0.75)
    ax.set_xticks(x)
    ax.set_xticklabels(categories, rotation=30, ha="right")
    ax.set_ylabel("Average visits per user")
    ax.set_title("SMPC result vs each party's local average visits per user")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), ncol=max(1, len(series) // 25 + 1), fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def cmd_compare(args):
    run = load_json(args.run)
    parties = load_locals(args.locals)
    total_visits = need(run, "total_visits", args.run)
    total_users = need(run, "total_users", args.run)
    smpc_avg = run.get("average_visits_per_user", {})
    categories = list(run.get("categories") or total_visits.keys())
    for p in parties.values():
        categories += [c for c in p["visits"] if c not in categories]
    pooled = pooled_plaintext(parties, categories)
    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "local_results.json"), {"parties": parties, "pooled_plaintext": pooled})

    print(f"Run {run.get('run_id', '?')}  protocol {run.get('protocol', '?')}  parties {run.get('parties', '?')}")
    print("\nAverage visits per user: SMPC vs local (each party's own data) vs pooled plaintext")
    headers = ["category", "SMPC"] + list(parties) + ["pooled", "SMPC total", "pooled total"]
    rows = [[c, f"{float(smpc_avg.get(c, float('nan'))):.4f}"] + [f"{local_average(p, c):.4f}" for p in parties.values()]
            + [f"{pooled['average_visits_per_user'][c]:.4f}", total_visits.get(c, "-"), pooled["total_visits"][c]]
            for c in categories]
    rows.append(["users", "", *[p["users"] for p in parties.values()], "", total_users, pooled["total_users"]])
    print_table(headers, rows)

    metrics = run.get("metrics", {})
    by_process = metrics.get("phase_seconds_by_process", {})
    if metrics.get("phase_seconds") or by_process:
        print("\nPhase times (s)")
        procs = sorted(by_process, key=lambda k: (k != "coordinator", natural_key(k)))
        phase_names = PHASES + sorted({k for d in [metrics.get("phase_seconds", {})] + list(by_process.values())
                                       for k in d} - set(PHASES))
        sec = lambda d, ph: "-" if ph not in d else f"{float(d[ph]):.4f}"
        rows = [[ph, sec(metrics.get("phase_seconds", {}), ph)] + [sec(by_process[p], ph) for p in procs]
                for ph in phase_names]
        print_table(["phase", "run"] + procs, rows)

    keys = ["wire_bytes_sent", "wire_bytes_received", "payload_bytes_sent", "payload_bytes_received"]
    procs = sorted({p for k in keys + ["peak_rss_bytes"] for p in metrics.get(k, {})},
                   key=lambda k: (k != "coordinator", natural_key(k)))
    if procs:
        print("\nBytes per process (KB = 1024 bytes, MB = 1024 KB)")
        def size(key, p, unit):
            v = metrics.get(key, {}).get(p)
            return "-" if v is None else f"{v / unit:.1f}"
        rows = [[p] + [size(k, p, 1024) for k in keys] + [size("peak_rss_bytes", p, 1 << 20)] for p in procs]
        rows.append(["total"] + [f"{sum(metrics.get(k, {}).values()) / 1024:.1f}" for k in keys] + [""])
        print_table(["process", "wire sent KB", "wire recv KB", "payload sent KB", "payload recv KB", "peak RSS MB"],
                    rows)

    if not args.no_chart:
        chart = os.path.join(args.out, "smpc_comparison.png")
        draw_comparison(chart, categories, smpc_avg, parties)
        print(f"\nChart: {chart}")

    problems = []
    ids = run.get("party_ids")
    if ids is not None and sorted(ids, key=natural_key) != list(parties):
        problems.append(f"run parties {ids} != local files {list(parties)}")
    for c in categories:
        if total_visits.get(c) != pooled["total_visits"][c]:
            problems.append(f"{c}: SMPC {total_visits.get(c)} != pooled {pooled['total_visits'][c]}")
    if total_users != pooled["total_users"]:
        problems.append(f"users: SMPC {total_users} != pooled {pooled['total_users']}")
    if problems:
        print("\nMISMATCH: " + "; ".join(problems))
        return 1
    print(f"\nMATCH: SMPC totals equal the pooled plaintext sums ({len(categories)} categories, "
          f"{total_users} users, {len(parties)} parties)")
    return 0


# ---------------------------------------------------------------- scaling

def cmd_scaling_row(args):
    run = load_json(args.run)
    metrics = need(run, "metrics", args.run)
    wire = sum(int(v) for v in need(metrics, "wire_bytes_sent", args.run).values())
    payload = sum(int(v) for v in need(metrics, "payload_bytes_sent", args.run).values())
    rss = [int(v) for k, v in metrics.get("peak_rss_bytes", {}).items() if k != "coordinator"]
    row = {
        "parties": int(need(run, "parties", args.run)),
        "protocol": args.protocol,
        "users_per_party": args.users_per_party,
        "total_seconds": round(float(need(need(metrics, "phase_seconds", args.run), "total", args.run)), 6),
        "wire_bytes_total": wire,
        "wire_kb_total": round(wire / 1024, 3),
        "payload_bytes_total": payload,
        "max_party_peak_rss_bytes": max(rss) if rss else 0,
    }
    new = not os.path.exists(args.csv) or os.path.getsize(args.csv) == 0
    with open(args.csv, "a", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=SCALING_FIELDS)
        if new:
            w.writeheader()
        w.writerow(row)
    return 0


def cmd_performance(args):
    try:
        with open(args.csv, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise InputError(f"cannot read {args.csv}: {e.strerror}")
    if not rows:
        raise InputError(f"{args.csv} has no rows")
    for col in ("parties", "total_seconds"):
        if col not in rows[0]:
            raise InputError(f"{args.csv} has no '{col}' column")
    if "wire_kb_total" not in rows[0] and "wire_bytes_total" not in rows[0]:
        raise InputError(f"{args.csv} has neither 'wire_kb_total' nor 'wire_bytes_total'")

    series = {}  # protocol -> parties -> [(seconds, kb)]
    try:
        for r in rows:
            kb = float(r["wire_kb_total"]) if r.get("wire_kb_total") else float(r["wire_bytes_total"]) / 1024
            series.setdefault(r.get("protocol") or "full", {}).setdefault(int(r["parties"]), []).append(
                (float(r["total_seconds"]), kb))
    except (TypeError, ValueError) as e:
        raise InputError(f"{args.csv}: bad number: {e}")

    plt = pyplot()
    fig, (ax_t, ax_b) = plt.subplots(1, 2, figsize=(12, 5))
    show_legend = "protocol" in rows[0]
    for protocol, by_n in sorted(series.items()):
        ns = sorted(by_n)
        mean = lambda vals, i: sum(v[i] for v in vals) / len(vals)  # repeated rows are averaged
        ax_t.plot(ns, [mean(by_n[n], 0) for n in ns], "o-", label=protocol)
        ax_b.plot(ns, [mean(by_n[n], 1) for n in ns], "s-", label=protocol)
    ax_t.set(title="Execution time by number of parties", xlabel="Number of parties", ylabel="Execution time (s)")
    ax_b.set(title="Communication volume by number of parties", xlabel="Number of parties",
             ylabel="Communication volume (KB, wire bytes of all processes)")
    for ax in (ax_t, ax_b):
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
        if show_legend:
            ax.legend(title="protocol")
    fig.tight_layout()
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    fig.savefig(args.out, dpi=120)
    plt.close(fig)
    print(f"Chart: {args.out}")
    return 0


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        sys.stderr.write(f"report.py: error: {message} (see report.py --help)\n")
        sys.exit(2)


def main(argv):
    p = Parser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 2)[2],
               formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    c = sub.add_parser("compare", help="SMPC result vs local and pooled plaintext results")
    c.add_argument("--run", required=True, help="run.json written by the coordinator")
    c.add_argument("--locals", required=True, help="directory of local_<id>.json written by the parties")
    c.add_argument("--out", required=True, help="directory for local_results.json and smpc_comparison.png")
    c.add_argument("--no-chart", action="store_true", help="skip smpc_comparison.png")
    c.set_defaults(func=cmd_compare)
    f = sub.add_parser("performance", help="scaling chart from scaling.csv")
    f.add_argument("--csv", required=True)
    f.add_argument("--out", required=True, help="PNG file")
    f.set_defaults(func=cmd_performance)
    s = sub.add_parser("scaling-row", help="append one run to scaling.csv")
    s.add_argument("--run", required=True)
    s.add_argument("--csv", required=True)
    s.add_argument("--protocol", required=True)
    s.add_argument("--users-per-party", required=True, type=int)
    s.set_defaults(func=cmd_scaling_row)
    args = p.parse_args(argv)
    try:
        return args.func(args)
    except InputError as e:
        sys.stderr.write(f"report.py: error: {e}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
