# scenarios/scenarios.mk: (empty until its sources land)
