# tests/ike_sa.mk: the IKEv2 engine with two peers in one process (tests/ike_pair.[ch]), and a
# pcap of a full exchange that tshark must dissect and decrypt with the exported keys.
check_PROGRAMS += tests/test_ike_sa
TESTS += tests/test_ike_sa
tests_test_ike_sa_SOURCES = tests/test_ike_sa.c tests/ike_pair.h tests/ike_pair.c
tests_test_ike_sa_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_ike_sa_LDADD = $(IKE_LIBS) $(ESP_LIBS) $(CUNIT_LIBS)

check_PROGRAMS += tests/ike_pcap_writer
TESTS += tests/test_ike_pcap.sh
EXTRA_DIST += tests/test_ike_pcap.sh
tests_ike_pcap_writer_SOURCES = tests/ike_pcap_writer.c tests/ike_pair.h tests/ike_pair.c
tests_ike_pcap_writer_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_ike_pcap_writer_LDADD = $(IKE_LIBS) $(SIM_LIBS)

# interop with a real strongSwan (charon, kernel-libipsec) in two network namespaces; skips (77)
# unless root, ip netns and charon are available
check_PROGRAMS += tests/ike_live_peer
TESTS += tests/test_ike_strongswan.sh
EXTRA_DIST += tests/test_ike_strongswan.sh
tests_ike_live_peer_SOURCES = tests/ike_live_peer.c tests/ike_pair.h tests/ike_pair.c
tests_ike_live_peer_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_ike_live_peer_LDADD = $(IKE_LIBS) $(ESP_LIBS)

# The policy knobs the pain-point scenarios rest on: TS cover, PSK change.
check_PROGRAMS += tests/test_ike_policy
TESTS += tests/test_ike_policy
tests_test_ike_policy_SOURCES = tests/test_ike_policy.c tests/ike_pair.h tests/ike_pair.c
tests_test_ike_policy_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_ike_policy_LDADD = $(IKE_LIBS) $(ESP_LIBS) $(CUNIT_LIBS)
