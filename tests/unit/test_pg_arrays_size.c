/* test_pg_arrays_size.c - the PostgreSQL backend's gene-major and sample-major copies
 * size their buffers from a fixed budget, not from the study: the facts buffered per
 * flush and the spools' memory parts stay within PG_ARRAYS_MEM (the load's 64 MB bound,
 * docs/PERFORMANCE.md "Memory"). */
#include "load/pg_arrays.h"
#include "tap.h"

#include <stddef.h>

/* the memory a plan takes: the buffered facts, two spools, the slots (64 blocks of 64
 * samples: value, log2 and a flag each, plus 16 bytes) */
static size_t plan_bytes(size_t cap, size_t spool)
{
	return cap * PG_ARRAYS_FACT_BYTES + 2 * spool + 64 * (64 * 17 + 16);
}

int main(void)
{
	size_t cap = 0, spool = 0, budget;
	int all = 1;

	pg_arrays_size(PG_ARRAYS_MEM, &cap, &spool);
	ok(plan_bytes(cap, spool) <= PG_ARRAYS_MEM, "the default plan (%zu facts, %zu spool "
	   "bytes) takes %zu bytes, within its budget of %zu", cap, spool,
	   plan_bytes(cap, spool), (size_t)PG_ARRAYS_MEM);
	ok(plan_bytes(cap, spool) >= PG_ARRAYS_MEM / 10 * 9,
	   "the default plan uses most of its budget (%zu of %zu bytes)",
	   plan_bytes(cap, spool), (size_t)PG_ARRAYS_MEM);
	ok(PG_ARRAYS_MEM <= ((size_t)8 << 20), "the budget is at most 8 MiB of the load's 64 MB");
	ok(cap >= 100000, "a flush holds %zu facts: at least 100,000, so that a gene of a "
	   "dense study is rarely split between flushes", cap);
	ok(cap <= (size_t)4096 * 80, "a flush holds at most 4096 by_sample rows of 80 genes "
	   "per sample (%zu facts)", cap);

	for (budget = (size_t)1 << 20; budget <= ((size_t)1 << 30); budget *= 2) {
		pg_arrays_size(budget, &cap, &spool);
		if (plan_bytes(cap, spool) > budget || cap < PG_ARRAYS_MIN_CAP ||
		    cap > (size_t)4096 * 80 || spool < ((size_t)64 << 10)) {
			all = 0;
			ok(0, "budget %zu: %zu facts and %zu spool bytes take %zu bytes", budget, cap,
			   spool, plan_bytes(cap, spool));
		}
	}
	ok(all, "from 1 MiB to 1 GiB every plan stays within its budget, with at least the "
	   "minimum buffer and at most 4096 rows of a sample per flush");

	pg_arrays_size(0, &cap, &spool);
	is_int((int)cap, (int)PG_ARRAYS_MIN_CAP, "no budget still gets the minimum buffer");
	pg_arrays_size((size_t)64 << 20, &cap, &spool);
	{
		size_t cap6 = 0, spool6 = 0;
		pg_arrays_size(PG_ARRAYS_MEM, &cap6, &spool6);
		ok(cap >= cap6 && spool >= spool6, "a bigger budget never gets a smaller plan");
	}
	return tap_done();
}
