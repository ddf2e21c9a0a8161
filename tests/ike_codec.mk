# tests/ike_codec.mk: the IKEv2 codec: CUnit suite, tshark dissection check, fuzz corpus replay.
EXTRA_DIST += tests/ike_codec_samples.h

check_PROGRAMS += tests/test_ike_codec
TESTS += tests/test_ike_codec
tests_test_ike_codec_SOURCES = tests/test_ike_codec.c tests/ike_codec_samples.c
tests_test_ike_codec_CFLAGS = $(TEST_CFLAGS)
tests_test_ike_codec_LDADD = $(IKECODEC_LIBS) $(CUNIT_LIBS)

# Wireshark judges the builder (skips with 77 when TSHARK is empty).
check_PROGRAMS += tests/test_ike_codec_tshark
TESTS += tests/test_ike_codec_tshark
tests_test_ike_codec_tshark_SOURCES = tests/test_ike_codec_tshark.c tests/ike_codec_samples.c
tests_test_ike_codec_tshark_CFLAGS = $(TEST_CFLAGS)
tests_test_ike_codec_tshark_LDADD = $(IKECODEC_LIBS) $(SIM_LIBS) $(CUNIT_LIBS)

# The libFuzzer target replayed on the samples and ~400k deterministic mutations of them.
check_PROGRAMS += tests/test_ike_codec_corpus
TESTS += tests/test_ike_codec_corpus
tests_test_ike_codec_corpus_SOURCES = tests/test_ike_codec_corpus.c fuzz/fuzz_ike_codec.c tests/ike_codec_samples.c
tests_test_ike_codec_corpus_CFLAGS = $(TEST_CFLAGS)
tests_test_ike_codec_corpus_LDADD = $(IKECODEC_LIBS)

# The codec against IKE crypto: SK built, sealed, parsed, opened; tshark decrypts it with our key row.
check_PROGRAMS += tests/test_ike_codec_sk
TESTS += tests/test_ike_codec_sk
tests_test_ike_codec_sk_SOURCES = tests/test_ike_codec_sk.c tests/ike_codec_samples.c
tests_test_ike_codec_sk_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_ike_codec_sk_LDADD = $(IKECODEC_LIBS) $(IKECRYPTO_LIBS) $(SIM_LIBS) $(CUNIT_LIBS)
