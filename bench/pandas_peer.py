#!/usr/bin/python3
"""pandas_peer.py - the "typical user pipeline" peer of the gxload benchmarks.

    pandas_peer.py MATRIX.tsv CONNINFO TABLE [--study-key K] [--chunk ROWS]

What a data scientist writes to get a refine.bio matrix into PostgreSQL with Debian's
python3-pandas and python3-psycopg: pandas.read_csv of the wide TSV (default parser
settings), DataFrame.melt to long rows, sample and gene keys from their positions
(1-based, the same keys as gen_study's pre-melted CSV), log2_value = value (the bench
studies are on the log2 scale), then DataFrame.to_csv in chunks streamed into
`COPY TABLE (study_key, sample_key, gene_key, value, log2_value) FROM STDIN (FORMAT
csv)` with psycopg's Copy.write, in one transaction.  The table is made by the caller
(with or without its primary key).

Prints one line: "rows=N read_s=.. melt_s=.. copy_s=.. total_s=.. maxrss_mb=..".
"""
import io
import resource
import sys
import time

import pandas as pd
import psycopg


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 64
    path, conninfo, table = argv[1], argv[2], argv[3]
    study_key, chunk = 1, 1_000_000
    i = 4
    while i < len(argv):
        if argv[i] == "--study-key":
            study_key = int(argv[i + 1])
        elif argv[i] == "--chunk":
            chunk = int(argv[i + 1])
        else:
            sys.stderr.write("pandas_peer: unknown argument %r\n" % argv[i])
            return 64
        i += 2

    t0 = time.monotonic()
    wide = pd.read_csv(path, sep="\t", index_col=0)
    t1 = time.monotonic()
    wide.index = pd.RangeIndex(1, len(wide) + 1, name="gene_key")
    wide.columns = pd.RangeIndex(1, len(wide.columns) + 1)
    long = wide.reset_index().melt(id_vars="gene_key", var_name="sample_key",
                                   value_name="value")
    long.insert(0, "study_key", study_key)
    long = long[["study_key", "sample_key", "gene_key", "value"]]
    long["log2_value"] = long["value"]
    t2 = time.monotonic()
    with psycopg.connect(conninfo) as conn:
        with conn.cursor() as cur:
            sql = ("COPY %s (study_key, sample_key, gene_key, value, log2_value) "
                   "FROM STDIN (FORMAT csv)" % table)
            with cur.copy(sql) as cp:
                for start in range(0, len(long), chunk):
                    buf = io.StringIO()
                    long.iloc[start:start + chunk].to_csv(buf, header=False, index=False)
                    cp.write(buf.getvalue())
        conn.commit()
    t3 = time.monotonic()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("rows=%d read_s=%.2f melt_s=%.2f copy_s=%.2f total_s=%.2f maxrss_mb=%.1f"
          % (len(long), t1 - t0, t2 - t1, t3 - t2, t3 - t0, rss))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
