# models/ipsec/ike1.mk: IKEv1 (RFC 2409 main and quick mode, PSK) inside the IKE engine.
