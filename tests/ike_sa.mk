# tests/ike_sa.mk: the IKEv2 engine with two peers in one process (tests/ike_pair.[ch]), and a
# pcap of a full exchange that tshark must dissect and decrypt with the exported keys.
check_PROGRAMS += tests/test_ike_sa
TESTS += tests/test_ike_sa
tests_test_ike_sa_SOURCES = tests/test_ike_sa.c tests/ike_pair.h tests/ike_pair.c
tests_test_ike_sa_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_ike_sa_LDADD = $(IKE_LIBS) $(ESP_LIBS) $(CUNIT_LIBS)
