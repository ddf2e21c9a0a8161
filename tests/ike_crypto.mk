# tests/ike_crypto.mk: vectors for IKE key material and SK protection (NIST CAVP SP 800-135,
# RFC 4231/4868, NIST GCM) and for the DH groups (RFC 5903, RFC 7748, MODP agreement/padding).
check_PROGRAMS += tests/test_ike_crypto tests/test_ike_dh
TESTS += tests/test_ike_crypto tests/test_ike_dh
tests_test_ike_crypto_SOURCES = tests/test_ike_crypto.c
tests_test_ike_crypto_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_ike_crypto_LDADD = $(IKECRYPTO_LIBS) $(CUNIT_LIBS)
tests_test_ike_dh_SOURCES = tests/test_ike_dh.c
tests_test_ike_dh_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_ike_dh_LDADD = $(IKECRYPTO_LIBS) $(CUNIT_LIBS)
