# tests/interop.mk: interop tests of vpnsim live against a real strongSwan charon.
