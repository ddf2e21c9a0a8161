# tests/ike1.mk: IKEv1 tests.
