#!/usr/bin/python3
"""corr_numpy.py - the numpy side of bench/b70-corr.sh.

  corr_numpy.py --write FILE GENES SAMPLES   write the bench matrix (float64, gene-major)
  corr_numpy.py FILE GENES SAMPLES [--top K] time numpy.corrcoef on it, then top K by |r|

The matrix has a few shared factors (as corr_bench's synthetic source) so that some
pairs correlate.  Prints one key=value line: corrcoef's seconds, the seconds of the
top-K selection after it, the peak RSS, and the BLAS library numpy's process mapped (so
the bench can show that numpy and gxload run on the same OpenBLAS).
"""
import resource
import sys
import time

import numpy as np


def blas_in_use():
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "blas" in path:
                libs.add(path)
    return ",".join(sorted(libs)) or "none"


def main():
    args = sys.argv[1:]
    if args[0] == "--write":
        path, G, N = args[1], int(args[2]), int(args[3])
        rng = np.random.default_rng(20000)
        F = rng.standard_normal((3, N))
        W = rng.standard_normal(G) * (np.arange(G) % 4 == 0)
        X = 8 + rng.standard_normal((G, N)) + W[:, None] * F[np.arange(G) % 3]
        X.tofile(path)
        return 0
    path, G, N = args[0], int(args[1]), int(args[2])
    top = int(args[args.index("--top") + 1]) if "--top" in args else 1000
    X = np.fromfile(path, dtype=np.float64).reshape(G, N)
    t0 = time.perf_counter()
    R = np.corrcoef(X)
    t1 = time.perf_counter()
    iu = np.triu_indices(G, 1)
    a = np.abs(R[iu])
    k = np.argpartition(-a, top)[:top]
    k = k[np.argsort(-a[k])]
    t2 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("numpy genes=%d samples=%d corrcoef_seconds=%.3f topk_seconds=%.3f maxrss_mb=%.1f "
          "top_r=%.6f blas=%s" % (G, N, t1 - t0, t2 - t1, rss, a[k[0]], blas_in_use()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
