# models/p2s.mk: (empty until its sources land)
