# tests/ike_codec.mk: (empty until its sources land)
