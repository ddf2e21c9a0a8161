# models/ipsec/ike_sa.mk: the sans-I/O IKEv2 engine (ike.h) over the IKE codec and IKE crypto.
noinst_LIBRARIES += models/ipsec/libike.a
models_ipsec_libike_a_SOURCES = \
	models/ipsec/ike.h \
	models/ipsec/ike_sa_internal.h \
	models/ipsec/ike_sa.c \
	models/ipsec/ike_message.c \
	models/ipsec/ike_proposal.c \
	models/ipsec/ike_exchange_init.c \
	models/ipsec/ike_exchange_auth.c \
	models/ipsec/ike_child.c \
	models/ipsec/ike_rekey.c \
	models/ipsec/ike_info.c \
	models/ipsec/ike_cert.c
models_ipsec_libike_a_CFLAGS = $(IPSEC_CFLAGS)
IKE_LIBS = models/ipsec/libike.a $(IKECODEC_LIBS) $(IKECRYPTO_LIBS) -lm
