# tests/ipsec.mk: (empty until its sources land)
