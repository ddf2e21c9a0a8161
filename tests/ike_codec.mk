# tests/ike_codec.mk: the IKEv2 codec: CUnit suite, tshark dissection check, fuzz corpus replay.
EXTRA_DIST += tests/ike_codec_samples.h

check_PROGRAMS += tests/test_ike_codec
TESTS += tests/test_ike_codec
tests_test_ike_codec_SOURCES = tests/test_ike_codec.c tests/ike_codec_samples.c
tests_test_ike_codec_CFLAGS = $(TEST_CFLAGS)
tests_test_ike_codec_LDADD = $(IKECODEC_LIBS) $(CUNIT_LIBS)
