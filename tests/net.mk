# tests/net.mk: network substrate suites: IPv4/UDP codec, routing, links, nodes, pcap, determinism.
check_PROGRAMS += tests/test_ipv4 tests/test_route tests/test_link tests/test_net
TESTS += tests/test_ipv4 tests/test_route tests/test_link tests/test_net
tests_test_ipv4_SOURCES = tests/test_ipv4.c
tests_test_ipv4_CFLAGS = $(TEST_CFLAGS)
tests_test_ipv4_LDADD = $(SIM_LIBS) $(CUNIT_LIBS)
tests_test_route_SOURCES = tests/test_route.c
tests_test_route_CFLAGS = $(TEST_CFLAGS)
tests_test_route_LDADD = $(SIM_LIBS) $(CUNIT_LIBS)
tests_test_link_SOURCES = tests/test_link.c
tests_test_link_CFLAGS = $(TEST_CFLAGS)
tests_test_link_LDADD = $(SIM_LIBS) $(CUNIT_LIBS)
tests_test_net_SOURCES = tests/test_net.c
tests_test_net_CFLAGS = $(TEST_CFLAGS)
tests_test_net_LDADD = $(SIM_LIBS) $(CUNIT_LIBS)
