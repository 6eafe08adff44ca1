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
  query-chart  --run RUN.json --out PNG [--metric NAME]
               Chart of a statistics query's result (run.json "query" and "result"): bars per key value
               for a one-key grouping, a heat map for two keys (first key on rows); suppressed cells are
               hatched grey. The metric defaults to the query's first non-histogram metric (a histogram-only
               query draws its bucket counts, one key only). Other groupings: one line, no chart, exit 0.

Exit status: 0 success (compare: MATCH), 1 mismatch, 2 bad input.
Run with Debian's /usr/bin/python3 (python3-matplotlib); charts use the Agg backend.
"""
import argparse
import csv
import glob
import json
import os
import re
import statistics
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
    # A suppressed category (null in run.json) has no SMPC bar.
    series = [("SMPC result", [smpc_avg.get(c) if smpc_avg.get(c) is not None else 0.0 for c in categories])]
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
    # Categories with fewer active users than the parties' largest min_group_size are published as
    # null: nothing to compare there.
    suppressed = set(run.get("suppressed", []))
    categories = list(run.get("categories") or total_visits.keys())
    for p in parties.values():
        categories += [c for c in p["visits"] if c not in categories]
    pooled = pooled_plaintext(parties, categories)
    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "local_results.json"), {"parties": parties, "pooled_plaintext": pooled})

    print(f"Run {run.get('run_id', '?')}  protocol {run.get('protocol', '?')}  parties {run.get('parties', '?')}")
    print("\nAverage visits per user: SMPC vs local (each party's own data) vs pooled plaintext")
    headers = ["category", "SMPC"] + list(parties) + ["pooled", "SMPC total", "pooled total"]
    smpc_text = lambda c: "suppressed" if c in suppressed else (
        "-" if smpc_avg.get(c) is None else f"{float(smpc_avg[c]):.4f}")
    rows = [[c, smpc_text(c)] + [f"{local_average(p, c):.4f}" for p in parties.values()]
            + [f"{pooled['average_visits_per_user'][c]:.4f}",
               "-" if total_visits.get(c) is None else total_visits[c], pooled["total_visits"][c]]
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
        if c in suppressed:
            continue
        if total_visits.get(c) != pooled["total_visits"][c]:
            problems.append(f"{c}: SMPC {total_visits.get(c)} != pooled {pooled['total_visits'][c]}")
    if total_users != pooled["total_users"]:
        problems.append(f"users: SMPC {total_users} != pooled {pooled['total_users']}")
    if problems:
        print("\nMISMATCH: " + "; ".join(problems))
        return 1
    compared = len(categories) - len(suppressed & set(categories))
    note = f"; {len(categories) - compared} suppressed, not compared" if compared < len(categories) else ""
    print(f"\nMATCH: SMPC totals equal the pooled plaintext sums ({compared} categories, "
          f"{total_users} users, {len(parties)} parties{note})")
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
        # Repeated rows: the median, with a bar from the smallest to the largest run.
        for ax, i, marker in ((ax_t, 0, "o-"), (ax_b, 1, "s-")):
            med = [statistics.median(v[i] for v in by_n[n]) for n in ns]
            low = [m - min(v[i] for v in by_n[n]) for m, n in zip(med, ns)]
            high = [max(v[i] for v in by_n[n]) - m for m, n in zip(med, ns)]
            ax.errorbar(ns, med, yerr=[low, high], fmt=marker, capsize=3, label=protocol)
    ax_t.set(title="Execution time by number of parties (median, min-max)", xlabel="Number of parties", ylabel="Execution time (s)")
    ax_b.set(title="Communication volume by number of parties", xlabel="Number of parties",
             ylabel="Communication volume (KB, wire bytes of all processes)")
    for ax in (ax_t, ax_b):
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
        if show_legend:
            ax.legend(title="protocol")
    fig.tight_layout()
    save_chart(plt, fig, args.out)
    return 0


def save_chart(plt, fig, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"Chart: {path}")


# ---------------------------------------------------------------- query chart

HISTOGRAM = "histogram_visits_per_active_user"
KEY_TITLES = {"store_category": "store category", "district": "district", "is_weekend": "weekend",
              "hour_of_day": "hour of day (UTC)", "day_of_week": "day of week", "month": "month"}
METRIC_TITLES = {"visits": "Visits", "active_users": "Active users", "visits_per_user": "Visits per user",
                 "visits_per_active_user": "Visits per active user",
                 "var_visits_per_active_user": "Variance of visits per active user",
                 "stddev_visits_per_active_user": "Std. deviation of visits per active user",
                 "weekend_share": "Weekend share of visits", "spend_sum": "Spend (sum)",
                 "spend_mean": "Spend per visit (mean)", HISTOGRAM: "Histogram of visits per active user"}
DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
SUPPRESSED_STYLE = {"facecolor": "0.88", "edgecolor": "0.55", "hatch": "///", "linewidth": 0}


def metric_name(metric, where):
    if isinstance(metric, str):
        return metric
    if isinstance(metric, dict) and len(metric) == 1:
        return next(iter(metric))
    raise InputError(f"{where}: bad metric {json.dumps(metric)}")


def key_label(key, value):
    if key == "day_of_week" and isinstance(value, int) and 0 <= value < 7:
        return DAY_NAMES[value]
    if key == "month" and isinstance(value, int) and 1 <= value <= 12:
        return MONTH_NAMES[value - 1]
    if key == "is_weekend" and value in (0, 1):
        return ["weekday", "weekend"][value]
    return str(value)


def bucket_labels(edges):
    return [f"[{a}, {b})" for a, b in zip(edges, edges[1:])] + [f">= {edges[-1]}"] if edges else []


def format_value(v):
    if isinstance(v, int):
        return str(v)
    return f"{v:.4g}" if abs(v) < 1000 else f"{v:,.0f}"


def set_tick_labels(axis_set, labels):
    """Tick labels, slanted when they would not fit side by side."""
    slant = len(labels) * max((len(s) for s in labels), default=0) > 40
    axis_set(labels, rotation=30 if slant else 0, ha="right" if slant else "center")


def date_range(query):
    start, end = query.get("date_from"), query.get("date_to")
    if start and end:
        return f"{start} to {end}"
    if start:
        return f"from {start}"
    if end:
        return f"until {end}"
    return ""


def suppressed_label(run):
    k = run.get("min_group_size")
    return f"suppressed (< {k} active users)" if k is not None else "suppressed (too few active users)"


def cell_value(row, metric, where):
    """(value, suppressed): value None when suppressed or undefined (a zero denominator)."""
    if not isinstance(row, dict):
        raise InputError(f"{where}: a result row is not an object")
    suppressed = bool(row.get("suppressed", False))
    value = row.get(metric)
    if suppressed or value is None:
        return None, suppressed
    if metric == HISTOGRAM:
        if not isinstance(value, list) or not all(isinstance(c, (int, float)) for c in value):
            raise InputError(f"{where}: {metric} is not a list of counts: {json.dumps(value)}")
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{where}: {metric} is not a number: {json.dumps(value)}")
    return value, False


def draw_query_bars(ax, plt, key, rows, metric, edges, where, run):
    import numpy as np
    labels = [key_label(key, need(r, key, where)) for r in rows]
    cells = [cell_value(r, metric, where) for r in rows]
    x = np.arange(len(rows))
    annotate = len(rows) <= 31
    handles = []
    if metric == HISTOGRAM:
        buckets = bucket_labels(edges)
        width = 0.8 / max(1, len(buckets))
        colors = plt.get_cmap("viridis")(np.linspace(0.15, 0.85, max(1, len(buckets))))
        for b, name in enumerate(buckets):
            values = [v[b] if v is not None and b < len(v) else 0 for v, _ in cells]
            handles.append(ax.bar(x - 0.4 + width * (b + 0.5), values, width, color=colors[b], label=name))
        if annotate and len(rows) * len(buckets) <= 40:
            for container in handles:  # no labels on suppressed cells: their zeros are not counts
                ax.bar_label(container, labels=["" if v is None else f"{h.get_height():g}"
                                                for h, (v, _) in zip(container, cells)],
                             fontsize="x-small", padding=1)
        ax.set_ylabel("Active users")
        ax.yaxis.get_major_locator().set_params(integer=True)
    else:
        values = [v if v is not None else 0 for v, _ in cells]
        bars = ax.bar(x, values, 0.7, color="tab:blue")
        if annotate:
            for bar, (v, hidden) in zip(bars, cells):
                if v is not None:
                    ax.annotate(format_value(v), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                                ha="center", va="bottom", fontsize="x-small", xytext=(0, 2),
                                textcoords="offset points")
        ax.set_ylabel(METRIC_TITLES.get(metric, metric))
    # Suppressed cells: a hatched band over the whole height; undefined ones: "n/a" on the axis.
    for i, (v, hidden) in enumerate(cells):
        if hidden:
            ax.axvspan(i - 0.4, i + 0.4, zorder=0, **SUPPRESSED_STYLE)
        elif v is None:
            ax.annotate("n/a", (i, 0), ha="center", va="bottom", fontsize="x-small", color="0.4",
                        xytext=(0, 2), textcoords="offset points")
    if any(hidden for _, hidden in cells):
        from matplotlib.patches import Patch
        handles.append(Patch(label=suppressed_label(run), **SUPPRESSED_STYLE))
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small",
                  title="buckets of visits" if metric == HISTOGRAM else None)
    ax.set_xticks(x)
    set_tick_labels(ax.set_xticklabels, labels)
    ax.set_xlabel(KEY_TITLES.get(key, key))
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)


def draw_query_heatmap(fig, ax, plt, keys, rows, metric, where, run):
    import numpy as np
    from matplotlib.patches import Patch, Rectangle
    row_values, col_values, cells = [], [], {}
    for r in rows:
        a, b = need(r, keys[0], where), need(r, keys[1], where)
        if a not in row_values:
            row_values.append(a)
        if b not in col_values:
            col_values.append(b)
        cells[(a, b)] = cell_value(r, metric, where)
    grid = np.full((len(row_values), len(col_values)), np.nan)
    for (a, b), (v, _) in cells.items():
        if v is not None:
            grid[row_values.index(a), col_values.index(b)] = v
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("white")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, aspect="auto")
    if np.isfinite(grid).any():  # no scale to show when every cell is suppressed or undefined
        bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
        bar.set_label(METRIC_TITLES.get(metric, metric))
    annotate = grid.size <= 150
    any_hidden = False
    for (a, b), (v, hidden) in cells.items():
        i, j = row_values.index(a), col_values.index(b)
        if hidden:
            any_hidden = True
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, **SUPPRESSED_STYLE))
        elif v is None:
            ax.text(j, i, "n/a", ha="center", va="center", fontsize="x-small", color="0.4")
        elif annotate:
            r, g, b_, _ = image.cmap(image.norm(v))
            ax.text(j, i, format_value(v), ha="center", va="center", fontsize="x-small",
                    color="black" if 0.299 * r + 0.587 * g + 0.114 * b_ > 0.5 else "white")
    ax.set_xticks(np.arange(len(col_values)))
    set_tick_labels(ax.set_xticklabels, [key_label(keys[1], v) for v in col_values])
    ax.set_yticks(np.arange(len(row_values)))
    ax.set_yticklabels([key_label(keys[0], v) for v in row_values])
    ax.set_xlabel(KEY_TITLES.get(keys[1], keys[1]))
    ax.set_ylabel(KEY_TITLES.get(keys[0], keys[0]))
    # The note on suppressed cells goes in the figure's bottom left corner (room made by the caller).
    return [Patch(label=suppressed_label(run), **SUPPRESSED_STYLE)] if any_hidden else []


def cmd_query_chart(args):
    run = load_json(args.run)
    query = need(run, "query", args.run)
    rows = need(run, "result", args.run)
    if not isinstance(rows, list):
        raise InputError(f"{args.run}: 'result' is not a list")
    keys = query.get("group_by") or []
    metrics = need(query, "metrics", f"{args.run} query")
    if not isinstance(keys, list) or not isinstance(metrics, list) or not metrics:
        raise InputError(f"{args.run}: the query's group_by and metrics must be lists")
    names = [metric_name(m, args.run) for m in metrics]
    if args.metric is not None and args.metric not in names:
        raise InputError(f"metric '{args.metric}' is not in the query's metrics ({', '.join(names)})")
    metric = args.metric or next((n for n in names if n != HISTOGRAM), names[0])
    if len(keys) not in (1, 2):
        print(f"No chart drawn for a grouping by {len(keys)} keys ({', '.join(keys) or 'no keys'}): "
              f"charts cover one- and two-key groupings")
        return 0
    if metric == HISTOGRAM and len(keys) != 1:
        print(f"No chart drawn for {metric} grouped by {len(keys)} keys: the histogram is drawn for one key only")
        return 0
    edges = []
    if metric == HISTOGRAM:
        edges = next(m[HISTOGRAM] for m in metrics if isinstance(m, dict) and HISTOGRAM in m)
        if not isinstance(edges, list) or not edges:
            raise InputError(f"{args.run}: bad histogram bucket list {json.dumps(edges)}")

    plt = pyplot()
    bottom = 0.0
    title = f"{METRIC_TITLES.get(metric, metric)} by {' x '.join(KEY_TITLES.get(k, k) for k in keys)}"
    if date_range(query):
        title += f", {date_range(query)}"
    if len(keys) == 1:
        per_value = len(edges) if metric == HISTOGRAM else 1
        fig, ax = plt.subplots(figsize=(min(24, max(8, 0.5 * len(rows) * max(1, per_value / 2) + 3)), 5.5))
        draw_query_bars(ax, plt, keys[0], rows, metric, edges, args.run, run)
    else:
        n_cols = len({json.dumps(r.get(keys[1])) for r in rows if isinstance(r, dict)})
        n_rows = max(1, len(rows) // max(1, n_cols))
        height = min(16, max(4, 0.45 * n_rows + 2.5))
        fig, ax = plt.subplots(figsize=(min(24, max(7, 0.75 * n_cols + 4)), height))
        notes = draw_query_heatmap(fig, ax, plt, keys, rows, metric, args.run, run)
        if notes:
            fig.legend(handles=notes, loc="lower left", fontsize="small", frameon=False)
            bottom = 0.35 / height
    ax.set_title(title)
    fig.tight_layout(rect=(0, bottom, 1, 1))
    save_chart(plt, fig, args.out)
    return 0


# ---------------------------------------------------------------- DP error against rho

def cmd_dp_chart(args):
    """Error of private runs against rho: for each run.json with a 'privacy' block, the absolute
    error of every non-suppressed cell's metric against the exact run (--exact); median and 90th
    percentile per rho, on log axes, with the noise sd the runs reported."""
    exact = load_json(args.exact)
    metric = args.metric
    truth = [row.get(metric) for row in need(exact, "result", args.exact)]
    by_rho = {}
    sds = {}
    for path in args.runs:
        run = load_json(path)
        rho = need(need(run, "privacy", path), "rho", path)
        rows = need(run, "result", path)
        if len(rows) != len(truth):
            raise InputError(f"{path} has {len(rows)} rows, the exact run {len(truth)}: not the same query")
        for row, t in zip(rows, truth):
            value = row.get(metric)
            if row.get("suppressed") or value is None or t is None:
                continue
            by_rho.setdefault(rho, []).append(abs(value - t))
            sd = row.get("noise_sd", {}).get(metric)
            if sd is not None:
                sds.setdefault(rho, []).append(sd)
    if not by_rho:
        raise InputError(f"no private run with a published '{metric}' among the {len(args.runs)} files")
    rhos = sorted(by_rho)

    def quantile(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, int(q * len(values)))]

    medians = [quantile(by_rho[r], 0.5) for r in rhos]
    p90 = [quantile(by_rho[r], 0.9) for r in rhos]
    print_table(["rho", "cells", "median |error|", "p90 |error|", "reported sd"],
                [[f"{r:g}", str(len(by_rho[r])), f"{m:.4g}", f"{q:.4g}",
                  f"{quantile(sds[r], 0.5):.4g}" if r in sds else "-"] for r, m, q in zip(rhos, medians, p90)])
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(rhos, medians, marker="o", label="median |error|")
    ax.plot(rhos, p90, marker="s", linestyle="--", label="90th percentile |error|")
    if sds:
        ax.plot([r for r in rhos if r in sds], [quantile(sds[r], 0.5) for r in rhos if r in sds], marker="^",
                linestyle=":", label="reported noise sd")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rho (zCDP budget of the query)")
    ax.set_ylabel(f"|noisy - exact| of {METRIC_TITLES.get(metric, metric)}")
    ax.set_title(f"Error against privacy budget ({len(args.runs)} runs)")
    ax.legend()
    fig.tight_layout()
    save_chart(plt, fig, args.out)
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
    q = sub.add_parser("query-chart", help="bar chart or heat map of a statistics query's result")
    q.add_argument("--run", required=True, help="run.json with 'query' and 'result'")
    q.add_argument("--out", required=True, help="PNG file")
    q.add_argument("--metric", help="metric to draw (default: the query's first non-histogram metric)")
    q.set_defaults(func=cmd_query_chart)
    d = sub.add_parser("dp-chart", help="error against rho from repeated private runs")
    d.add_argument("--exact", required=True, help="run.json of the same query without privacy (the truth)")
    d.add_argument("--metric", default="visits", help="metric to compare (default: visits)")
    d.add_argument("--out", required=True, help="PNG file")
    d.add_argument("runs", nargs="+", help="run.json files of private runs (any rho, repeated)")
    d.set_defaults(func=cmd_dp_chart)
    args = p.parse_args(argv)
    try:
        return args.func(args)
    except InputError as e:
        sys.stderr.write(f"report.py: error: {e}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
