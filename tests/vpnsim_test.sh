# vpnsim_test.sh: sourced by the shell tests that drive the program (`. tests/vpnsim_test.sh`):
# VPNSIM and SRC from make check's environment, a scratch directory $out removed on exit, the
# failure flag $fail, and pass/bad to report one check each.
set -u
VPNSIM=${top_builddir:-.}/vpnsim
SRC=${top_srcdir:-.}
[ -x "$VPNSIM" ] || { echo "no $VPNSIM"; exit 99; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
pass() { echo "PASS $*"; }
bad() { echo "FAIL $*"; fail=1; }
