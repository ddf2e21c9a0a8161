# bench/scale.mk: (empty until its sources land)
