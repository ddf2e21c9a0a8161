# scenarios/scenarios.mk: the scenario front end: INI reader, units, parser, Azure validation, `check`.
noinst_LIBRARIES += scenarios/libscenario.a
scenarios_libscenario_a_SOURCES = \
	scenarios/scenario.h scenarios/scenario.c \
	scenarios/ini.h scenarios/ini.c \
	scenarios/units.h scenarios/units.c \
	scenarios/parse.h scenarios/parse.c \
	scenarios/validate.h scenarios/validate.c \
	scenarios/cmd.h scenarios/cmd_check.c
scenarios_libscenario_a_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
SCENARIO_LIBS = scenarios/libscenario.a $(MODELS_LIBS) $(GLIB_LIBS)

# The example scenarios (they parse and validate cleanly; tests/test_scenario checks them).
SCENARIO_EXAMPLES = scenarios/s2s-ikev2.ini scenarios/active-active-failover.ini scenarios/multisite-vpngw2.ini
# The whole library (tests/test_scenarios.sh runs every one with its expectations).
SCENARIO_LIBRARY = $(SCENARIO_EXAMPLES) scenarios/active-standby-unplanned.ini \
	scenarios/active-standby-planned.ini scenarios/dpd-too-long.ini scenarios/mtu-black-hole.ini \
	scenarios/p2s-200.ini scenarios/s2s-p2s.ini scenarios/ts-mismatch.ini scenarios/aa-single-tunnel.ini \
	scenarios/pfs-lifetime-mismatch.ini scenarios/dual-redundancy.ini scenarios/psk-change.ini \
	scenarios/hostile-ike-flood.ini scenarios/hostile-esp-replay.ini scenarios/hostile-garbage.ini \
	scenarios/hostile-heavy-loss.ini scenarios/s2s-ikev1.ini scenarios/ikev1-rekey-drop.ini \
	scenarios/policy-change.ini scenarios/path-flap.ini scenarios/psk-rotation.ini
EXTRA_DIST += $(SCENARIO_LIBRARY) fuzz/fuzz_scenario.c
