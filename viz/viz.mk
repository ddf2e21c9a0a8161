# viz/viz.mk: (empty until its sources land)
