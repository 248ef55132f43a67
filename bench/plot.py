#!/usr/bin/python3
"""plot.py - time against rows for gxload and the references (bench/b20-scaling.sh).

    plot.py SCALING.tsv OUT.svg

SCALING.tsv has one line per method and size: method, rows, median wall seconds,
median peak RSS KB.  Draws each method's medians and its least-squares line.
Uses Debian's python3-matplotlib, without a display (Agg backend).
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NAMES = {
    "gxload": "gxload end to end (TSV -> partition with key, dims, meta)",
    "copy_pk": "psql \\copy of pre-melted CSV, key in place",
    "copy_nopk": "psql \\copy of pre-melted CSV, no key",
    "pandas_nopk": "pandas read_csv + melt + psycopg COPY, no key",
}
STYLE = {"gxload": "o-", "copy_pk": "s--", "copy_nopk": "^--", "pandas_nopk": "d:"}


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 64
    data = {}
    for line in open(argv[1]):
        f = line.rstrip("\n").split("\t")
        if len(f) >= 3:
            data.setdefault(f[0], []).append((int(f[1]) / 1e6, float(f[2])))
    fig, ax = plt.subplots(figsize=(8, 5))
    for m in ["pandas_nopk", "copy_pk", "copy_nopk", "gxload"]:
        if m not in data:
            continue
        pts = sorted(data[m])
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        n = len(xs)
        sx, sy = sum(xs), sum(ys)
        sxx = sum(x * x for x in xs)
        sxy = sum(x * y for x, y in zip(xs, ys))
        b = (n * sxy - sx * sy) / (n * sxx - sx * sx) if n > 1 else 0.0
        a = (sy - b * sx) / n
        ax.plot(xs, ys, STYLE[m], label="%s: %.2f s/M rows" % (NAMES[m], b))
    ax.set_xlabel("rows (millions of values)")
    ax.set_ylabel("wall time, s (median)")
    ax.set_title("Loading a study into PostgreSQL 15: time against rows (2 cores)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
