#!/usr/bin/env python3
"""Turns the runs of scheduler_efficiency.sh into a table and a plot.

    python3 bench/models/plot_efficiency.py OUT_DIR

Each run directory OUT_DIR/<model>_<scheduler>_s<seed>/ holds task_rounds.csv (one line per
round: the trials so far, the elapsed seconds and the estimated end-to-end latency
Σ weight × best) and tune.log (the measured end-to-end latency at the end). Writes
OUT_DIR/efficiency.md: per run the final estimate, the measured latency, and the trials and
seconds it needed to reach the latency the gradient scheduler reaches with its full budget
(same model and seed); and OUT_DIR/efficiency.png (matplotlib, when installed): the
estimate against trials and against wall time, one panel per model.
"""
import csv
import math
import os
import re
import sys
from collections import defaultdict


def read_run(path):
    rows = []
    with open(os.path.join(path, "task_rounds.csv")) as f:
        for row in csv.DictReader(f):
            rows.append((int(row["total_trials"]), float(row["elapsed_s"]),
                         float(row["estimated_ms"]), int(row.get("unmeasured_tasks", 0))))
    # The estimate leaves out tasks without a measured kernel: it is comparable from the
    # round where the run's final set of measured tasks is complete.
    if rows:
        final_unmeasured = rows[-1][3]
        rows = [r[:3] for r in rows if r[3] <= final_unmeasured]
    measured = None
    log = os.path.join(path, "tune.log")
    if os.path.exists(log):
        with open(log) as f:
            m = re.search(r"tuned ([0-9.]+) ms, untuned ([0-9.]+) ms", f.read())
            if m:
                measured = (float(m.group(1)), float(m.group(2)))
    return rows, measured


def first_reaching(rows, goal):
    for trials, seconds, estimate in rows:
        if math.isfinite(estimate) and estimate <= goal * (1 + 1e-9):
            return trials, seconds
    return None


def main():
    out = sys.argv[1]
    runs = {}
    for name in sorted(os.listdir(out)):
        m = re.fullmatch(r"(.+)_(round-robin|gradient|family)_s(\d+)", name)
        path = os.path.join(out, name)
        if m and os.path.exists(os.path.join(path, "task_rounds.csv")):
            runs[(m.group(1), m.group(2), int(m.group(3)))] = read_run(path)
    lines = ["| model | scheduler | seed | trials | final estimate (ms) | measured tuned / untuned (ms) "
             "| trials to reach gradient's final | seconds to reach it |",
             "|---|---|---|---|---|---|---|---|"]
    for (model, scheduler, seed), (rows, measured) in sorted(runs.items()):
        final = rows[-1][2] if rows else math.inf
        gradient = runs.get((model, "gradient", seed))
        goal = gradient[0][-1][2] if gradient and gradient[0] else math.inf
        reached = first_reaching(rows, goal)
        lines.append("| {} | {} | {} | {} | {:.3f} | {} | {} | {} |".format(
            model, scheduler, seed, rows[-1][0] if rows else 0, final,
            "{:.3f} / {:.3f}".format(*measured) if measured else "-",
            reached[0] if reached else "not reached",
            "{:.0f}".format(reached[1]) if reached else "-"))
    with open(os.path.join(out, "efficiency.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot")
        return
    models = sorted({key[0] for key in runs})
    fig, axes = plt.subplots(len(models), 2, figsize=(12, 4 * len(models)), squeeze=False)
    colors = {"round-robin": "tab:blue", "gradient": "tab:orange", "family": "tab:green"}
    for row, model in enumerate(models):
        for (m, scheduler, seed), (rows, _) in sorted(runs.items()):
            if m != model:
                continue
            finite = [r for r in rows if math.isfinite(r[2])]
            if not finite:
                continue
            style = "-" if seed % 2 else "--"
            label = "{} seed {}".format(scheduler, seed)
            axes[row][0].plot([r[0] for r in finite], [r[2] for r in finite], style,
                              color=colors[scheduler], label=label)
            axes[row][1].plot([r[1] for r in finite], [r[2] for r in finite], style,
                              color=colors[scheduler], label=label)
        axes[row][0].set_title("{}: estimated end-to-end latency against trials".format(model))
        axes[row][0].set_xlabel("trials")
        axes[row][1].set_title("{}: against wall time".format(model))
        axes[row][1].set_xlabel("seconds")
        for ax in axes[row]:
            ax.set_ylabel("ms (Σ weight × best)")
            ax.set_yscale("log")
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "efficiency.png"), dpi=110)
    print("wrote", os.path.join(out, "efficiency.png"))


if __name__ == "__main__":
    main()
