# tests/trace.mk: (empty until its sources land)
