# models/p2s.mk: point-to-site (the gateway's P2S side, clients, groups).
models_libmodels_a_SOURCES += models/p2s.h models/p2s.c
