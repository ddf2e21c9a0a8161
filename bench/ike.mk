# bench/ike.mk: (empty until its sources land)
