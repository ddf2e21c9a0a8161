# tests/net.mk: network substrate suites: IPv4/UDP codec, routing, links, nodes, pcap, determinism.
check_PROGRAMS += tests/test_ipv4 tests/test_tcp tests/test_route tests/test_link tests/test_net \
	tests/test_determinism
TESTS += tests/test_ipv4 tests/test_tcp tests/test_route tests/test_link tests/test_net tests/test_determinism
tests_test_ipv4_SOURCES = tests/test_ipv4.c
tests_test_ipv4_CFLAGS = $(TEST_CFLAGS)
tests_test_ipv4_LDADD = $(SIM_LIBS) $(CUNIT_LIBS)
tests_test_tcp_SOURCES = tests/test_tcp.c
tests_test_tcp_CFLAGS = $(TEST_CFLAGS)
tests_test_tcp_LDADD = $(SIM_LIBS) $(CUNIT_LIBS)
tests_test_route_SOURCES = tests/test_route.c
tests_test_route_CFLAGS = $(TEST_CFLAGS)
tests_test_route_LDADD = $(SIM_LIBS) $(CUNIT_LIBS)
tests_test_link_SOURCES = tests/test_link.c
tests_test_link_CFLAGS = $(TEST_CFLAGS)
tests_test_link_LDADD = $(SIM_LIBS) $(CUNIT_LIBS)
tests_test_net_SOURCES = tests/test_net.c
tests_test_net_CFLAGS = $(TEST_CFLAGS)
tests_test_net_LDADD = $(SIM_LIBS) $(CUNIT_LIBS)
tests_test_determinism_SOURCES = tests/test_determinism.c
tests_test_determinism_CFLAGS = $(TEST_CFLAGS)
tests_test_determinism_LDADD = $(SIM_LIBS) $(CUNIT_LIBS)

# pcap read back by tshark (skips without it): net_pcap_writer writes, test_pcap.sh checks
check_PROGRAMS += tests/net_pcap_writer
tests_net_pcap_writer_SOURCES = tests/net_pcap_writer.c
tests_net_pcap_writer_CFLAGS = $(TEST_CFLAGS)
tests_net_pcap_writer_LDADD = $(SIM_LIBS)
TESTS += tests/test_pcap.sh
EXTRA_DIST += tests/test_pcap.sh
