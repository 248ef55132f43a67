#!/usr/bin/python3
"""compare.py - gxload's analysis statistics against scipy and numpy, as TAP.

Run by tests/unit/test_analyze_scipy (which passes --driver, itself).  Generates data
with ties, missing values and constant genes, reads a real study's fixture
(tests/stats/fixtures/GSE71270_300.tsv: the first 300 genes of refine.bio's GSE71270,
10 zebrafish samples, 5 control and 5 CREB), runs the C driver on each input and checks
every statistic against scipy.stats / scipy.special / numpy to 1e-9 relative, BH
against a hand computation.  Each check prints the largest relative error it saw.
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from scipy import special, stats

REL = 1e-9
# r near 0 is a difference of sums: its absolute error is ~1e-16, so a relative test
# alone would fail on |r| < 1e-7 for reasons that are not errors.  p-values below 1e-300
# are at the edge of double range in both implementations.
ABS_R = 1e-14
ABS_P = 1e-300

tap_n = 0
tap_failed = 0


def ok(cond, name, diag=None):
    global tap_n, tap_failed
    tap_n += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (tap_n, name))
    if diag:
        for line in diag.splitlines():
            print("# " + line)
    if not cond:
        tap_failed += 1
    sys.stdout.flush()
    return cond


class Err:
    """largest relative error over a set of comparisons, and the first bad one"""

    def __init__(self, what):
        self.what = what
        self.max = 0.0
        self.max_abs = 0.0
        self.bad = []
        self.count = 0

    def add(self, got, want, floor, where):
        self.count += 1
        if isinstance(want, float) and math.isnan(want):
            if not math.isnan(got):
                self.bad.append("%s: got %r, want nan" % (where, got))
            return
        if math.isnan(got):
            self.bad.append("%s: got nan, want %r" % (where, want))
            return
        d = abs(got - want)
        rel = d / abs(want) if want != 0 else (0.0 if d == 0 else math.inf)
        self.max_abs = max(self.max_abs, d)
        if d > floor:
            self.max = max(self.max, rel)
        if d > REL * abs(want) + floor:
            self.bad.append("%s: got %.17g, want %.17g (rel %.3g)" % (where, got, want, rel))

    def check(self, name):
        ok(self.count > 0 and not self.bad,
           "%s: %d values, max relative error %.3g (beyond the floor), max absolute %.3g"
           % (name, self.count, self.max, self.max_abs), "\n".join(self.bad[:10]))


def run(driver, args, text):
    with tempfile.TemporaryDirectory() as d:
        i, o = os.path.join(d, "in"), os.path.join(d, "out")
        with open(i, "w") as f:
            f.write(text)
        subprocess.run([driver] + args + [i, o], check=True)
        with open(o) as f:
            return f.read()


def bh(p):
    """hand computation: sort, scale by m/j, running minimum from the top, cap 1"""
    p = np.asarray(p, dtype=float)
    q = np.full(p.shape, np.nan)
    idx = np.flatnonzero(~np.isnan(p))
    m = len(idx)
    if m == 0:
        return q
    order = idx[np.argsort(p[idx], kind="mergesort")]
    run_min = 1.0
    for j in range(m, 0, -1):
        v = p[order[j - 1]] * m / j
        run_min = min(run_min, v)
        q[order[j - 1]] = run_min
    return q


def fmt(x):
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else repr(float(x))


# ---------------------------------------------------------------- distributions

def check_dist(driver):
    lines, want, kinds = [], [], []
    # incomplete beta over small and large shapes, both sides of the mean
    for a in (0.5, 1.0, 2.5, 7.0, 30.0, 249.0, 5000.0):
        for b in (0.5, 1.0, 3.0, 12.0, 400.0):
            for x in (1e-6, 0.01, 0.2, 0.5, 0.8, 0.99, 0.999999):
                y = special.betainc(a, b, x)
                if y < 1e-300:
                    continue
                lines.append("betainc %r %r %r" % (a, b, x))
                want.append(y)
                kinds.append("betainc(%g,%g,%g)" % (a, b, x))
    # Student t, two-sided, integer and Welch-like degrees of freedom
    for df in (1, 2, 3, 4.5, 9, 17.3, 48, 120.7, 998, 10000, 123456.5):
        for t in (0.0, 1e-8, 0.05, 0.5, 1.3, 2.0, 3.7, 8.0, 25.0, 120.0):
            y = 2 * special.stdtr(df, -abs(t))
            lines.append("t %r %r" % (t, df))
            want.append(y)
            kinds.append("t=%g df=%g" % (t, df))
    # r over n pairs: scipy.stats.pearsonr's beta distribution
    for n in (3, 4, 5, 10, 40, 500, 5000):
        ab = n / 2 - 1
        for r in (0.0, 1e-9, 0.01, 0.2, 0.5, 0.77, 0.9, 0.99, 0.9999, -0.6):
            y = 2 * stats.beta(ab, ab, loc=-1, scale=2).sf(abs(r))
            if y < 1e-300:
                continue
            lines.append("r %r %r" % (r, n))
            want.append(y)
            kinds.append("r=%g n=%d" % (r, n))
    # dense over the large-df regime (the asymptotic expansion's): df 30 .. 2e6, p from
    # about 1 down to 1e-300, against the incomplete beta and scipy's t
    for df in np.geomspace(30, 2e6, 23):
        for t in np.concatenate([np.geomspace(1e-6, 30, 30), [0.3 * math.sqrt(df), math.sqrt(df)]]):
            y = 2 * special.stdtr(df, -abs(t))
            if y < 1e-300:
                continue
            lines.append("t %r %r" % (float(t), float(df)))
            want.append(y)
            kinds.append("t=%g df=%g" % (t, df))
        for r in np.geomspace(1e-7, 0.999, 25):
            # through t (spearmanr's form): betainc(df/2, 1/2, 1 - r^2) would be handed
            # 1 - r^2 rounded, which for r = 1e-7 is off by 1% in r^2 and by 2e-9 in p
            n = df + 2
            y = 2 * special.stdtr(df, -r * math.sqrt(df / ((1 - r) * (1 + r))))
            if y < 1e-300:
                continue
            lines.append("r %r %r" % (float(r), float(n)))
            want.append(y)
            kinds.append("r=%g n=%g" % (r, n))
    for z in (-8.0, -2.0, -0.3, 0.0, 0.4, 1.96, 5.0, 12.0, 30.0):
        lines.append("z %r" % z)
        want.append(stats.norm.sf(z))
        kinds.append("z=%g" % z)
    # exact Mann-Whitney, through scipy's own distribution object
    from scipy.stats._mannwhitneyu import _mwu_state
    for m, n in ((1, 1), (1, 5), (2, 3), (3, 3), (4, 7), (5, 5), (8, 8), (3, 40), (8, 60), (6, 150)):
        for u in sorted({0, 1, m * n // 4, m * n // 2, (m * n + 1) // 2, 3 * m * n // 4, m * n}):
            U = max(u, m * n - u)
            y = min(1.0, 2 * float(_mwu_state.sf(np.asarray(U), m, n)))
            lines.append("mwu %d %d %d" % (m, n, u))
            want.append(y)
            kinds.append("mwu m=%d n=%d u=%d" % (m, n, u))
    got = [float(x) for x in run(driver, ["dist"], "\n".join(lines) + "\n").split()]
    ok(len(got) == len(want), "dist: one value per query")
    for prefix in ("betainc", "t=", "r=", "z=", "mwu"):
        e = Err(prefix)
        for g, w, k in zip(got, want, kinds):
            if k.startswith(prefix):
                e.add(g, w, ABS_P, k)
        e.check("distribution %s" % prefix.rstrip("="))


# ---------------------------------------------------------------- BH

def check_bh(driver):
    rng = np.random.default_rng(14)
    p = rng.uniform(size=2000) ** 3
    p[::7] = p[3]             # ties
    p[::11] = np.nan          # untested
    p[5] = 0.0
    p[6] = 1.0
    got = np.array([float(x) for x in run(driver, ["bh"], "\n".join(fmt(x) for x in p) + "\n").split()])
    want = bh(p)
    e = Err("bh")
    for i in range(len(p)):
        e.add(got[i], want[i], 0.0, "p[%d]=%r" % (i, p[i]))
    e.check("BH q-values against the hand computation (ties, NaN)")
    # and against R's well-known example (p.adjust(c(0.01,0.02,0.03,0.04,0.05), "BH"))
    got = [float(x) for x in run(driver, ["bh"], "0.01\n0.02\n0.03\n0.04\n0.05\n").split()]
    ok(all(abs(g - 0.05) < 1e-15 for g in got), "BH: five evenly spaced p-values all get 0.05")


# ---------------------------------------------------------------- differential

def diff_reference(a, b):
    a = np.asarray([x for x in a if np.isfinite(x)])
    b = np.asarray([x for x in b if np.isfinite(x)])
    r = {"n_a": len(a), "n_b": len(b)}
    r["mean_a"] = a.mean() if len(a) else math.nan
    r["mean_b"] = b.mean() if len(b) else math.nan
    r["diff"] = r["mean_a"] - r["mean_b"]
    r["t"] = r["df"] = r["p_welch"] = math.nan
    if len(a) >= 2 and len(b) >= 2:
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        if va + vb > 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t = stats.ttest_ind(a, b, equal_var=False)
            r["t"], r["p_welch"] = float(t.statistic), float(t.pvalue)
            r["df"] = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    r["u"] = r["p_u"] = math.nan
    r["exact"] = None
    if len(a) and len(b):
        res = stats.mannwhitneyu(a, b, alternative="two-sided", method="auto")
        r["u"], r["p_u"] = float(res.statistic), float(res.pvalue)
        ties = len(np.unique(np.concatenate([a, b]))) < len(a) + len(b)
        r["exact"] = int(not (len(a) > 8 and len(b) > 8) and not ties)
    return r


def check_diff(driver, genes, name):
    text = ""
    for a, b in genes:
        text += " ".join(fmt(x) for x in a) + "\n" + " ".join(fmt(x) for x in b) + "\n"
    rows = [l.split() for l in run(driver, ["diff"], text).splitlines()]
    ok(len(rows) == len(genes), "%s: one row per gene" % name)
    refs = [diff_reference(a, b) for a, b in genes]
    qw = bh([r["p_welch"] for r in refs])
    qu = bh([r["p_u"] for r in refs])
    errs = {k: Err(k) for k in ("n", "mean", "welch_t", "welch_df", "welch_p", "welch_q",
                                "u", "u_p", "u_q", "method")}
    for i, (row, ref) in enumerate(zip(rows, refs)):
        g = [float(x) for x in row]
        w = "gene %d" % i
        errs["n"].add(g[0], float(ref["n_a"]), 0, w)
        errs["n"].add(g[1], float(ref["n_b"]), 0, w)
        errs["mean"].add(g[2], ref["mean_a"], 0, w)
        errs["mean"].add(g[3], ref["mean_b"], 0, w)
        errs["mean"].add(g[4], ref["diff"], 1e-15, w)
        errs["welch_t"].add(g[5], ref["t"], 1e-13, w)
        errs["welch_df"].add(g[6], ref["df"], 0, w)
        errs["welch_p"].add(g[7], ref["p_welch"], ABS_P, w)
        errs["welch_q"].add(g[8], qw[i], ABS_P, w)
        errs["u"].add(g[9], ref["u"], 0, w)
        errs["u_p"].add(g[10], ref["p_u"], ABS_P, w)
        errs["u_q"].add(g[11], qu[i], ABS_P, w)
        if ref["exact"] is not None:
            errs["method"].add(g[12], float(ref["exact"]), 0, w)
    for k, e in errs.items():
        e.check("%s: %s" % (name, k))
    return rows


def synthetic_diff_genes():
    rng = np.random.default_rng(71270)
    genes = []
    for na, nb in ((12, 15), (30, 9), (40, 60), (5, 7), (3, 8), (8, 8), (2, 20), (6, 150),
                   (4, 4), (1, 10), (9, 9), (200, 300)):
        for shift in (0.0, 0.4, 1.5, 4.0):
            a = rng.normal(7 + shift, 1.0, na)
            b = rng.normal(7, 1.3, nb)
            genes.append((a, b))
            genes.append((np.round(a, 1), np.round(b, 1)))        # ties
            a2, b2 = a.copy(), b.copy()
            a2[rng.uniform(size=na) < 0.15] = np.nan                # missing values
            b2[rng.uniform(size=nb) < 0.15] = np.nan
            genes.append((a2, b2))
    genes.append((np.full(6, 3.0), np.full(7, 3.0)))   # all tied, both constant
    genes.append((np.full(6, 3.0), np.full(7, 5.0)))   # both constant, different means
    genes.append((np.full(6, 3.0), rng.normal(3, 1, 7)))  # one constant
    genes.append(([], rng.normal(3, 1, 7)))            # an empty cohort
    genes.append(([np.nan, np.nan], [1.0, 2.0, 3.0]))  # empty after dropping
    genes.append(([1.0, 2.0], [3.0]))                  # too few for Welch, U exact
    return genes


# ---------------------------------------------------------------- correlation

def corr_reference(X, method, min_n=3):
    """every pair: (n, r, p) from scipy.stats.pearsonr / spearmanr on the complete pairs;
    None where r is undefined"""
    G = X.shape[0]
    fn = stats.pearsonr if method == "pearson" else stats.spearmanr
    res = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(G):
            for j in range(i + 1, G):
                m = np.isfinite(X[i]) & np.isfinite(X[j])
                x, y = X[i][m], X[j][m]
                n = int(m.sum())
                if n < min_n or np.all(x == x[0]) or np.all(y == y[0]):
                    continue
                r = fn(x, y)
                res[(i, j)] = (n, float(r[0]), float(r[1]))
    return res


def corr_reference_fast(X, method):
    """complete data only, vectorized: r from numpy.corrcoef (of ranks for Spearman),
    p from scipy's t distribution; used for the BH reference on larger inputs"""
    G, n = X.shape
    Y = np.apply_along_axis(stats.rankdata, 1, X) if method == "spearman" else X
    const = np.array([np.all(row == row[0]) for row in X])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        R = np.corrcoef(Y)
    iu = np.triu_indices(G, 1)
    r = np.clip(R[iu], -1, 1)
    ok_ = ~(const[iu[0]] | const[iu[1]])
    t = r * np.sqrt((n - 2) / ((1 + r) * (1 - r)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = 2 * special.stdtr(n - 2, -np.abs(t))
    p[np.abs(r) == 1] = 0.0
    return iu, r, p, ok_


def parse_corr(out):
    stats_line, pairs = None, []
    for line in out.splitlines():
        if line.startswith("# stats"):
            stats_line = dict(kv.split("=") for kv in line[len("# stats "):].split())
        elif line.startswith("# error"):
            stats_line = {"error": line}
        else:
            f = line.split()
            pairs.append((int(f[0]), int(f[1]), int(f[2]), float(f[3]), float(f[4]), float(f[5])))
    return stats_line, pairs


def expected_kept(ref_items, top_k, min_r):
    """top K by |r| (ties by (i, j)) plus every |r| >= min_r"""
    order = sorted(ref_items, key=lambda kv: (-abs(kv[1][1]), kv[0]))
    return order[:top_k] + [kv for kv in order[top_k:] if abs(kv[1][1]) >= min_r]


def check_corr(driver, X, method, top_k, min_r, budget, exact_cap, name, ref=None,
               want_passes=None, want_blocks=False):
    G, N = X.shape
    text = "%d %d\n" % (G, N) + "".join(" ".join(fmt(v) for v in row) + "\n" for row in X)
    st, pairs = parse_corr(run(driver, ["corr", method, str(top_k), repr(min_r), str(budget),
                                        str(exact_cap)], text))
    if not ok(st is not None and "error" not in st, "%s: ran (%s)" % (name, st)):
        return
    if ref is None:
        ref = corr_reference(X, method)
    m = len(ref)
    keys = list(ref.keys())
    q_all = bh([ref[k][2] for k in keys])
    qmap = dict(zip(keys, q_all))
    ok(int(st["m"]) == m, "%s: m = %d pairs with a defined r (got %s)" % (name, m, st["m"]))
    ok(int(st["peak"]) <= budget, "%s: peak %s bytes within the budget %d" % (name, st["peak"], budget))
    if want_passes is not None:
        ok(int(st["passes"]) == want_passes, "%s: %d sweep(s) computed r (got %s)" % (name, want_passes, st["passes"]))
    if want_blocks:
        ok(int(st["block"]) < G, "%s: more than one block (%s genes each)" % (name, st["block"]))
    # p is a steep function of r near |r| = 1 (1 - r^2 is all that is left of it), so the
    # p- and q-values are compared at gxload's r: scipy's formula for p (pearsonr's beta
    # distribution, spearmanr's t) evaluated there, and BH over every pair with those p;
    # r itself is compared with scipy's r above
    def p_at(r, n):
        if method == "pearson":
            # pearsonr's 2 beta(n/2-1, n/2-1, loc=-1, scale=2).sf(|r|) in its unscaled
            # form: (1 + r) / 2 rounds to 1 for |r| within 1e-16 of 1 and gives p = 0
            a = abs(r)
            return float(special.betainc((n - 2) / 2, 0.5, (1 - a) * (1 + a)))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.float64(r)
            t = r * np.sqrt((n - 2) / ((r + 1.0) * (1.0 - r)))
        return float(2 * special.stdtr(n - 2, -abs(t)))
    at = {(p[0], p[1]): p_at(p[3], p[2]) for p in pairs if (p[0], p[1]) in ref}
    q_all = bh([at.get(k, ref[k][2]) for k in keys])
    qmap = dict(zip(keys, q_all))
    exp = expected_kept(list(ref.items()), top_k, min_r)
    got_keys = [(p[0], p[1]) for p in pairs]
    # the kept set may differ only by swaps at the boundary, within rounding of |r|
    exp_set, got_set = set(k for k, _ in exp), set(got_keys)
    boundary = min((abs(v[1]) for _, v in exp), default=1.0)
    odd = [k for k in exp_set ^ got_set if k in ref and abs(abs(ref[k][1]) - boundary) > 1e-12]
    ok(len(pairs) == len(exp) and not odd and len(got_set) == len(got_keys),
       "%s: kept %d pairs, the top %d by |r| and |r| >= %g" % (name, len(exp), top_k, min_r),
       "got %d, differing pairs %s" % (len(pairs), odd[:5]))
    absr = [abs(p[3]) for p in pairs]
    ok(all(absr[i] >= absr[i + 1] for i in range(len(absr) - 1)),
       "%s: streamed in order of |r|" % name)
    er, ep, eq, en = Err("r"), Err("p at r"), Err("q"), Err("n")
    for (i, j, n, r, p, q) in pairs:
        if (i, j) not in ref:
            er.bad.append("pair %d,%d is not defined in scipy" % (i, j))
            continue
        rn, rr, rp = ref[(i, j)]
        w = "pair %d,%d" % (i, j)
        en.add(float(n), float(rn), 0, w)
        er.add(r, rr, ABS_R, w)
        ep.add(p, at[(i, j)], ABS_P, w)
        eq.add(q, qmap[(i, j)], ABS_P, w)
    for e in (en, er, ep, eq):
        e.check("%s: %s" % (name, e.what))


def synthetic_matrix(G, N, seed, missing=True):
    rng = np.random.default_rng(seed)
    k = 4
    load = rng.normal(0, 1, (G, k)) * (rng.uniform(size=(G, 1)) < 0.6)
    X = load @ rng.normal(0, 1, (k, N)) + rng.normal(0, 1, (G, N)) + 8
    X[1] = np.round(X[1])                      # heavy ties
    X[2] = np.round(X[2] * 2) / 2
    X[4] = 6.25                                # constant genes
    X[9] = -1.5
    X[10] = X[11] * 2 + 1                      # |r| = 1 exactly (up to rounding)
    if missing:
        for g in (3, 5, 12, 20, 33):
            X[g][rng.uniform(size=N) < 0.2] = np.nan
        X[7][:] = np.nan
        X[7][:2] = (1.0, 2.0)                  # too few values: untested
        X[15][rng.uniform(size=N) < 0.5] = np.nan
        X[15][np.isfinite(X[15])] = 4.0        # constant where present
    return X


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    driver = os.path.abspath(ap.parse_args().driver)
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    check_dist(driver)
    check_bh(driver)
    check_diff(driver, synthetic_diff_genes(), "diff synthetic")

    # the real study: CREB (A) against control (B), every gene of the fixture
    fx = os.path.join(top, "stats", "fixtures")
    with open(os.path.join(fx, "GSE71270_300.tsv")) as f:
        head = f.readline().rstrip("\n").split("\t")[1:]
        X = np.array([[float(v) for v in l.rstrip("\n").split("\t")[1:]] for l in f])
    groups = dict(l.rstrip("\n").split("\t") for l in open(os.path.join(fx, "GSE71270_groups.tsv")).readlines()[1:])
    ia = [i for i, s in enumerate(head) if groups[s] != "control"]
    ib = [i for i, s in enumerate(head) if groups[s] == "control"]
    rows = check_diff(driver, [(X[g, ia], X[g, ib]) for g in range(X.shape[0])], "diff GSE71270")
    ok(any(r[12] == "1" for r in rows) and any(r[12] == "0" for r in rows),
       "diff GSE71270: both the exact and the tie-corrected normal path were taken")

    # correlation: synthetic, both methods, one block and many, exact store full and cut
    S = synthetic_matrix(60, 40, 1)
    for method in ("pearson", "spearman"):
        ref = corr_reference(S, method)
        check_corr(driver, S, method, 50, 0.6, 64 << 20, 0, "corr %s synthetic" % method, ref,
                   want_passes=1)
        check_corr(driver, S, method, 50, 0.6, 60000, 0,
                   "corr %s synthetic, small blocks" % method, ref, want_blocks=True)
        check_corr(driver, S, method, 50, 0.6, 64 << 20, 40,
                   "corr %s synthetic, exact store of 40" % method, ref, want_passes=2)
        check_corr(driver, S, method, 3, 1.1, 60000, 7,
                   "corr %s synthetic, top 3, small blocks, exact store of 7" % method, ref)
    # BH past the exact store, many ways: seeds, pure noise and structure, missing values,
    # small stores and few bins (small budgets); every kept q against the hand BH
    for method in ("pearson", "spearman"):
        e = Err("q")
        runs = two = 0
        for seed in range(6):
            rng = np.random.default_rng(100 + seed)
            M = rng.normal(0, 1, (40, 12))
            if seed % 2:
                M += np.outer(rng.normal(0, 1, 40), rng.normal(0, 1, 12))
            M[3][rng.uniform(size=12) < 0.3] = np.nan
            if seed % 3 == 0:
                M[8][rng.uniform(size=12) < 0.3] = np.nan
                M[9] = np.round(M[9])
            ref = corr_reference(M, method)
            keys = list(ref)
            for cap, budget, top in ((5, 1 << 20, 30), (20, 60000, 10), (100, 1 << 20, 200), (1, 1 << 20, 5)):
                G, N = M.shape
                text = "%d %d\n" % (G, N) + "".join(" ".join(fmt(v) for v in row) + "\n" for row in M)
                st, pairs = parse_corr(run(driver, ["corr", method, str(top), "1.1", str(budget), str(cap)], text))
                runs += 1
                if "error" in st:
                    e.bad.append("seed %d cap %d: %s" % (seed, cap, st["error"]))
                    continue
                two += st["passes"] == "2"
                at = {}
                for (i, j, n, r, p, q) in pairs:
                    a = abs(r)
                    at[(i, j)] = (float(special.betainc((n - 2) / 2, 0.5, (1 - a) * (1 + a)))
                                  if method == "pearson" else
                                  float(2 * special.stdtr(n - 2, -abs(np.float64(r) * np.sqrt((n - 2) / ((1 + np.float64(r)) * (1 - np.float64(r))))))))
                qs = dict(zip(keys, bh([at.get(k, ref[k][2]) for k in keys])))
                if len(pairs) != min(top, len(ref)):
                    e.bad.append("seed %d cap %d: %d pairs kept" % (seed, cap, len(pairs)))
                for (i, j, n, r, p, q) in pairs:
                    e.add(q, qs[(i, j)], ABS_P, "seed %d cap %d pair %d,%d" % (seed, cap, i, j))
        e.check("corr %s: BH past the exact store, %d runs (%d with a second sweep)" % (method, runs, two))
        ok(two > 0, "corr %s: the second sweep was exercised" % method)

    # complete data with a strong structure: the large-m path on the fast path alone
    C = synthetic_matrix(120, 30, 2, missing=False)
    ref = corr_reference(C, "pearson")
    check_corr(driver, C, "pearson", 20, 0.95, 64 << 20, 100, "corr pearson complete, exact store of 100", ref)
    # the real study, 300 genes x 10 samples (ties from quantile normalization)
    for method in ("pearson", "spearman"):
        iu, r, p, defined = corr_reference_fast(X, method)
        ref = {}
        for k in np.flatnonzero(defined):
            ref[(int(iu[0][k]), int(iu[1][k]))] = (X.shape[1], float(r[k]), float(p[k]))
        # the vectorized reference agrees with scipy's own functions on a sample of pairs
        fn = stats.pearsonr if method == "pearson" else stats.spearmanr
        e = Err("ref")
        for (i, j) in list(ref)[::97]:
            rr = fn(X[i], X[j])
            e.add(ref[(i, j)][1], float(rr[0]), ABS_R, "r %d,%d" % (i, j))
            e.add(ref[(i, j)][2], float(rr[1]), ABS_P, "p %d,%d" % (i, j))
        e.check("GSE71270 %s: vectorized reference = scipy.stats on sampled pairs" % method)
        check_corr(driver, X, method, 200, 0.97, 64 << 20, 0, "corr %s GSE71270" % method, ref)
        check_corr(driver, X, method, 200, 0.97, 2 << 20, 2000,
                   "corr %s GSE71270, exact store of 2000" % method, ref)

    print("1..%d" % tap_n)
    return 1 if tap_failed else 0


if __name__ == "__main__":
    sys.exit(main())
