# models/ipsec/ike_codec.mk: (empty until its sources land)
