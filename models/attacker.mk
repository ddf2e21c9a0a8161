# models/attacker.mk: the attacker node model (hostile scenarios).
