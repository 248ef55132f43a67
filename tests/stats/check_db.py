#!/usr/bin/python3
"""check_db.py - what gxload stored against scipy and numpy, for the integration tests.

The statistics gxload wrote (fact_gene_pair_stats, fact_cohort_differential,
fact_cohort_gene_stats, fact_feature_values, dumped by the test with the real client)
are checked against scipy.stats / numpy computed from the input matrix file itself, to
1e-9 relative (the tolerances and conventions of tests/stats/compare.py, whose reference
functions this reuses); BH against a hand computation.  One result per line, for the
shell test to report:  "ok<TAB>name"  or  "not ok<TAB>name<TAB>why".

  check_db.py gen DIR ACC --genes G --samples N --seed S [--counts] [--na-share F]
  check_db.py pairs    --matrix F --cohorts F --rows F --method M --top K --min-r R
  check_db.py diff     --matrix F --cohorts F --rows F --compare A:B [--compare ...]
  check_db.py cohorts  --matrix F --cohorts F --rows F
  check_db.py features --matrix F --rows F --feature NAME=DEFINITION ...
Common: --na TOKEN (missing cells), --scale log2|linear (linear: log2(value + 1)),
--genes F (only these genes).  --cohorts F: "sample<TAB>cohort" lines.  --rows F: the
rows as the test dumped them, '|'-separated, '' for NULL.
"""
import argparse
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (reference functions and error bookkeeping)

results = []


def result(cond, name, why=""):
    line = ("ok\t%s" if cond else "not ok\t%s\t" + why.replace("\n", " | ")[:2000]) % name
    print(line)
    sys.stdout.flush()
    return cond


def _ok(cond, name, diag=None):  # compare.Err.check reports through this
    return result(cond, name, diag or "")


compare.ok = _ok
Err = compare.Err


def read_matrix(path, na, scale):
    """genes (sorted bytewise), samples (sorted bytewise), log2 values G x N (NaN missing)"""
    with open(path, encoding="utf-8") as f:
        head = f.readline().rstrip("\r\n").split("\t")[1:]
        rows = {}
        for line in f:
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) < 2:
                continue
            vals = []
            for t in fields[1:]:
                if na is not None and t == na:
                    vals.append(math.nan)
                    continue
                v = float(t)
                if scale == "linear":
                    v = math.log2(v + 1.0) if v >= 0 else math.nan
                vals.append(v)
            rows[fields[0]] = vals
    genes = sorted(rows, key=lambda s: s.encode())
    order = sorted(range(len(head)), key=lambda i: head[i].encode())
    samples = [head[i] for i in order]
    X = np.array([[rows[g][i] for i in order] for g in genes], dtype=float)
    return genes, samples, X


def read_cohorts(path):
    out = {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\r\n")
        if line:
            s, c = line.split("\t")
            out[s] = c
    return out


def read_rows(path):
    return [l.rstrip("\r\n").split("|") for l in open(path, encoding="utf-8") if l.strip()]


def num(t):
    return math.nan if t == "" else float(t)


def cohort_matrices(genes, samples, X, cohorts):
    """label -> (X of the cohort's samples, by accession)"""
    out = {}
    for label in sorted(set(cohorts.values()), key=lambda s: s.encode()):
        idx = [i for i, s in enumerate(samples) if cohorts.get(s) == label]
        out[label] = X[:, idx]
    return out


def keep_genes(genes, X, path):
    if not path:
        return genes, X
    want = set(l.strip() for l in open(path) if l.strip() and not l.startswith("#"))
    idx = [i for i, g in enumerate(genes) if g in want]
    return [genes[i] for i in idx], X[idx]


# ---------------------------------------------------------------- generated studies

def gen(a):
    rng = np.random.default_rng(a.seed)
    G, N = a.genes, a.samples
    genes = ["ENSG9%010d" % (i * 7 + 3) for i in range(G)]
    rng.shuffle(genes)                       # file order is not id order
    samples = ["GSM9%05d" % (i * 3 + 11) for i in range(N)]
    rng.shuffle(samples)
    illness = ["healthy", "septic shock", "sepsis"]
    cells = ["T cell", "B cell", "NK cell"]
    if a.counts:
        lam = rng.gamma(0.6, 2.0, G)
        X = rng.poisson(np.outer(lam, rng.uniform(0.3, 1.5, N))).astype(float)
        X[rng.uniform(size=(G, N)) < 0.5] = 0.0
        X[0] = 0.0                          # a gene that is never expressed
        X[1] = 0.0
        X[1][::7] = 3.0                     # mostly zeros
        text = lambda v: "%d" % v
    else:
        k = 3
        load = rng.normal(0, 1, (G, k)) * (rng.uniform(size=(G, 1)) < 0.6)
        X = 8 + load @ rng.normal(0, 1, (k, N)) + rng.normal(0, 1, (G, N))
        X = np.round(X, 6)
        X[1] = np.round(X[1])               # heavy ties
        X[2] = np.round(X[2] * 2) / 2
        X[4] = 6.25                         # constant genes
        X[9] = -1.5
        X[10] = np.round(X[11] * 2 + 1, 6)  # |r| = 1
        for g in (3, 5, 12):
            X[g][rng.uniform(size=N) < a.na_share] = np.nan
        text = lambda v: "NA" if math.isnan(v) else repr(float(v))
    os.makedirs(a.dir, exist_ok=True)
    with open(os.path.join(a.dir, a.acc + ".tsv"), "w") as f:
        f.write("Gene\t" + "\t".join(samples) + "\n")
        for g in range(G):
            f.write(genes[g] + "\t" + "\t".join(text(v) for v in X[g]) + "\n")
    with open(os.path.join(a.dir, "metadata_" + a.acc + ".tsv"), "w") as f:
        f.write("refinebio_accession_code\trefinebio_title\trefinebio_disease\tcell_type\n")
        for i, s in enumerate(samples):
            f.write("%s\tsample %d\t%s\t%s\n" % (s, i, illness[i % 3] if i % 5 else "healthy",
                                                cells[(0, 0, 1, 2)[i % 4]]))


# ---------------------------------------------------------------- pairs

def fast_reference(M, method):
    """every pair of a complete matrix: numpy.corrcoef and scipy's t, as compare.py's
    corr_reference_fast; checked against scipy.stats on every 37th pair"""
    iu, r, p, defined = compare.corr_reference_fast(M, method)
    fn = compare.stats.pearsonr if method == "pearson" else compare.stats.spearmanr
    ref = {}
    for k in np.flatnonzero(defined):
        i, j = int(iu[0][k]), int(iu[1][k])
        if abs(r[k]) > 1 - 1e-9:  # p is too steep here for the vectorized r: scipy's own
            rr = fn(M[i], M[j])
            ref[(i, j)] = (M.shape[1], float(rr[0]), float(rr[1]))
        else:
            ref[(i, j)] = (M.shape[1], float(r[k]), float(p[k]))
    e = Err("reference")
    for (i, j) in list(ref)[::37]:
        rr = fn(M[i], M[j])
        e.add(ref[(i, j)][1], float(rr[0]), compare.ABS_R, "r %d,%d" % (i, j))
        e.add(ref[(i, j)][2], float(rr[1]), compare.ABS_P, "p %d,%d" % (i, j))
    if e.bad:
        e.check("the vectorized reference equals scipy.stats")
    return ref


def check_pairs(a):
    genes, samples, X = read_matrix(a.matrix, a.na, a.scale)
    genes, X = keep_genes(genes, X, a.genes)
    cohorts = read_cohorts(a.cohorts)
    rows = read_rows(a.rows)
    by = {}
    for r in rows:
        by.setdefault(r[0], []).append(r)
    mats = cohort_matrices(genes, samples, X, cohorts)
    gi = {g: i for i, g in enumerate(genes)}
    checked = 0
    for label, M in mats.items():
        if np.all(np.isfinite(M)):  # complete: vectorized, checked against scipy below
            ref = fast_reference(M, a.method)
        else:
            ref = compare.corr_reference(M, a.method)
        got = by.get(label, [])
        name = "%s %s cohort '%s' (%d genes x %d samples)" % (a.name, a.method, label, M.shape[0],
                                                             M.shape[1])
        if not ref:
            result(not got, "%s: no pair has a defined r, none stored" % name,
                   "%d rows stored" % len(got))
            continue
        checked += 1
        keys = list(ref)
        exp = compare.expected_kept(list(ref.items()), a.top, a.min_r)
        pairs = []
        for r in got:
            pairs.append((gi[r[1]], gi[r[2]], int(r[3]), num(r[4]), num(r[5]), num(r[6]),
                          int(r[7]), int(r[8])))
        result(all(p[7] == len(ref) for p in pairs),
               "%s: n_tested = BH's m = %d pairs with a defined r" % (name, len(ref)),
               str(sorted(set(p[7] for p in pairs))))
        exp_set, got_set = set(k for k, _ in exp), set((p[0], p[1]) for p in pairs)
        boundary = min((abs(v[1]) for _, v in exp), default=1.0)
        # at the K-th |r| and at the threshold, equal |r| are decided by rounding
        odd = [k for k in exp_set ^ got_set if k in ref and abs(abs(ref[k][1]) - boundary) > 1e-12
               and abs(abs(ref[k][1]) - a.min_r) > 1e-12]
        result(not odd and len(got_set) == len(pairs) and
               (len(pairs) == len(exp) or len(exp_set ^ got_set) > 0),
               "%s: kept the %d pairs of the top %d by |r| and |r| >= %g" % (name, len(exp), a.top,
                                                                           a.min_r),
               "got %d, differing %s" % (len(pairs), odd[:5]))
        ranks = sorted(pairs, key=lambda p: p[6])
        result([p[6] for p in ranks] == list(range(1, len(ranks) + 1)) and
               all(abs(ranks[i][3]) >= abs(ranks[i + 1][3]) for i in range(len(ranks) - 1)),
               "%s: pair_rank 1.. in order of |r|" % name)
        result(all(p[0] < p[1] for p in pairs), "%s: gene_a's id sorts before gene_b's" % name)

        def p_at(r, n):  # scipy's formula at gxload's r (tests/stats/compare.py says why)
            if a.method == "pearson":
                x = abs(r)
                return float(compare.special.betainc((n - 2) / 2, 0.5, (1 - x) * (1 + x)))
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.float64(r)
                t = r * np.sqrt((n - 2) / ((r + 1.0) * (1.0 - r)))
            return float(2 * compare.special.stdtr(n - 2, -abs(t)))
        at = {(p[0], p[1]): p_at(p[3], p[2]) for p in pairs if (p[0], p[1]) in ref}
        qmap = dict(zip(keys, compare.bh([at.get(k, ref[k][2]) for k in keys])))
        en, er, ep, eq = Err("n"), Err("r"), Err("p at r"), Err("q (BH by hand)")
        for p in pairs:
            k = (p[0], p[1])
            if k not in ref:
                er.bad.append("pair %s,%s has no defined r in scipy" % (genes[k[0]], genes[k[1]]))
                continue
            w = "%s,%s" % (genes[k[0]], genes[k[1]])
            en.add(float(p[2]), float(ref[k][0]), 0, w)
            er.add(p[3], ref[k][1], compare.ABS_R, w)
            ep.add(p[4], at[k], compare.ABS_P, w)
            eq.add(p[5], qmap[k], compare.ABS_P, w)
        for e in (en, er, ep, eq):
            e.check("%s: %s" % (name, e.what))
    extra = set(by) - set(mats)
    result(not extra and checked > 0, "%s %s: rows only of the study's cohorts, %d checked"
           % (a.name, a.method, checked), "unknown cohorts %s" % sorted(extra))


# ---------------------------------------------------------------- differential

def check_diff(a):
    genes, samples, X = read_matrix(a.matrix, a.na, a.scale)
    genes, X = keep_genes(genes, X, a.genes)
    mats = cohort_matrices(genes, samples, X, read_cohorts(a.cohorts))
    rows = read_rows(a.rows)
    pairs_seen = set()
    for spec in a.compare:
        ca, cb = spec.split(":")
        A, B = mats[ca], mats[cb]
        name = "%s %s against %s (%d and %d samples)" % (a.name, ca, cb, A.shape[1], B.shape[1])
        got = {r[2]: r for r in rows if r[0] == ca and r[1] == cb}
        pairs_seen.add((ca, cb))
        refs = [compare.diff_reference(A[g], B[g]) for g in range(len(genes))]
        keep = [g for g in range(len(genes)) if refs[g]["n_a"] + refs[g]["n_b"] > 0]
        result(sorted(got) == sorted(genes[g] for g in keep),
               "%s: one row per gene with a value (%d)" % (name, len(keep)),
               "got %d rows" % len(got))
        qw = compare.bh([refs[g]["p_welch"] for g in keep])
        qu = compare.bh([refs[g]["p_u"] for g in keep])
        errs = {k: Err(k) for k in ("n", "mean", "mean_diff", "welch_t", "welch_df", "welch_p",
                                    "welch_q (BH by hand)", "u", "u_p", "u_q (BH by hand)",
                                    "method")}
        exact = normal = 0
        for k, g in enumerate(keep):
            r, ref, w = got.get(genes[g]), refs[g], genes[g]
            if r is None:
                continue
            errs["n"].add(num(r[3]), float(ref["n_a"]), 0, w)
            errs["n"].add(num(r[4]), float(ref["n_b"]), 0, w)
            errs["mean"].add(num(r[5]), ref["mean_a"], 0, w)
            errs["mean"].add(num(r[6]), ref["mean_b"], 0, w)
            errs["mean_diff"].add(num(r[7]), ref["diff"], 1e-15, w)
            errs["welch_t"].add(num(r[8]), ref["t"], 1e-13, w)
            errs["welch_df"].add(num(r[9]), ref["df"], 0, w)
            errs["welch_p"].add(num(r[10]), ref["p_welch"], compare.ABS_P, w)
            errs["welch_q (BH by hand)"].add(num(r[11]), qw[k], compare.ABS_P, w)
            errs["u"].add(num(r[12]), ref["u"], 0, w)
            errs["u_p"].add(num(r[13]), ref["p_u"], compare.ABS_P, w)
            errs["u_q (BH by hand)"].add(num(r[14]), qu[k], compare.ABS_P, w)
            if ref["exact"] is not None:
                errs["method"].add(num(r[15]), float(ref["exact"]), 0, w)
                exact += ref["exact"] == 1
                normal += ref["exact"] == 0
        for k, e in errs.items():
            e.check("%s: %s" % (name, k))
        if a.both_paths:
            result(exact > 0 and normal > 0, "%s: exact U (%d genes) and normal approximation "
                   "(%d genes) both taken" % (name, exact, normal))
    extra = set((r[0], r[1]) for r in rows) - pairs_seen
    result(not extra, "%s: no other comparison stored" % a.name, str(sorted(extra)))


# ---------------------------------------------------------------- cohort statistics

def check_cohorts(a):
    genes, samples, X = read_matrix(a.matrix, a.na, a.scale)
    mats = cohort_matrices(genes, samples, X, read_cohorts(a.cohorts))
    got = {(r[0], r[1]): r for r in read_rows(a.rows)}
    errs = {k: Err(k) for k in ("n", "mean", "stddev", "min", "max")}
    want_keys = set()
    for label, M in mats.items():
        for g, gene in enumerate(genes):
            v = M[g][np.isfinite(M[g])]
            if not len(v):
                continue
            want_keys.add((label, gene))
            r = got.get((label, gene))
            if r is None:
                continue
            w = "%s %s" % (label, gene)
            errs["n"].add(num(r[2]), float(len(v)), 0, w)
            errs["mean"].add(num(r[3]), float(np.mean(v)), 1e-15, w)
            errs["stddev"].add(num(r[4]), float(np.std(v, ddof=1)) if len(v) > 1 else math.nan,
                               1e-15, w)
            errs["min"].add(num(r[5]), float(np.min(v)), 0, w)
            errs["max"].add(num(r[6]), float(np.max(v)), 0, w)
    result(set(got) == want_keys, "%s: one row per cohort x gene with a value (%d)"
           % (a.name, len(want_keys)), "missing %s, extra %s" % (sorted(want_keys - set(got))[:3],
                                                               sorted(set(got) - want_keys)[:3]))
    for k, e in errs.items():
        e.check("%s: %s" % (a.name, k))


# ---------------------------------------------------------------- features

def check_features(a):
    genes, samples, X = read_matrix(a.matrix, a.na, a.scale)
    gi = {g: i for i, g in enumerate(genes)}
    got = {(r[0], r[1]): num(r[2]) for r in read_rows(a.rows)}
    e, want_keys = Err("value"), set()
    for spec in a.feature:
        name, definition = spec.split("=", 1)
        kind, args = definition.split("(", 1)
        ids = [x.strip() for x in args.rstrip(")").split(",")]
        for s, sample in enumerate(samples):
            v = [X[gi[g]][s] if g in gi else math.nan for g in ids]
            if not all(np.isfinite(v)):
                continue
            if kind == "log2_diff":
                want = v[0] - v[1]
            elif kind == "ratio":
                want = 2.0 ** (v[0] - v[1])
            else:
                want = float(np.mean(v))
            want_keys.add((sample, name))
            if (sample, name) in got:
                e.add(got[(sample, name)], want, 1e-15, "%s %s" % (sample, name))
    result(set(got) == want_keys, "%s: a value for each sample with every gene of the feature "
           "(%d)" % (a.name, len(want_keys)), "missing %s, extra %s" % (
               sorted(want_keys - set(got))[:3], sorted(set(got) - want_keys)[:3]))
    e.check("%s: value" % a.name)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("dir")
    g.add_argument("acc")
    g.add_argument("--genes", type=int, default=60)
    g.add_argument("--samples", type=int, default=24)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--counts", action="store_true")
    g.add_argument("--na-share", type=float, default=0.2)
    for name in ("pairs", "diff", "cohorts", "features"):
        p = sub.add_parser(name)
        p.add_argument("--matrix", required=True)
        p.add_argument("--rows", required=True)
        p.add_argument("--name", default=name)
        p.add_argument("--na")
        p.add_argument("--scale", default="log2")
        p.add_argument("--genes")
        if name != "features":
            p.add_argument("--cohorts", required=True)
        if name == "pairs":
            p.add_argument("--method", default="pearson")
            p.add_argument("--top", type=int, required=True)
            p.add_argument("--min-r", type=float, default=1.1)
        if name == "diff":
            p.add_argument("--compare", action="append", required=True)
            p.add_argument("--both-paths", action="store_true")
        if name == "features":
            p.add_argument("--feature", action="append", required=True)
    a = ap.parse_args()
    {"gen": gen, "pairs": check_pairs, "diff": check_diff, "cohorts": check_cohorts,
     "features": check_features}[a.cmd](a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
