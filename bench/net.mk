# bench/net.mk: (empty until its sources land)
