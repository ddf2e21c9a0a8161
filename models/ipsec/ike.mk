# models/ipsec/ike.mk: (empty until its sources land)
