# Usage: python chart.py bench/compare.json bench/compare.png
# The chart for bench/README.md: records/s and client CPU seconds per million records, one panel row per
# record shape, one bar per contestant in each workload. Failed or unsupported runs are left out (the table
# says why).
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

source, target = sys.argv[1], sys.argv[2]
with open(source) as f:
    report = json.load(f)

runs = [r for r in report["runs"] if "recordsPerSecond" in r and not r.get("failed")]
contestants = []
for run in report["runs"]:
    name = run["label"] + (f" ({run['runtime']})" if run.get("runtime") else "")
    run["name"] = name
    if name not in contestants:
        contestants.append(name)
colors = {}
palette = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#e377c2", "#8c564b", "#7f7f7f", "#17becf", "#bcbd22"]
for i, name in enumerate(contestants):
    colors[name] = palette[i % len(palette)]

shapes = []
for run in report["runs"]:
    shape = run["workload"].split("-p")[0]
    if shape not in shapes:
        shapes.append(shape)

figure, axes = plt.subplots(len(shapes), 2, figsize=(22, 6 * len(shapes)), squeeze=False)
for row, shape in enumerate(shapes):
    workloads = []
    for run in report["runs"]:
        if run["workload"].startswith(shape + "-p") and run["workload"] not in workloads:
            workloads.append(run["workload"])
    width = 0.8 / max(1, len(contestants))
    for column, (metric, title, scale) in enumerate(
        [
            ("recordsPerSecond", "records/s (higher is better)", 1e3),
            (
                "cpuSecondsPer1MAfterStartup",
                "client CPU s per 1M records, process start-up excluded (lower is better)",
                1,
            ),
        ]
    ):
        axis = axes[row][column]
        for c, name in enumerate(contestants):
            xs, ys = [], []
            for w, workload in enumerate(workloads):
                match = [r for r in runs if r["workload"] == workload and r["name"] == name]
                if match and match[0].get(metric) is not None:
                    xs.append(w + (c - (len(contestants) - 1) / 2) * width)
                    ys.append(match[0][metric] / scale)
            axis.bar(xs, ys, width, label=name, color=colors[name])
        axis.set_xticks(range(len(workloads)))
        axis.set_xticklabels(
            [w[len(shape) + 1 :].replace("-acks", "\nacks=").replace("-", " ") for w in workloads], fontsize=8
        )
        unit = " (thousands)" if scale == 1e3 else ""
        axis.set_title(f"{shape.replace('-', ' × ')}: {title}{unit}")
        axis.grid(axis="y", alpha=0.3)

figure.suptitle(
    f"kafka-wire vs Java, librdkafka, kafkajs, @platformatic/kafka, @confluentinc/kafka-javascript — {report['startedAt']} UTC, "
    f"{report['machine']['cpu']}, Kafka {report['broker']} on the same machine",
    fontsize=12,
)
handles, labels = axes[0][0].get_legend_handles_labels()
# Five a row: with the Confluent client and the ceiling there are up to ten contestants.
figure.legend(handles, labels, loc="upper center", ncol=min(5, len(labels)), fontsize=10, bbox_to_anchor=(0.5, 0.965))
figure.tight_layout(rect=(0, 0, 1, 0.92))
figure.savefig(target, dpi=80)
