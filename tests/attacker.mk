# tests/attacker.mk: attacker model tests.
