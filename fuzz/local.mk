# fuzz/: libFuzzer targets, built with clang (-fsanitize=fuzzer,address,undefined) from the
# parsers' own sources so coverage reaches them. `make fuzz` builds them; `make fuzz-smoke`
# runs each for FUZZ_SECONDS (CI) from its seed corpus fuzz/corpus-NAME/ (NAME: the target's
# name without fuzz_, dashes for underscores); docs/security.md records the long runs.
FUZZ_CC = clang
FUZZ_SECONDS = 20
FUZZ_CFLAGS = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-D_GNU_SOURCE -I$(top_srcdir) -I$(top_builddir) $(GLIB_CFLAGS) $(CRYPTO_CFLAGS)
FUZZ_TARGETS = fuzz/fuzz_ike_codec fuzz/fuzz_esp fuzz/fuzz_scenario fuzz/fuzz_ike_responder fuzz/fuzz_ike1 fuzz/fuzz_tcp
EXTRA_DIST += fuzz/fuzz_ike_codec.c fuzz/fuzz_esp.c fuzz/fuzz_scenario.c fuzz/fuzz_ike_responder.c fuzz/fuzz_ike1.c \
	fuzz/fuzz_tcp.c fuzz/corpus-tcp \
	fuzz/ike_responder_pki.h fuzz/corpus-ike-responder
CLEANFILES += $(FUZZ_TARGETS) fuzz-*.log
clean-local: clean-fuzz-corpus
clean-fuzz-corpus:
	rm -rf fuzz-corpus
.PHONY: clean-fuzz-corpus

fuzz/fuzz_ike_codec: fuzz/fuzz_ike_codec.c models/ipsec/ike_codec.c models/ipsec/ike_codec_build.c \
		models/ipsec/ike_codec_names.c
	@mkdir -p fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@ $(GLIB_LIBS)

fuzz/fuzz_esp: fuzz/fuzz_esp.c models/ipsec/esp.c
	@mkdir -p fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@ $(CRYPTO_LIBS) $(GLIB_LIBS)

fuzz/fuzz_scenario: fuzz/fuzz_scenario.c scenarios/ini.c scenarios/units.c scenarios/parse.c \
		scenarios/validate.c scenarios/scenario.c models/azure_sku.c models/policy_names.c sim/ipv4.c
	@mkdir -p fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@ $(GLIB_LIBS) -lm

# TCP header parsing and the MSS clamp a device applies to SYNs (sim/tcp.c).
fuzz/fuzz_tcp: fuzz/fuzz_tcp.c sim/tcp.c sim/ipv4.c
	@mkdir -p fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@ $(GLIB_LIBS)

# IKEv1 (ISAKMP): whole datagrams, and the same bytes as a decrypted payload chain.
fuzz/fuzz_ike1: fuzz/fuzz_ike1.c models/ipsec/ike1_codec.c
	@mkdir -p fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@ $(GLIB_LIBS)

# The IKEv2 responder behind the SK payload: the engine, codec, crypto and ESP libraries' own
# source lists (so new engine files come along); the shell loop keeps the .c files.
FUZZ_IKE_SRCS = $(models_ipsec_libike_a_SOURCES) $(models_ipsec_libikecodec_a_SOURCES) \
	$(models_ipsec_libikecrypto_a_SOURCES) $(models_ipsec_libesp_a_SOURCES)
fuzz/fuzz_ike_responder: fuzz/fuzz_ike_responder.c $(FUZZ_IKE_SRCS)
	@mkdir -p fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) `for f in $^; do case $$f in *.c) echo $$f;; esac; done` -o $@ \
		$(CRYPTO_LIBS) $(GLIB_LIBS) -lm

fuzz: $(FUZZ_TARGETS)

fuzz-smoke: $(FUZZ_TARGETS)
	@set -e; for t in $(FUZZ_TARGETS); do \
		n=$$(basename $$t); mkdir -p fuzz-corpus/$$n; \
		seeds=$(srcdir)/fuzz/corpus-$$(echo $${n#fuzz_} | tr _ -); \
		[ -d $$seeds ] || { echo "no seed corpus $$seeds (make fuzz-seeds)"; exit 1; }; \
		echo "== $$t for $(FUZZ_SECONDS) s from $$(ls $$seeds | wc -l) seeds in $$seeds"; \
		./$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 fuzz-corpus/$$n $$seeds \
			>fuzz-$$n.log 2>&1 || { tail -40 fuzz-$$n.log; exit 1; }; \
		grep -E 'stat::number_of_executed_units' fuzz-$$n.log; \
	done

.PHONY: fuzz fuzz-smoke

# Seed corpora from what the test suite produces (fuzz/fuzz_seeds.c): the codec samples and the
# datagrams of `vpnsim run --pcap` captures for fuzz_ike_codec, fuzz_ike1 and fuzz_esp; the
# scenario files (scenarios/*.ini, tests/scenario-data/*.ini) for fuzz_scenario. `make
# fuzz-seeds` rewrites fuzz/corpus-{ike-codec,ike1,esp,scenario}/ in the source tree (committed;
# the same captures give the same files); `make fuzz-smoke` starts each target from them.
FUZZ_SEED_CORPORA = fuzz/corpus-ike-codec fuzz/corpus-ike1 fuzz/corpus-esp fuzz/corpus-scenario
FUZZ_SEED_RUNS = tests/scenario-data/run-pcap.ini scenarios/s2s-ikev1.ini scenarios/s2s-p2s.ini \
	scenarios/active-active-failover.ini
EXTRA_PROGRAMS = fuzz/fuzz_seeds
fuzz_fuzz_seeds_SOURCES = fuzz/fuzz_seeds.c tests/ike_codec_samples.c
fuzz_fuzz_seeds_CFLAGS = $(TEST_CFLAGS)
fuzz_fuzz_seeds_LDADD = $(IKECODEC_LIBS)
EXTRA_DIST += $(FUZZ_SEED_CORPORA)
CLEANFILES += fuzz/fuzz_seeds

fuzz-seeds: vpnsim fuzz/fuzz_seeds
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for d in $(FUZZ_SEED_CORPORA); do rm -rf $(srcdir)/$$d; done; \
	caps=; for s in $(FUZZ_SEED_RUNS); do \
		n=$$(basename $$s .ini); \
		./vpnsim run $(srcdir)/$$s --out $$tmp/$$n --pcap --quiet >/dev/null || [ $$? = 1 ]; \
		caps="$$caps $$tmp/$$n/capture.pcap"; \
	done; \
	./fuzz/fuzz_seeds $(srcdir)/fuzz $$caps; \
	mkdir -p $(srcdir)/fuzz/corpus-scenario; \
	for f in $(srcdir)/scenarios/*.ini; do cp $$f $(srcdir)/fuzz/corpus-scenario/$$(basename $$f); done; \
	for f in $(srcdir)/tests/scenario-data/*.ini; do cp $$f $(srcdir)/fuzz/corpus-scenario/data-$$(basename $$f); done; \
	du -sh $(FUZZ_SEED_CORPORA:%=$(srcdir)/%)
.PHONY: fuzz-seeds
