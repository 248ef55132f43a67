/* test_buf.c - the byte buffer's UTF-8 helpers: cutting text at a size without splitting a
 * character, validating and sanitizing. */
#include "core/buf.h"
#include "tap.h"

#include <string.h>

int main(void)
{
	/* "aé€𝄞": 1 + 2 + 3 + 4 bytes; character starts at 0, 1, 3, 6 and the end at 10 */
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e";
	static const size_t want[11] = { 0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10 };
	char dst[16];
	size_t max, bad = 99;
	int all = 1;

	for (max = 0; max <= 10; max++) {
		size_t got = gx_utf8_cut(s, 10, max);
		if (got != want[max]) {
			all = 0;
			ok(0, "cut at %zu: got %zu, want %zu", max, got, want[max]);
		}
	}
	ok(all, "every cut ends on a character boundary, as close to the limit as it can");
	is_int((int)gx_utf8_cut(s, 10, 50), 10, "text shorter than the limit is kept whole");
	is_int((int)gx_utf8_cut("abc", 3, 3), 3, "text of exactly the limit is kept whole");

	gx_utf8_copy(dst, 6, s, 10);
	is_str(dst, "a\xc3\xa9", "a copy into 6 bytes keeps 'a' and 'e acute', not half of the euro sign");
	gx_utf8_copy(dst, 1, s, 10);
	is_str(dst, "", "a copy into 1 byte is the empty string");
	gx_utf8_copy(dst, sizeof dst, "plain", 3);
	is_str(dst, "pla", "a copy takes only 'len' bytes of its source");

	ok(gx_utf8_valid(s, 10, &bad), "the sample text is valid UTF-8");
	ok(!gx_utf8_valid(s, 9, &bad), "a cut four-byte character is invalid");
	is_int((int)bad, 6, "... at the character's first byte");
	strcpy(dst, "x\xff" "y");
	gx_utf8_sanitize(dst);
	is_str(dst, "x?y", "sanitize replaces a stray byte with '?'");
	return tap_done();
}
