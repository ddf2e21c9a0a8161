# tests/: one CUnit program per unit; each prints CUnit's summary (see build-aux/tee-test-driver).
TEST_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(CUNIT_CFLAGS)
EXTRA_DIST += tests/cu.h tests/vpnsim_test.sh

# The scenario library end to end (needs the program).
TESTS += tests/test_scenarios.sh tests/test_cli.sh
EXTRA_DIST += tests/test_scenarios.sh tests/test_cli.sh tests/scenario-data/run-pcap.ini
# hostile-heavy-loss.ini swept from 0 % to 30 % loss: IKE converges at each level.
TESTS += tests/test_heavy_loss.sh
EXTRA_DIST += tests/test_heavy_loss.sh
check_SCRIPTS += vpnsim

CORE_TESTS = tests/test_sched tests/test_rng tests/test_trace tests/test_traffic tests/test_azure_sku \
	tests/test_ipsec_node tests/test_capacity tests/test_models
check_PROGRAMS += $(CORE_TESTS)
TESTS += $(CORE_TESTS)
tests_test_sched_SOURCES = tests/test_sched.c
tests_test_sched_CFLAGS = $(TEST_CFLAGS)
tests_test_sched_LDADD = $(SIM_LIBS) $(CUNIT_LIBS)
tests_test_rng_SOURCES = tests/test_rng.c
tests_test_rng_CFLAGS = $(TEST_CFLAGS)
tests_test_rng_LDADD = $(SIM_LIBS) $(CUNIT_LIBS)

tests_test_trace_SOURCES = tests/test_trace.c
tests_test_trace_CFLAGS = $(TEST_CFLAGS)
tests_test_trace_LDADD = $(SIM_LIBS) $(CUNIT_LIBS)
tests_test_traffic_SOURCES = tests/test_traffic.c
tests_test_traffic_CFLAGS = $(TEST_CFLAGS)
tests_test_traffic_LDADD = $(MODELS_LIBS) $(CUNIT_LIBS)
tests_test_azure_sku_SOURCES = tests/test_azure_sku.c
tests_test_azure_sku_CFLAGS = $(TEST_CFLAGS)
tests_test_azure_sku_LDADD = $(MODELS_LIBS) $(CUNIT_LIBS)
tests_test_ipsec_node_SOURCES = tests/test_ipsec_node.c
tests_test_ipsec_node_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_ipsec_node_LDADD = $(MODELS_LIBS) $(CUNIT_LIBS)
tests_test_capacity_SOURCES = tests/test_capacity.c
tests_test_capacity_CFLAGS = $(TEST_CFLAGS)
tests_test_capacity_LDADD = $(MODELS_LIBS) $(CUNIT_LIBS)
tests_test_models_SOURCES = tests/test_models.c
tests_test_models_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_models_LDADD = $(MODELS_LIBS) $(CUNIT_LIBS)

include tests/net.mk
include tests/esp.mk
include tests/ike_codec.mk
include tests/ike_crypto.mk
include tests/ike_sa.mk
include tests/scenarios.mk
include tests/viz.mk
include tests/p2s.mk
include tests/ike1.mk
include tests/html.mk
include tests/interop.mk
include tests/attacker.mk
