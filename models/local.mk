# models/: the node models that join the engine and the IPsec code (sim/ + models/ipsec/).
noinst_LIBRARIES += models/libmodels.a
models_libmodels_a_SOURCES = \
	models/traffic.h models/traffic.c \
	models/azure_sku.h models/azure_sku.c \
	models/ipsec_node.h models/ipsec_node.c \
	models/capacity.h models/capacity.c \
	models/ike_node.h models/ike_node.c \
	models/keylog.h models/keylog.c \
	models/world.h models/world.c \
	models/policy.h models/policy.c models/policy_names.c \
	models/device.h models/device.c \
	models/gateway.h models/gateway.c
models_libmodels_a_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(CRYPTO_CFLAGS)
MODELS_LIBS = models/libmodels.a $(IKE_LIBS) $(ESP_LIBS) $(SIM_LIBS)
include models/p2s.mk
include models/attacker.mk
