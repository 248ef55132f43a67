/*
 * replay.c - runs a libFuzzer target over its committed corpus, without libFuzzer.
 *
 *   fuzz_<target> DIR...     feed every file of each DIR to LLVMFuzzerTestOneInput
 *
 * `make test` builds each tests/fuzz/fuzz_*.c with this driver and replays
 * tests/fuzz/corpus/<target>/ (SQLite's fuzzcheck practice): every input that ever
 * found a bug, plus seeds, is checked on every build, under ASan+UBSan in `make check`.
 * A target aborts on a violated oracle; this prints TAP.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

int main(int argc, char **argv)
{
	long n = 0;
	int i;

	for (i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		if (!d) {
			printf("not ok 1 - cannot open corpus %s\n1..1\n", argv[i]);
			return 1;
		}
		while ((e = readdir(d)) != NULL) {
			char path[4096];
			struct stat st;
			FILE *f;
			uint8_t *buf;
			snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
			if (stat(path, &st) || !S_ISREG(st.st_mode))
				continue;
			buf = malloc((size_t)st.st_size + 1);
			f = fopen(path, "rb");
			if (!buf || !f || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
				printf("not ok 1 - cannot read %s\n1..1\n", path);
				return 1;
			}
			fclose(f);
			LLVMFuzzerTestOneInput(buf, (size_t)st.st_size);
			free(buf);
			n++;
		}
		closedir(d);
	}
	printf("ok 1 - replayed %ld corpus inputs without a crash or a violated oracle\n1..1\n", n);
	return n > 0 ? 0 : 1;
}
