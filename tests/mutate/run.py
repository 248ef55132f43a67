#!/usr/bin/env python3
"""run.py - mutation testing for gxload: does the test suite notice when the code changes?

    python3 tests/mutate/run.py [--only ID,...] [--jobs N] [--check] [--list]
    make mutate [MUTATE_ONLY=ID,...] [MUTATE_JOBS=1|2]

Each entry of tests/mutate/catalogue is one small, meaningful change to the code: an exact
piece of source text ('from') and its replacement ('to').  An entry is located by its text,
searched across every file under src/ and migrations/ (the SQL of the schema migrations),
never by file name or line number, so it still
applies after code moves between files; an entry whose text is not found exactly once is
reported as STALE and not run (a stale entry is never counted as killed).

For each entry, in a scratch copy of the tree (build/mutate/w0, w1; the working tree is
never written, so an interrupted run leaves nothing behind in it): apply the change,
build, run the tests the entry names (tests/unit binaries, fuzz corpus replays,
integration scripts on SQLite and on a PostgreSQL 15 server started once for the run),
stop at the first failing test, and put the original text back.  Outcomes:

    killed         a test failed (or timed out, or crashed): the suite noticed
    survived       every test passed: a missing test, unless the entry explains
                   with 'equivalent:' why the change cannot be observed
    stale          the 'from' text is not in src/ or migrations/ exactly once, or a named test is gone
    build-failure  the mutated tree does not build (fix the entry)

Before any mutant, the union of the named tests runs once on the unmutated tree; a test
that fails there makes every entry that uses it invalid (reported, not scored).

Score: killed / (killed + survived).  Exit status 0 only when every survivor is marked
equivalent and nothing is stale, failed to build or failed its baseline.

Environment: MUTATE_ONLY (ids, comma separated), MUTATE_JOBS (1 or 2; default 2: the
build machines have two cores), MUTATE_TIMEOUT (seconds per test, default 300).
Results: build/mutate/report.txt, build/mutate/results.tsv, one log per entry in
build/mutate/logs/.
"""

import argparse
import fcntl
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
CATALOGUE = os.path.join(HERE, "catalogue")
OUT = os.path.join(TOP, "build", "mutate")
MAX_JOBS = 2

# Tests run for an entry that names none (documented in docs/TESTING.md): every unit test
# and fuzz replay, and the load, incremental, views and verify scripts on both backends.
DEFAULT_TESTS = ["unit:*", "fuzz:*", "t0200-load", "t0210-incremental", "t0520-views",
                 "t0530-verify"]

KEYS = ("id", "area", "what", "from", "to", "tests", "equivalent")
REQUIRED = ("id", "area", "what", "from", "to")

stop_event = threading.Event()
live_procs = set()
live_lock = threading.Lock()


class CatalogueError(Exception):
    pass


# ---- the catalogue ----------------------------------------------------------------------

def unescape(s, where):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            if i + 1 >= len(s):
                raise CatalogueError("%s: a lone backslash at the end" % where)
            n = s[i + 1]
            if n == "n":
                out.append("\n")
            elif n == "t":
                out.append("\t")
            elif n == "\\":
                out.append("\\")
            else:
                raise CatalogueError("%s: unknown escape '\\%s' (use \\n, \\t or \\\\)" % (where, n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_catalogue(path):
    entries, cur = [], None
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            where = "%s:%d" % (os.path.relpath(path, TOP), lineno)
            if not line.strip():
                cur = None
                continue
            if line.startswith("#"):
                continue
            m = re.match(r"^([a-z]+):(?: (.*))?$", line)
            if not m:
                raise CatalogueError("%s: expected 'key: value', got %r" % (where, line[:60]))
            key, value = m.group(1), m.group(2) or ""
            if key not in KEYS:
                raise CatalogueError("%s: unknown key '%s' (known: %s)" % (where, key, ", ".join(KEYS)))
            if key == "id":
                cur = {"line": lineno}
                entries.append(cur)
            elif cur is None:
                raise CatalogueError("%s: '%s' before an 'id:' line" % (where, key))
            if key in cur and key != "line":
                raise CatalogueError("%s: '%s' given twice" % (where, key))
            if key in ("from", "to"):
                value = unescape(value, where)
            cur[key] = value
    seen = {}
    for e in entries:
        where = "%s:%d" % (os.path.relpath(path, TOP), e["line"])
        for k in REQUIRED:
            if k not in e or (k != "to" and not e[k]):
                raise CatalogueError("%s: entry '%s' has no '%s'" % (where, e.get("id", "?"), k))
        if not re.match(r"^[a-z0-9][a-z0-9-]*$", e["id"]):
            raise CatalogueError("%s: id '%s' must match [a-z0-9][a-z0-9-]*" % (where, e["id"]))
        if e["id"] in seen:
            raise CatalogueError("%s: duplicate id '%s' (first at line %d)" % (where, e["id"], seen[e["id"]]))
        seen[e["id"]] = e["line"]
        if e["from"] == e["to"]:
            raise CatalogueError("%s: '%s' changes nothing" % (where, e["id"]))
        e["tests"] = e.get("tests", "").split() or list(DEFAULT_TESTS)
        e["equivalent"] = e.get("equivalent", "")
    return entries


def read_sources(root):
    files = {}
    for top, ends in (("src", (".c", ".h")), ("migrations", (".sql",))):
        for d, _, names in os.walk(os.path.join(root, top)):
            for n in sorted(names):
                if not n.endswith(ends):
                    continue
                p = os.path.join(d, n)
                with open(p, encoding="utf-8", errors="surrogateescape") as f:
                    files[os.path.relpath(p, root)] = f.read()
    return files


def locate(e, sources):
    """(path, offset) of the entry's text, or None and e['stale'] set."""
    hits = []
    for path, text in sorted(sources.items()):
        start = 0
        while True:
            i = text.find(e["from"], start)
            if i < 0:
                break
            hits.append((path, i))
            start = i + 1
    if len(hits) == 1:
        return hits[0]
    if not hits:
        e["stale"] = "text not found in src/ or migrations/"
    else:
        e["stale"] = "text found %d times (%s): make it longer" % (
            len(hits), ", ".join(sorted({p for p, _ in hits})))
    return None


def backends_of(script):
    with open(script, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^# backends:(.*)$", line)
            if m:
                return [b for b in ("sqlite", "pg") if re.search(r"\b%s\b" % b, m.group(1))]
    return ["sqlite", "pg"]


def resolve_tests(tokens, root):
    """Test tokens -> list of (kind, name, backend) and a list of problems."""
    units = sorted(n[:-2] for n in os.listdir(os.path.join(root, "tests", "unit"))
                   if n.startswith("test_") and n.endswith(".c"))
    fuzz = sorted(n[:-2] for n in os.listdir(os.path.join(root, "tests", "fuzz"))
                  if n.startswith("fuzz_") and n.endswith(".c"))
    idir = os.path.join(root, "tests", "integration")
    scripts = sorted(n[:-3] for n in os.listdir(idir) if n.startswith("t") and n.endswith(".sh"))
    out, bad = [], []
    for tok in tokens:
        kind = None
        if tok in ("unit:*", "fuzz:*"):
            for n in (units if tok == "unit:*" else fuzz):
                out.append(("unit" if tok == "unit:*" else "fuzz", n, None))
            continue
        name, _, backend = tok.partition(":")
        if name.startswith("test_"):
            kind = "unit" if name in units else None
        elif name.startswith("fuzz_"):
            kind = "fuzz" if name in fuzz else None
        elif re.match(r"^t\d{4}-", name):
            kind = "int" if name in scripts else None
        if kind is None:
            bad.append("test '%s' not found" % tok)
            continue
        if kind != "int":
            if backend:
                bad.append("test '%s': only integration scripts take a backend" % tok)
            out.append((kind, name, None))
            continue
        declared = backends_of(os.path.join(idir, name + ".sh"))
        if backend and backend not in declared:
            bad.append("test '%s': the script runs on %s only" % (tok, ", ".join(declared)))
            continue
        for b in ([backend] if backend else declared):
            out.append(("int", name, b))
    # units first (cheap), then SQLite, then PostgreSQL; each once
    order = {"unit": 0, "fuzz": 1, "int": 2}
    uniq = []
    for t in out:
        if t not in uniq:
            uniq.append(t)
    uniq.sort(key=lambda t: (order[t[0]], t[2] == "pg", t[1]))
    return uniq, bad


def test_label(t):
    kind, name, backend = t
    return "%s:%s" % (name, backend) if kind == "int" else name


# ---- processes ---------------------------------------------------------------------------

def run_proc(args, cwd, env, log, timeout):
    """Run args in its own process group; returns (status, timed_out, output)."""
    if stop_event.is_set():
        return 130, False, ""
    p = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    with live_lock:
        live_procs.add(p)
    timed_out = False
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(p)
        out, _ = p.communicate()
    finally:
        with live_lock:
            live_procs.discard(p)
    text = out.decode("utf-8", "replace")
    if log is not None:
        log.write("$ %s\n%s" % (" ".join(args), text))
        if not text.endswith("\n"):
            log.write("\n")
        log.flush()
    return p.returncode, timed_out, text


def kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def tap_failure(text, status, timed_out):
    """None if text is a complete, passing TAP stream (tests/run.sh's rule), else why."""
    if timed_out:
        return "timed out"
    plan, oks, first_bad = None, 0, None
    for line in text.splitlines():
        m = re.match(r"^1\.\.(\d+)", line)
        if m:
            plan = int(m.group(1))
        elif re.match(r"^ok \d+", line):
            oks += 1
        elif re.match(r"^not ok \d+", line) and first_bad is None:
            first_bad = line.strip()
    if first_bad:
        return first_bad
    if status != 0:
        return "exit status %d%s" % (status, " (signal %d)" % -status if status < 0 else "")
    if plan is None or plan == 0:
        return "no TAP plan"
    if oks != plan:
        return "%d of %d test points ran" % (oks, plan)
    return None


# ---- the scratch trees -------------------------------------------------------------------

def tree_files(root):
    try:
        r = subprocess.run(["git", "ls-files", "-z", "-c", "-o", "--exclude-standard"],
                           cwd=root, capture_output=True, check=True)
        names = [n for n in r.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for d, dirs, fs in os.walk(root):
            rel = os.path.relpath(d, root)
            if rel == ".":
                dirs[:] = [x for x in dirs if x not in (".git", "build", "var")]
            names += [os.path.normpath(os.path.join(rel, x)) for x in fs]
    return [n for n in names if os.path.isfile(os.path.join(root, n))
            and not n.startswith(("build/", "var/")) and n != "gxload"]


def make_scratch(dest):
    """A copy of the working tree (sources with their times, and build/release, so that
    make rebuilds only what is out of date there too)."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    for n in tree_files(TOP):
        d = os.path.join(dest, n)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        shutil.copy2(os.path.join(TOP, n), d, follow_symlinks=False)
    rel = os.path.join(TOP, "build", "release")
    if os.path.isdir(rel):
        os.makedirs(os.path.join(dest, "build"), exist_ok=True)
        subprocess.run(["cp", "-a", rel, os.path.join(dest, "build", "release")], check=True)


class Worker:
    def __init__(self, wid, root, pg, timeout):
        self.wid, self.root, self.pg, self.timeout = wid, root, pg, timeout
        self.dirty = None  # (path, original text) while a mutant is applied

    def env(self, backend=None):
        e = dict(os.environ)
        e.update(GXLOAD_BIN=os.path.join(self.root, "gxload"), GXLOAD_TOP=self.root,
                 GXLOAD_TOOLS=os.path.join(self.root, "build", "release", "tools"))
        if backend:
            e["GXTEST_BACKEND"] = backend
        if self.pg:
            e.update(self.pg)
        return e

    def targets(self, tests):
        t = ["gxload"]
        for kind, name, _ in tests:
            if kind == "unit":
                t.append("build/release/tests/" + name)
            elif kind == "fuzz":
                t.append("build/release/fuzz/" + name)
        return t

    def build(self, tests, log):
        st, to, text = run_proc(["make", "-j1", "--no-print-directory"] + self.targets(tests),
                                self.root, self.env(), log, 1800)
        return st == 0 and not to, text

    def run_test(self, t, log):
        kind, name, backend = t
        if kind == "unit":
            args = [os.path.join(self.root, "build", "release", "tests", name)]
        elif kind == "fuzz":
            args = [os.path.join(self.root, "build", "release", "fuzz", name),
                    os.path.join(self.root, "tests", "fuzz", "corpus", name[len("fuzz_"):])]
        else:
            args = ["sh", os.path.join(self.root, "tests", "integration", name + ".sh")]
        if backend == "pg" and not self.pg:
            return "no PostgreSQL server"
        log.write("\n==== %s\n" % test_label(t))
        st, to, text = run_proc(args, self.root, self.env(backend), log, self.timeout)
        return tap_failure(text, st, to)

    def apply(self, path, offset, old, new):
        full = os.path.join(self.root, path)
        with open(full, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        if text[offset:offset + len(old)] != old:
            raise RuntimeError("%s: the scratch copy differs from src/" % path)
        self.dirty = (full, text)
        with open(full, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text[:offset] + new + text[offset + len(old):])

    def restore(self):
        if self.dirty:
            full, text = self.dirty
            with open(full, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(text)
            self.dirty = None


# ---- PostgreSQL ----------------------------------------------------------------------------

def pg_start():
    pgdir = tempfile.mkdtemp(prefix="gxload-mutpg.", dir="/tmp")
    r = subprocess.run(["sh", "-c", '. "$1/tests/lib/pg.sh" && pg_start "$2" >&2 && '
                        'echo "$GXTEST_PGPORT $PGBIN"', "sh", TOP, pgdir],
                       capture_output=True, text=True)
    if r.returncode != 0:
        shutil.rmtree(pgdir, ignore_errors=True)
        raise RuntimeError("the PostgreSQL test server did not start: " + r.stderr.strip()[-400:])
    port, pgbin = r.stdout.split()
    return {"GXTEST_PGPORT": port, "GXTEST_PGHOST": "127.0.0.1", "GXTEST_PGUSER": "gxtest",
            "GXTEST_PGDIR": pgdir, "PGBIN": pgbin}


def pg_stop(pg):
    if not pg:
        return
    subprocess.run(["sh", "-c", '. "$1/tests/lib/pg.sh"; GXTEST_PGDIR=$2; PGBIN=$3; pg_stop',
                    "sh", TOP, pg["GXTEST_PGDIR"], pg["PGBIN"]], capture_output=True)
    shutil.rmtree(pg["GXTEST_PGDIR"], ignore_errors=True)


# ---- the run -------------------------------------------------------------------------------

def fmt_secs(s):
    return "%dm%02ds" % (s // 60, s % 60) if s >= 60 else "%ds" % s


def run_entry(w, e, log):
    """Apply, build, test, restore: sets e['status'] and e['detail']."""
    try:
        w.apply(e["path"], e["offset"], e["from"], e["to"])
        built, text = w.build(e["resolved"], log)
        if not built:
            lines = [l for l in text.splitlines() if "error" in l]
            e["status"], e["detail"] = "build-failure", (lines[0] if lines else "make failed")[:200]
            return
        for t in e["resolved"]:
            why = w.run_test(t, log)
            if stop_event.is_set():
                e["status"], e["detail"] = "interrupted", ""
                return
            if why:
                e["status"], e["detail"] = "killed", "%s: %s" % (test_label(t), why[:160])
                return
        e["status"] = "survived"
        e["detail"] = "passed: " + " ".join(test_label(t) for t in e["resolved"])
    finally:
        w.restore()


def main():
    ap = argparse.ArgumentParser(description="mutation testing (see the file's comment)")
    ap.add_argument("--only", default=os.environ.get("MUTATE_ONLY", ""),
                    help="comma-separated entry ids (default: all; env MUTATE_ONLY)")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATE_JOBS", "2")),
                    help="mutants in parallel, 1 or 2 (env MUTATE_JOBS)")
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("MUTATE_TIMEOUT", "300")),
                    help="seconds per test (env MUTATE_TIMEOUT)")
    ap.add_argument("--check", action="store_true",
                    help="only locate every entry and its tests; report stale ones")
    ap.add_argument("--list", action="store_true", help="list the entries and exit")
    ap.add_argument("--catalogue", default=CATALOGUE)
    opt = ap.parse_args()
    jobs = max(1, min(MAX_JOBS, opt.jobs))

    try:
        entries = parse_catalogue(opt.catalogue)
    except (OSError, CatalogueError) as ex:
        print("mutate: %s" % ex, file=sys.stderr)
        return 2
    if opt.only:
        want = [x.strip() for x in opt.only.split(",") if x.strip()]
        known = {e["id"] for e in entries}
        unknown = [x for x in want if x not in known]
        if unknown:
            print("mutate: unknown id(s): %s" % ", ".join(unknown), file=sys.stderr)
            return 2
        entries = [e for e in entries if e["id"] in want]
    if opt.list:
        for e in entries:
            print("%-28s %-11s %s" % (e["id"], e["area"], e["what"]))
        return 0

    sources = read_sources(TOP)
    for e in entries:
        e["status"], e["detail"] = "pending", ""
        hit = locate(e, sources)
        e["resolved"], bad = resolve_tests(e["tests"], TOP)
        if hit:
            e["path"], e["offset"] = hit
            e["lineno"] = sources[hit[0]].count("\n", 0, hit[1]) + 1
        if bad and "stale" not in e:
            e["stale"] = "; ".join(bad)
        if "stale" in e:
            e["status"], e["detail"] = "stale", e["stale"]

    runnable = [e for e in entries if e["status"] == "pending"]
    if opt.check:
        for e in entries:
            where = "%s:%d" % (e["path"], e["lineno"]) if "path" in e else "-"
            print("%-28s %-6s %-32s %s" % (e["id"], "ok" if e["status"] == "pending" else "STALE",
                                          where, e["detail"]))
        stale = len(entries) - len(runnable)
        print("%d entries, %d located exactly once, %d stale" % (len(entries), len(runnable), stale))
        return 1 if stale else 0

    os.makedirs(os.path.join(OUT, "logs"), exist_ok=True)
    lock = open(os.path.join(OUT, ".lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print("mutate: another run is using %s; wait for it to end" % os.path.relpath(OUT, TOP),
              file=sys.stderr)
        return 2
    for n in os.listdir(os.path.join(OUT, "logs")):
        os.unlink(os.path.join(OUT, "logs", n))
    t_start = time.time()
    pg = None
    workers = []

    def on_signal(signum, frame):
        stop_event.set()
        with live_lock:
            for p in list(live_procs):
                kill_group(p)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    try:
        print("mutate: %d entries (%d stale), %d job(s); scratch trees in %s" % (
            len(entries), len(entries) - len(runnable), jobs, os.path.relpath(OUT, TOP)))
        sys.stdout.flush()
        roots = [os.path.join(OUT, "w%d" % i) for i in range(jobs)]
        make_scratch(roots[0])
        with open(os.path.join(OUT, "logs", "_setup.log"), "w") as log:
            st, to, _ = run_proc(["make", "-j%d" % jobs, "--no-print-directory", "gxload", "units"],
                                 roots[0], dict(os.environ), log, 1800)
        if stop_event.is_set():
            raise KeyboardInterrupt
        if st != 0:
            print("mutate: the unmutated tree does not build (build/mutate/logs/_setup.log)")
            return 2
        for r in roots[1:]:
            if os.path.exists(r):
                shutil.rmtree(r)
            subprocess.run(["cp", "-a", roots[0], r], check=True)
        if any(t[2] == "pg" for e in runnable for t in e["resolved"]):
            pg = pg_start()
        workers = [Worker(i, roots[i], pg, opt.timeout) for i in range(jobs)]

        # baseline: every test the entries use, once, on the unmutated tree
        union = []
        for e in runnable:
            for t in e["resolved"]:
                if t not in union:
                    union.append(t)
        base_fail = {}
        bq = queue.Queue()
        for t in union:
            bq.put(t)

        def baseline(w):
            with open(os.path.join(OUT, "logs", "_baseline%d.log" % w.wid), "w") as log:
                while not stop_event.is_set():
                    try:
                        t = bq.get_nowait()
                    except queue.Empty:
                        return
                    why = w.run_test(t, log)
                    if why:
                        base_fail[t] = why
        t0 = time.time()
        ths = [threading.Thread(target=baseline, args=(w,)) for w in workers]
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        if stop_event.is_set():
            raise KeyboardInterrupt
        print("mutate: baseline: %d tests in %s, %d failed" % (len(union), fmt_secs(time.time() - t0),
                                                               len(base_fail)))
        for t, why in base_fail.items():
            print("    %s: %s" % (test_label(t), why))
        for e in runnable:
            bad = [test_label(t) for t in e["resolved"] if t in base_fail]
            if bad:
                e["status"], e["detail"] = "baseline-fail", "fails unmutated: " + ", ".join(bad)
        todo = [e for e in runnable if e["status"] == "pending"]

        q = queue.Queue()
        for e in todo:
            q.put(e)
        done = [0]
        plock = threading.Lock()

        def work(w):
            while not stop_event.is_set():
                try:
                    e = q.get_nowait()
                except queue.Empty:
                    return
                t1 = time.time()
                with open(os.path.join(OUT, "logs", e["id"] + ".log"), "w") as log:
                    log.write("%s: %s\n%s:%d\n" % (e["id"], e["what"], e["path"], e["lineno"]))
                    try:
                        run_entry(w, e, log)
                    except Exception as ex:  # report, keep the other entries going
                        e["status"], e["detail"] = "error", str(ex)[:200]
                e["secs"] = time.time() - t1
                with plock:
                    done[0] += 1
                    print("[%2d/%d] %-28s %-13s %4s  %s" % (done[0], len(todo), e["id"], e["status"],
                                                           fmt_secs(e["secs"]), e["detail"][:90]))
                    sys.stdout.flush()
        ths = [threading.Thread(target=work, args=(w,)) for w in workers]
        for th in ths:
            th.start()
        for th in ths:
            th.join()
    except KeyboardInterrupt:
        stop_event.set()
    except (OSError, RuntimeError, subprocess.CalledProcessError) as ex:
        print("mutate: %s" % ex, file=sys.stderr)
        return 2
    finally:
        for w in workers:
            w.restore()
        pg_stop(pg)

    return report(entries, time.time() - t_start)


def report(entries, secs):
    by = {}
    for e in entries:
        by.setdefault(e["status"], []).append(e)
    killed, survived = by.get("killed", []), by.get("survived", [])
    equiv = [e for e in survived if e["equivalent"]]
    missing = [e for e in survived if not e["equivalent"]]
    lines = []
    scored = len(killed) + len(survived)
    score = 100.0 * len(killed) / scored if scored else 0.0
    lines.append("")
    lines.append("mutation score: %d of %d killed (%.1f%%); %d survived (%d marked equivalent); "
                 "%d stale, %d build failures, %d invalid (baseline), %d not run; %s" % (
                     len(killed), scored, score, len(survived), len(equiv), len(by.get("stale", [])),
                     len(by.get("build-failure", [])), len(by.get("baseline-fail", [])),
                     len(by.get("pending", [])) + len(by.get("interrupted", [])) + len(by.get("error", [])),
                     fmt_secs(secs)))
    if missing:
        lines.append("")
        lines.append("SURVIVED (no test noticed; add one, or explain with 'equivalent:'):")
        for e in missing:
            lines.append("  %-28s %s (%s:%d)" % (e["id"], e["what"], e["path"], e["lineno"]))
    if equiv:
        lines.append("")
        lines.append("survived, equivalent:")
        for e in equiv:
            lines.append("  %-28s %s" % (e["id"], e["what"]))
            lines.append("  %-28s   equivalent: %s" % ("", e["equivalent"]))
    wrong_equiv = [e for e in killed if e["equivalent"]]
    if wrong_equiv:
        lines.append("")
        lines.append("killed although marked equivalent (remove the note):")
        for e in wrong_equiv:
            lines.append("  %-28s %s" % (e["id"], e["detail"]))
    for st, title in (("stale", "STALE (not run; update the entry's text or tests)"),
                      ("build-failure", "BUILD FAILURE (not run; fix the entry)"),
                      ("baseline-fail", "INVALID (a named test fails without the mutation)"),
                      ("error", "ERROR"), ("interrupted", "INTERRUPTED")):
        if by.get(st):
            lines.append("")
            lines.append(title + ":")
            for e in by[st]:
                lines.append("  %-28s %s" % (e["id"], e["detail"]))
    text = "\n".join(lines) + "\n"
    print(text, end="")
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "report.txt"), "w") as f:
        f.write(time.strftime("%Y-%m-%d %H:%M:%S") + text)
    with open(os.path.join(OUT, "results.tsv"), "w") as f:
        f.write("id\tarea\tstatus\tseconds\twhere\tdetail\n")
        for e in entries:
            where = "%s:%d" % (e["path"], e["lineno"]) if "path" in e else ""
            f.write("%s\t%s\t%s\t%.0f\t%s\t%s\n" % (e["id"], e["area"], e["status"],
                                                    e.get("secs", 0), where,
                                                    e["detail"].replace("\t", " ")))
    if stop_event.is_set():
        return 130
    bad = missing or by.get("stale") or by.get("build-failure") or by.get("baseline-fail") or \
        by.get("error") or by.get("pending") or by.get("interrupted")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
