#!/bin/sh
# t0900-shards.sh - studies on shard servers through postgres_fdw (issue 18): three
# servers (this coordinator + two shards); placement by map, by hash, recorded and
# winning; the facts on the shard and nowhere else; the coordinator's views equal an
# unsharded clean load (ref_check) after a first load, an incremental run and --force;
# verify; drop; a password or an SQLite coordinator refused; the tables of replaced
# loads swept from the shards.
# backends: pg
. "$GXLOAD_TOP/tests/lib/lib.sh"

shards_start 2; ok $? "two shard servers started"
M="$DATA/GSE1001/GSE1001.tsv"
shard_config() { # FILE SERVERS-YAML PLACEMENT-YAML
	cat > "$1" <<EOC
data_root: data
lock_dir: lock
log:
  level: warning
postgresql:
  copy_streams: 2
shards:
  servers: $2
  placement: $3
EOC
}
shard_config "$T/sh.yaml" "['a:$SHARD_1', 'b:$SHARD_2']" "['GSE1001:b']"
gxs() { "$GXLOAD_BIN" --config "$T/sh.yaml" --db "$DB" "$@" >"$T/out" 2>&1; rc=$?; out=$(cat "$T/out"); }
placed() { q "SELECT COALESCE(m.shard, '-') FROM meta_study_shard m JOIN dim_study d
              ON d.study_key = m.study_key WHERE d.accession = '$1'"; }
key() { q "SELECT study_key FROM dim_study WHERE accession = '$1'"; }
shard_no() { case "$1" in a) echo 1 ;; b) echo 2 ;; esac; }
shard_tables() { # I K: the shard's tables of study K
	qshard "$1" "SELECT count(*) FROM pg_class WHERE relkind = 'r'
	             AND relname ~ '^fact_gene_expression_p$2_r[0-9]+_s[0-9]+$'"; }
shard_rows() { # I K
	qshard "$1" "SELECT COALESCE(sum(n), 0) FROM (SELECT (xpath('/row/c/text()',
	             query_to_xml(format('SELECT count(*) AS c FROM %I', relname), false, true, '')))[1]::text::int AS n
	             FROM pg_class WHERE relkind = 'r' AND relname ~ '^fact_gene_expression_p$2_r[0-9]+_s[0-9]+$') t"; }
local_rows() { # K: rows of study K in tables of the coordinator (not foreign)
	q "SELECT count(*) FROM pg_class c WHERE c.relkind = 'r'
	   AND c.relname ~ '^fact_gene_expression_p$1(_|$)'"; }
fnv_shard() { # ACC: a or b by FNV-1a 32 % 2, computed here apart from the loader
	python3 -c "
import sys
h = 2166136261
for b in sys.argv[1].encode():
    h = ((h ^ b) * 16777619) & 0xffffffff
print('ab'[h % 2])" "$1"; }

# 1. a first load: GSE1001 by the map, the others by the hash
gxs load GSE1001 SRP2002 E-GEOD-3003; is "$rc" 0 "first sharded load of three studies"
[ "$rc" = 0 ] || diag "$out"
is "$(placed GSE1001)" b "GSE1001 placed by shards.placement on b"
is "$(placed SRP2002)" "$(fnv_shard SRP2002)" "SRP2002 placed by the FNV-1a hash"
is "$(placed E-GEOD-3003)" "$(fnv_shard E-GEOD-3003)" "E-GEOD-3003 placed by the FNV-1a hash"
is "$(fnv_shard GSE1001)$(fnv_shard SRP2002)$(fnv_shard E-GEOD-3003)" "aab" \
	"the hash as documented (docs/SHARDS.md): GSE1001 a (but the map says b), SRP2002 a, E-GEOD-3003 b"
k=$(key GSE1001)
is "$(q "SELECT string_agg(DISTINCT CAST(c.relkind AS text), '') FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'fact_gene_expression_p$k'::regclass")" f \
	"GSE1001's partition on the coordinator holds foreign tables only"
is "$(local_rows "$k")" 0 "and no local table"
is "$(shard_rows 2 "$k")" "$(q "SELECT n_values FROM dim_study WHERE accession = 'GSE1001'")" \
	"its rows are on shard b"
is "$(shard_tables 1 "$k")" 0 "and none on shard a"
melt_tsv "$M" > "$T/src.tsv"; db_values GSE1001 > "$T/db.tsv"
same_doubles "$T/src.tsv" "$T/db.tsv"; ok $? "the coordinator reads the file's values through the shard"
ref_check "sharded first load (unsharded reference)"
gxs verify GSE1001 SRP2002; is "$rc" 0 "verify reads the facts back through the shards"
# the analysis after a load reads the new facts in the load transaction, through the
# foreign partitions it has just attached
an="--set analysis.correlate_after_load=true --set analysis.differential_after_load=true"
# shellcheck disable=SC2086
gxs $an load --force GSE1001 SRP2002 E-GEOD-3003; is "$rc" 0 "a forced load with the analysis after it"
is "$(q "SELECT count(*) > 0 FROM fact_gene_pair_stats p JOIN dim_study d ON d.study_key = p.study_key
         WHERE d.accession = 'GSE1001'")" t "it wrote gene pairs of the sharded study"
# shellcheck disable=SC2086
ref_check "with the analysis (unsharded reference)" $an
gxs load GSE1001 SRP2002 E-GEOD-3003; is "$rc" 0 "back to the default settings (a metadata run)"

# 2. an incremental run: one value changed; the study is rewritten whole on its shard
k=$(key GSE1001)
before=$(shard_tables 2 "$k")
awk 'BEGIN { FS = OFS = "\t" } NR == 2 { $2 = $2 + 1 } { print }' "$M" > "$T/m" && cat "$T/m" > "$M"
gxs -v load GSE1001; is "$rc" 0 "an incremental run of a sharded study"
like "$out" "every sample is rewritten" "it says why it rewrites every sample"
is "$(q "SELECT mode FROM meta_etl_run WHERE study_accession = 'GSE1001' ORDER BY run_id DESC LIMIT 1")" \
	full "a full run"
is "$(shard_tables 2 "$k")" "$before" "the replaced load's tables are gone from the shard"
melt_tsv "$M" > "$T/src.tsv"; db_values GSE1001 > "$T/db.tsv"
same_doubles "$T/src.tsv" "$T/db.tsv"; ok $? "the changed value is read back"
ref_check "after an incremental run"
# a sample gone from the matrix: its rows leave with the old tables on the shard
awk 'BEGIN { FS = OFS = "\t" } { NF = NF - 1; print }' "$M" > "$T/m" && cat "$T/m" > "$M"
gxs load GSE1001; is "$rc" 0 "a run with a vanished sample"
is "$(q "SELECT n_samples FROM dim_study WHERE accession = 'GSE1001'")" 4 "four samples left"
is "$(shard_rows 2 "$k")" "$(q "SELECT n_values FROM dim_study WHERE accession = 'GSE1001'")" \
	"the shard holds the remaining samples' rows"
ref_check "after a vanished sample"
gxs status; is "$rc" 0 "status with sharded studies"
gxs studies; is "$rc" 0 "studies with sharded studies"
like "$out" "GSE1001" "lists them"
gxs analyze GSE1001; is "$rc" 0 "gxload analyze reads a sharded study's facts"

# 3. the recorded placement wins over a changed config
shard_config "$T/sh.yaml" "['b:$SHARD_2', 'a:$SHARD_1', 'c:$SHARD_1']" "['GSE1001:a', 'SRP2002:b']"
gxs load --force GSE1001 SRP2002; is "$rc" 0 "a forced load with another order and map"
is "$(placed GSE1001)" b "GSE1001 stays on b"
is "$(placed SRP2002)" "$(fnv_shard SRP2002)" "SRP2002 stays where the hash put it"
is "$(shard_tables 1 "$(key GSE1001)")" 0 "nothing of GSE1001 went to a"
ref_check "after a forced load"

# 3b. with shard servers, no load chunks or resumes (docs/SHARDS.md), however big
printf 'resume:\n  min_values: 100\n  chunk_values: 100\n' >> "$T/sh.yaml"
gxs -vv load --force SRP2002; is "$rc" 0 "a forced sharded load above resume.min_values"
like "$out" "loads do not resume here: a database with shard servers" "says it does not chunk"
is "$(q "SELECT count(*) FROM meta_load_checkpoint")" 0 "no checkpoint was written"
ref_check "after a load above resume.min_values with shards"

# 4. without the shard in config, a sharded study is refused (78), others still load
gx load --force SRP2002; is "$rc" 78 "a sharded study without shards.servers: exit 78"
like "$out" "study 'SRP2002' lives on shard 'a', which shards.servers does not name" "says why"

# 5. drop: the shard's tables go with the study
k=$(key GSE1001)
gxs drop GSE1001; is "$rc" 0 "drop of a sharded study"
is "$(shard_tables 2 "$k")" 0 "its tables are gone from the shard"
is "$(q "SELECT count(*) FROM meta_study_shard WHERE study_key = $k")" 0 "and its placement"
ref_check "after a drop"

# 6. a study with facts on the coordinator from before the shards stays there
gx load GSE1001; is "$rc" 0 "GSE1001 again, unsharded (no shards configured)"
is "$(q "SELECT count(*) FROM meta_study_shard WHERE study_key = $(key GSE1001)")" 0 "no placement recorded"
gxs load --force GSE1001; is "$rc" 0 "its forced load with shards configured"
is "$(placed GSE1001)" - "it is recorded on the coordinator"
is "$(local_rows "$(key GSE1001)")" 1 "and its facts stay on the coordinator"
ref_check "a study on the coordinator next to sharded ones"

# 7. refused configs
gx --set "shards.servers=x:host=127.0.0.1 password=sekrit99" config check; is "$rc" 78 "a password in a shard's conninfo: exit 78"
unlike "$out" "sekrit99" "the password is not shown"
gx --set "shards.servers=x:postgresql://u:sekrit99@127.0.0.1/d" config check; is "$rc" 78 "a password in a shard's URI: exit 78"
unlike "$out" "sekrit99" "the password is not shown"
gx --db "sqlite:$T/x.db" --set "shards.servers=x:host=127.0.0.1" config check; is "$rc" 78 "shards with an SQLite database: exit 78"
like "$out" "shards need a PostgreSQL coordinator" "says why"
gx --set "shards.servers=x:host=127.0.0.1" --set "shards.placement=GSE1:y" config check; is "$rc" 78 "a placement on an unknown shard: exit 78"
gx --set "shards.servers=x:host=127.0.0.1,x:host=127.0.0.2" config check; is "$rc" 78 "a shard named twice: exit 78"

done_testing
