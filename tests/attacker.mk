# tests/attacker.mk: attacker model tests.
check_PROGRAMS += tests/test_attacker
TESTS += tests/test_attacker
tests_test_attacker_SOURCES = tests/test_attacker.c
tests_test_attacker_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_attacker_LDADD = $(MODELS_LIBS) $(CUNIT_LIBS)

# The IKE responder fuzz target replayed without clang: seeds and deterministic edits (every
# build, the sanitizer build and valgrind).
check_PROGRAMS += tests/test_ike_responder_corpus
TESTS += tests/test_ike_responder_corpus
tests_test_ike_responder_corpus_SOURCES = tests/test_ike_responder_corpus.c
tests_test_ike_responder_corpus_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_ike_responder_corpus_LDADD = $(IKE_LIBS) $(ESP_LIBS) $(CUNIT_LIBS)
