# tap.sh - TAP helpers for the integration tests (POSIX sh).
#
#   ok COND_EXIT_STATUS "name"      is GOT WANT "name"      like TEXT REGEX "name"
#   unlike TEXT REGEX "name"         skip "reason"          diag "text"
#   done_testing
# Every helper prints one test point; done_testing prints the plan and exits non-zero
# if anything failed, so tests/run.sh sees a failed or truncated script.  A skipped
# point ("ok N # SKIP reason") is reported by tests/run.sh as skipped, never as passed.
# like/unlike take a grep -E regex: anchor it (^...$) when the whole line is known.

_tap_n=0
_tap_failed=0

_tap_result() { # STATUS NAME
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

ok() { # STATUS NAME  (STATUS 0 = pass, e.g. ok $? "...")
	_tap_result "$1" "$2"
}

is() { # GOT WANT NAME
	if [ "$1" = "$2" ]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | head -20
	fi
}

like() { # TEXT REGEX NAME (grep -E)
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		printf '#   text: %s\n#   does not match: %s\n' "$(printf '%s' "$1" | head -c 600)" "$2"
	fi
}

unlike() { # TEXT REGEX NAME
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		_tap_result 1 "$3"
		printf '#   text matches %s: %s\n' "$2" "$(printf '%s' "$1" | grep -E -- "$2" | head -3)"
	else
		_tap_result 0 "$3"
	fi
}

skip() { # REASON: a test point that did not run
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n # SKIP $1"
}

diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

done_testing() {
	if command -v _tap_before_done >/dev/null 2>&1; then _tap_before_done; fi
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ] || { echo "# $_tap_failed of $_tap_n failed"; exit 1; }
	exit 0
}
