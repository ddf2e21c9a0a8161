# tests/p2s.mk: P2S clients on the gateway model, with certificates from the deterministic test PKI.
check_PROGRAMS += tests/test_p2s
TESTS += tests/test_p2s
tests_test_p2s_SOURCES = tests/test_p2s.c tests/ike_pair.h tests/ike_pair.c
tests_test_p2s_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_p2s_LDADD = $(MODELS_LIBS) $(CUNIT_LIBS)
