/* test_dburl.c - connection strings shown without their secrets, whatever their syntax:
 * gx_dburl_redact_text on valid and malformed strings, gx_dburl_scrub on libpq-style
 * messages, gx_dburl_redact on what libpq parses. */
#include "core/dburl.h"
#include "core/mem.h"
#include "tap.h"

#include <string.h>

static void redacts(const char *in, const char *want)
{
	char *got = gx_dburl_redact_text(in);
	is_str(got, want, "redact_text '%s'", in);
	gx_free(got);
}

int main(void)
{
	char *s;

	/* URIs: the password of the user information, valid or not */
	redacts("postgresql://u:pw@h/db", "postgresql://u:********@h/db");
	redacts("postgresql://u:p%zz@h/db", "postgresql://u:********@h/db");
	redacts("postgresql://u:a/b@c@h/db", "postgresql://u:********@h/db");
	redacts("postgresql://u@h/db", "postgresql://u@h/db");
	redacts("postgresql://h:5432/db", "postgresql://h:5432/db");
	redacts("postgresql+psycopg2://u:pw@h/db", "postgresql+psycopg2://u:********@h/db");
	redacts("postgresql:/u:pw@h/db", "postgresql:/u:********@h/db");
	redacts("postgresql:u:pw@h/db", "postgresql:u:********@h/db");
	/* query parameters */
	redacts("postgresql://h/db?password=pw", "postgresql://h/db?password=********");
	redacts("postgresql://h/db?user=u&password=pw&sslmode=require",
	        "postgresql://h/db?user=u&password=********&sslmode=require");
	/* keyword strings: quoted, unquoted, with blanks, unterminated */
	redacts("host=h password=pw dbname=d", "host=h password=******** dbname=d");
	redacts("host=h password = pw dbname=d", "host=h password = ******** dbname=d");
	redacts("password=a pw", "password=********");
	redacts("host=h password='a \\' b' port=1", "host=h password=******** port=1");
	redacts("host=h password='pw", "host=h password=********");
	redacts("host=h sslpassword=pw", "host=h sslpassword=********");
	redacts("host=h dbname=password", "host=h dbname=password");
	redacts("", "");
	redacts("sqlite:/tmp/a.db", "sqlite:/tmp/a.db");

	/* scrub: every piece of a secret of three bytes or more, wherever it travelled */
	s = gx_dburl_scrub("invalid integer value \"Secret\" for connection option \"port\"",
	                   "postgresql://u:Secret/x@h/db");
	is_str(s, "invalid integer value \"********\" for connection option \"port\"",
	       "scrub: a password libpq took for a port");
	gx_free(s);
	s = gx_dburl_scrub("could not translate host name \"h\"", "postgresql://u@h/db");
	is_str(s, "could not translate host name \"h\"", "scrub: nothing secret, nothing changed");
	gx_free(s);

	/* redact of a string libpq parses: secret options masked, the rest kept */
	s = gx_dburl_redact("host=h port=5432 dbname=d user=u");
	is_str(s, "user=u dbname=d host=h port=5432", "redact: keywords in libpq's order");
	gx_free(s);
	s = gx_dburl_redact("postgresql://u:Secret/x@h/db");
	ok(s && !strstr(s, "Secret"), "redact: a password read as a port is masked (%s)", s);
	gx_free(s);
	s = gx_dburl_redact("postgresql://u@h/db?password=pw");
	ok(s && !strstr(s, "pw") && strstr(s, "password=********"), "redact: password option (%s)", s);
	gx_free(s);
	return tap_done();
}
