# tests/esp.mk: the ESP data plane: CUnit suite, and a pcap that tshark must decrypt.
check_PROGRAMS += tests/test_esp tests/esp_pcap_writer
TESTS += tests/test_esp tests/test_esp_tshark.sh
EXTRA_DIST += tests/test_esp_tshark.sh
tests_test_esp_SOURCES = tests/test_esp.c
tests_test_esp_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_test_esp_LDADD = $(ESP_LIBS) $(CUNIT_LIBS)
tests_esp_pcap_writer_SOURCES = tests/esp_pcap_writer.c
tests_esp_pcap_writer_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_esp_pcap_writer_LDADD = $(ESP_LIBS) $(SIM_LIBS)
