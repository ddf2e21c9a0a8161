# tests/ike_crypto.mk: (empty until its sources land)
