/* fuzz_ike1.c: libFuzzer target for the IKEv1 (ISAKMP) parser: one datagram through
 * ike1_parse_datagram (header, payload chain, SA payloads down to their attributes, fixed fields
 * of every payload), and the same bytes as a decrypted body (first byte: the first payload type)
 * through ike1_payloads_parse and ike1_payloads_validate, the path an encrypted message takes
 * after decryption. */
#include "models/ipsec/ike1_internal.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike1_msg m;
	(void)ike1_parse_datagram(data, size, &m);
	if (size >= 1) {
		struct ike1_payloads l;
		if (ike1_payloads_parse(data[0], data + 1, size - 1, true, &l) == IKE1_PARSE_OK)
			(void)ike1_payloads_validate(data + 1, &l);
	}
	return 0;
}
