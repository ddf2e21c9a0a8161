# bench/engine.mk: (empty until its sources land)
