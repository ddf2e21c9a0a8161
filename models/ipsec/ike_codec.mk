# models/ipsec/ike_codec.mk: the IKEv2 message and payload codec (RFC 7296 §3), GLib only.
noinst_LIBRARIES += models/ipsec/libikecodec.a
models_ipsec_libikecodec_a_SOURCES = \
	models/ipsec/ike_consts.h \
	models/ipsec/ike_codec.h \
	models/ipsec/ike_codec.c \
	models/ipsec/ike_codec_build.c \
	models/ipsec/ike_codec_names.c
models_ipsec_libikecodec_a_CFLAGS = $(IPSEC_CFLAGS)
IKECODEC_LIBS = models/ipsec/libikecodec.a $(GLIB_LIBS)
