# models/ipsec/ike_crypto.mk: (empty until its sources land)
