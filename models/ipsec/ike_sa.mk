# models/ipsec/ike_sa.mk: (empty until its sources land)
