# models/ipsec/ike_crypto.mk: IKE key material, SK payload protection and Diffie-Hellman groups
# (OpenSSL 3 EVP and GLib only).
noinst_LIBRARIES += models/ipsec/libikecrypto.a
models_ipsec_libikecrypto_a_SOURCES = \
	models/ipsec/ike_crypto.h models/ipsec/ike_crypto.c \
	models/ipsec/ike_dh.h models/ipsec/ike_dh.c \
	models/ipsec/ike_pki.h models/ipsec/ike_pki.c
models_ipsec_libikecrypto_a_CFLAGS = $(IPSEC_CFLAGS)
IKECRYPTO_LIBS = models/ipsec/libikecrypto.a $(CRYPTO_LIBS) $(GLIB_LIBS)
