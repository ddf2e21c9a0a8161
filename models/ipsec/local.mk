# models/ipsec/: sans-I/O IKE and ESP over OpenSSL 3 (GLib and libcrypto only, never sim/).
