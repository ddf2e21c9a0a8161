# tests/html.mk: HTML report, compare, and the headless-Chromium test.
# test_report_html: viz/html.c alone (CUnit); test_html.sh: a run's report.html, rendered by
# Chromium when installed (skipped otherwise); test_compare.sh: `vpnsim compare`.
check_PROGRAMS += tests/test_report_html tests/png_nonblank
TESTS += tests/test_report_html tests/test_html.sh tests/test_compare.sh
tests_test_report_html_SOURCES = tests/test_report_html.c
tests_test_report_html_CFLAGS = $(TEST_CFLAGS) $(JSONGLIB_CFLAGS)
tests_test_report_html_LDADD = $(VIZ_LIBS) $(CUNIT_LIBS)
tests_png_nonblank_SOURCES = tests/png_nonblank.c
tests_png_nonblank_CFLAGS = $(AM_CFLAGS) $(JSONGLIB_CFLAGS)
tests_png_nonblank_LDADD = $(JSONGLIB_LIBS)
EXTRA_DIST += tests/test_html.sh tests/test_compare.sh
