# models/ipsec/esp.mk: the ESP data plane (RFC 4303 tunnel mode), a library of its own.
noinst_LIBRARIES += models/ipsec/libesp.a
models_ipsec_libesp_a_SOURCES = models/ipsec/esp.h models/ipsec/esp.c
models_ipsec_libesp_a_CFLAGS = $(IPSEC_CFLAGS)
ESP_LIBS = models/ipsec/libesp.a $(CRYPTO_LIBS) $(GLIB_LIBS)
