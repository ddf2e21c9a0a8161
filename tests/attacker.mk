# tests/attacker.mk: attacker model tests.
check_PROGRAMS += tests/test_attacker
TESTS += tests/test_attacker
tests_test_attacker_SOURCES = tests/test_attacker.c
tests_test_attacker_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_attacker_LDADD = $(MODELS_LIBS) $(CUNIT_LIBS)
