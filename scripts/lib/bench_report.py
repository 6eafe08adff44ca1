"""Rows and summary for scripts/bench.sh (standard library only).

  bench_report.py row --csv FILE --repeat I --limit LIMIT.json --run run.json --parties N --vector-length M
      appends one CSV row (header first if the file is new)
  bench_report.py summary --csv FILE --parties N --vector-length M
      prints the table of runs, the medians, the bytes-per-party check and, as the last line,
      ratio_to_limit=R (median protocol seconds / median limit seconds, 3 decimals)
"""
import argparse
import csv
import json
import os
import statistics
import sys

FIELDS = [
    "repeat", "protocol", "limit_prg_s", "limit_tls_s", "limit_s", "tls_gbps", "protocol_s", "connect_s",
    "coordinator_total_s", "max_party_wire_sent", "coordinator_wire_received", "max_party_peak_rss",
    "coordinator_peak_rss", "max_party_sharing_s", "max_party_summing_s",
]


def target_bytes(n, m):
    return int(1.1 * m * 8 + 4096 * (n - 1))


def row(args):
    with open(args.limit) as f:
        limit = json.loads(f.read().strip().splitlines()[-1])
    with open(args.run) as f:
        run = json.load(f)
    metrics = run["metrics"]
    phases = metrics["phase_seconds_by_process"]
    coordinator = phases["coordinator"]
    parties = [p for p in run["party_ids"]]
    out = {
        "repeat": args.repeat,
        "protocol": run["protocol"],
        "limit_prg_s": limit["prg_seconds"],
        "limit_tls_s": limit["tls_seconds"],
        "limit_s": limit["limit_seconds"],
        "tls_gbps": limit["tls_gbps"],
        # Start to the verified sum: secagg's key rounds (share_distribution) count too.
        "protocol_s": coordinator["aggregation"] + coordinator.get("share_distribution", 0.0),
        "connect_s": coordinator.get("connect_handshake", 0.0),
        "coordinator_total_s": coordinator.get("total", 0.0),
        "max_party_wire_sent": max(metrics["wire_bytes_sent"][p] for p in parties),
        "coordinator_wire_received": metrics["wire_bytes_received"]["coordinator"],
        "max_party_peak_rss": max(metrics["peak_rss_bytes"][p] for p in parties),
        "coordinator_peak_rss": metrics["peak_rss_bytes"]["coordinator"],
        "max_party_sharing_s": max(phases[p].get("share_distribution", 0.0) for p in parties),
        "max_party_summing_s": max(phases[p].get("local_summing", 0.0) for p in parties),
    }
    new = not os.path.exists(args.csv)
    with open(args.csv, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        if new:
            w.writeheader()
        w.writerow(out)


def mib(b):
    return f"{b / 2**20:.1f}"


def summary(args):
    with open(args.csv) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit("no runs recorded")
    n, m = args.parties, args.vector_length
    print(f"{'run':>3} {'protocol':>8} {'prg_s':>7} {'tls_s':>7} {'limit_s':>8} {'proto_s':>8} {'ratio':>6} "
          f"{'party_sent_MiB':>14} {'party_rss_MiB':>13} {'coord_rss_MiB':>13}")
    for r in rows:
        ratio = float(r["protocol_s"]) / float(r["limit_s"])
        print(f"{r['repeat']:>3} {r['protocol']:>8} {float(r['limit_prg_s']):7.3f} {float(r['limit_tls_s']):7.3f} "
              f"{float(r['limit_s']):8.3f} {float(r['protocol_s']):8.3f} {ratio:6.2f} "
              f"{mib(int(r['max_party_wire_sent'])):>14} {mib(int(r['max_party_peak_rss'])):>13} "
              f"{mib(int(r['coordinator_peak_rss'])):>13}")

    def med(key):
        return statistics.median(float(r[key]) for r in rows)

    limit, proto = med("limit_s"), med("protocol_s")
    sent = int(med("max_party_wire_sent"))
    target = target_bytes(n, m)
    print(f"median  limit_s={limit:.3f} (prg {med('limit_prg_s'):.3f} + tls {med('limit_tls_s'):.3f}, "
          f"tls {med('tls_gbps'):.2f} GB/s)  protocol_s={proto:.3f}  connect_s={med('connect_s'):.3f}  "
          f"party sharing_s={med('max_party_sharing_s'):.3f} summing_s={med('max_party_summing_s'):.3f}")
    print(f"median  peak RSS: party {mib(med('max_party_peak_rss'))} MiB, coordinator "
          f"{mib(med('coordinator_peak_rss'))} MiB (vector {mib(m * 8)} MiB)")
    verdict = "OK" if sent <= target else "OVER"
    print(f"bytes per party: max wire_bytes_sent {sent} vs target 1.1*M*8+4096*(N-1) = {target}: {verdict} "
          f"({sent / (m * 8):.4f} x M*8)")
    print(f"ratio_to_limit={proto / limit:.3f}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("row")
    for flag in ("--csv", "--limit", "--run"):
        r.add_argument(flag, required=True)
    r.add_argument("--repeat", type=int, required=True)
    s = sub.add_parser("summary")
    s.add_argument("--csv", required=True)
    for sp in (r, s):
        sp.add_argument("--parties", type=int, required=True)
        sp.add_argument("--vector-length", type=int, required=True)
    args = p.parse_args()
    row(args) if args.cmd == "row" else summary(args)


if __name__ == "__main__":
    main()
