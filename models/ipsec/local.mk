# models/ipsec/: sans-I/O IKE and ESP over OpenSSL 3 (GLib and libcrypto only, never sim/).
IPSEC_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(CRYPTO_CFLAGS)
include models/ipsec/esp.mk
include models/ipsec/ike_codec.mk
include models/ipsec/ike_crypto.mk
include models/ipsec/ike_sa.mk
include models/ipsec/ike1.mk
