# sim/trace.mk: (empty until its sources land)
