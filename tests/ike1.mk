# tests/ike1.mk: IKEv1 tests: the engine with two peers in one process (key schedule vectors,
# exchanges, failures, rekeys, NAT-T, hostile input), and a pcap that tshark must decrypt with the
# ikev1_decryption_table rows the engine exports.
check_PROGRAMS += tests/test_ike1
TESTS += tests/test_ike1
tests_test_ike1_SOURCES = tests/test_ike1.c tests/ike_pair.h tests/ike_pair.c
tests_test_ike1_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_ike1_LDADD = $(IKE_LIBS) $(ESP_LIBS) $(CUNIT_LIBS)

check_PROGRAMS += tests/test_ike1_pcap
TESTS += tests/test_ike1_tshark.sh
EXTRA_DIST += tests/test_ike1_tshark.sh
tests_test_ike1_pcap_SOURCES = tests/test_ike1_pcap.c tests/ike_pair.h tests/ike_pair.c
tests_test_ike1_pcap_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_ike1_pcap_LDADD = $(IKE_LIBS) $(ESP_LIBS) $(SIM_LIBS)

# The parser's fuzz entry (ike1_parse_datagram) on a session's datagrams and their mutations.
check_PROGRAMS += tests/test_ike1_corpus
TESTS += tests/test_ike1_corpus
tests_test_ike1_corpus_SOURCES = tests/test_ike1_corpus.c tests/ike_pair.h tests/ike_pair.c
tests_test_ike1_corpus_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_ike1_corpus_LDADD = $(IKE_LIBS) $(CUNIT_LIBS)
