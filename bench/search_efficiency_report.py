#!/usr/bin/env python3
"""Table and plot of bench/search_efficiency.sh's runs, from their tuning curves.

Usage: bench/search_efficiency_report.py DIR
Writes DIR.md (best latency after 64, 128, 256 and 512 trials per workload, strategy and
seed) and DIR.svg (best-so-far latency against trials, one panel per workload), the plot
drawn by matplotlib (Debian python3-matplotlib).
"""
import csv
import glob
import os
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
matplotlib.rcParams["svg.hashsalt"] = "tessera"  # the same plot gives the same file
import matplotlib.pyplot as plt  # noqa: E402

STRATEGIES = [("mlp", "evolutionary + MLP", "#1f77b4"), ("random", "evolutionary + random model", "#ff7f0e"),
              ("replay-trace", "ReplayTrace", "#2ca02c")]
CHECKPOINTS = [64, 128, 256, 512]


def curve(run_dir):
    files = glob.glob(os.path.join(run_dir, "curve_*.csv"))
    if not files:
        return []
    with open(files[0]) as f:
        return [float(r["best_seconds"]) * 1e3 if r["best_seconds"] else None for r in csv.DictReader(f)]


def main():
    out = sys.argv[1].rstrip("/")
    runs = {}  # (workload, strategy, seed) -> best-so-far ms per trial
    for run_dir in sorted(glob.glob(os.path.join(out, "*_seed*"))):
        name = os.path.basename(run_dir)
        workload, rest = name.split("_", 1)
        strategy, seed = rest.rsplit("_seed", 1)
        runs[(workload, strategy, int(seed))] = curve(run_dir)
    workloads = sorted({k[0] for k in runs})
    lines = ["| workload | search | seed | " + " | ".join(f"{c} trials" for c in CHECKPOINTS) + " |",
             "| --- | --- | ---: |" + " ---: |" * len(CHECKPOINTS)]
    for w in workloads:
        for key, label, _ in STRATEGIES:
            for seed in (1, 2):
                c = runs.get((w, key, seed))
                if c is None:
                    continue
                cells = [f"{c[n - 1]:.4f} ms" if len(c) >= n and c[n - 1] is not None else "" for n in CHECKPOINTS]
                lines.append(f"| {w} | {label} | {seed} | " + " | ".join(cells) + " |")
    with open(out + ".md", "w") as f:
        f.write("Best measured latency after N trials (lower is better).\n\n" + "\n".join(lines) + "\n")

    # One panel per workload: best-so-far latency (ms) against trials; seed 2 dashed.
    figure, axes = plt.subplots(1, len(workloads), figsize=(5 * len(workloads), 4), squeeze=False)
    for panel, w in zip(axes[0], workloads):
        lows = []
        for key, label, color in STRATEGIES:
            for seed in (1, 2):
                c = runs.get((w, key, seed))
                if not c:
                    continue
                points = [(t + 1, v) for t, v in enumerate(c) if v is not None]
                if not points:
                    continue
                lows.append(min(v for _, v in points))
                panel.plot([t for t, _ in points], [v for _, v in points], color=color, linestyle="--" if seed == 2 else "-",
                           linewidth=1.5, label=f"{label}, seed {seed}")
        if lows:
            panel.set_ylim(min(lows) * 0.97, min(lows) * 3)  # the interesting part: near the best
        panel.set_title(f"{w}: best latency so far")
        panel.set_xlabel("trials")
        panel.set_ylabel("ms")
        panel.set_xticks(CHECKPOINTS)
        panel.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(out + ".svg", metadata={"Date": None})  # reproducible: no time stamp
    print("\n".join(lines))
    print(f"wrote {out}.md and {out}.svg")


if __name__ == "__main__":
    main()
