# tests/p2s.mk: (empty until its sources land)
