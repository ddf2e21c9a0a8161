# models/attacker.mk: the attacker node model (hostile scenarios).
models_libmodels_a_SOURCES += models/attacker.h models/attacker.c
