# models/ipsec/esp.mk: (empty until its sources land)
