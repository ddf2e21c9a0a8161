# tests/esp.mk: (empty until its sources land)
