# models/ipsec/ike1.mk: IKEv1 (RFC 2409 main and quick mode, PSK) inside the IKE engine.
models_ipsec_libike_a_SOURCES += \
	models/ipsec/ike1_internal.h \
	models/ipsec/ike1_codec.c \
	models/ipsec/ike1_crypto.c \
	models/ipsec/ike1_sa.c
