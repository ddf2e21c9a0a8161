/* ike_dh.c: one table of IKE Diffie-Hellman groups (after iked's dh.c), each row with its
 * lengths and a small vtable (generate, derive). Private values come from caller-supplied bytes,
 * never from OpenSSL's RNG, so every output depends only on those bytes. (OpenSSL may still draw
 * from its own DRBG inside a point multiplication to blind it against side channels; that
 * changes no result.)
 *
 * MODP and ECP work on the numbers directly, as OpenSSL's DH and ECDH do inside
 * EVP_PKEY_derive: MODP y = g^x and g^xy = y^x mod p (BN_mod_exp_mont_consttime), ECP the public
 * value d*G and the secret the x coordinate of d*Q (EC_POINT_mul), on domain objects built once
 * per process. Going through EVP_PKEYs instead meant building the domain for every key
 * (EVP_PKEY_fromdata rebuilds a curve from its name, with a modular inversion for the Montgomery
 * form of its order; a DH key computes its own Montgomery context for p): for P-256 that cost
 * nearly as much as the derive itself, for MODP-2048 a few percent. Curve25519 keys are raw
 * EVP_PKEYs and their secret comes from EVP_PKEY_derive.
 *
 * The curves and the MODP groups' p, q, g (with a Montgomery context for p) are built once per
 * process on first use and only read afterwards: constants in all but name, shared safely by
 * threads and by every simulation in the process. */
#include "models/ipsec/ike_dh.h"

#include <glib.h>
#include <stdbool.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <string.h>

enum dh_kind { DH_MODP, DH_ECP, DH_X25519 };

struct dh_ops;

struct ike_dh_group {
	uint16_t id;
	const char *name;
	enum dh_kind kind;
	size_t public_len;
	size_t secret_len;
	size_t private_len;
	int curve_nid;	    /* ECP only */
	const char *p_hex;  /* MODP only: modulus */
	const char *q_hex;  /* MODP: subgroup order, NULL for safe primes (q = (p-1)/2) */
	const char *g_hex;  /* MODP: generator */
	bool check_subgroup; /* MODP with a small subgroup: peer's y^q must be 1 (RFC 6989 §2.1) */
	const struct dh_ops *ops;
};

struct ike_dh_key {
	const struct ike_dh_group *group;
	EVP_PKEY *pkey; /* Curve25519 */
	BIGNUM *priv;	/* MODP: the exponent x; ECP: the scalar d (secure heap, constant-time flag) */
};

struct dh_ops {
	/* sets key->pkey or key->priv from exactly private_len bytes; writes the public value */
	enum ike_dh_verdict (*generate)(const struct ike_dh_group *g, const uint8_t *priv, struct ike_dh_key *key,
					uint8_t *out_public);
	/* checks the peer's value (public_len bytes) and writes the secret (secret_len bytes) */
	enum ike_dh_verdict (*derive)(const struct ike_dh_key *key, const uint8_t *pub, uint8_t *out_secret);
};

/* What is built once per process for a group (see the file comment). */
struct dh_consts {
	EC_GROUP *ec;			/* ECP */
	BIGNUM *p, *q, *g, *p_minus_1;	/* MODP; q = (p-1)/2 for safe primes */
	BN_MONT_CTX *mont_p;		/* MODP */
};

static const struct dh_consts *group_consts(const struct ike_dh_group *grp);

/* ---- helpers ----------------------------------------------------------------------------- */

/* Maps x into [1, bound-1]: x itself when already there, else (x mod (bound-1)) + 1. */
static bool bn_into_range(BIGNUM *x, const BIGNUM *bound, BN_CTX *bn)
{
	if (!BN_is_zero(x) && BN_cmp(x, bound) < 0)
		return true;
	BIGNUM *m = BN_dup(bound);
	bool ok = m && BN_sub_word(m, 1) && BN_nnmod(x, x, m, bn) && BN_add_word(x, 1);
	BN_free(m);
	return ok;
}

/* ---- MODP -------------------------------------------------------------------------------- */

static enum ike_dh_verdict modp_generate(const struct ike_dh_group *grp, const uint8_t *priv, struct ike_dh_key *key,
					 uint8_t *out_public)
{
	enum ike_dh_verdict v = IKE_DHV_CRYPTO_ERROR;
	const struct dh_consts *mp = group_consts(grp);
	BN_CTX *bn = BN_CTX_new();
	BIGNUM *x = BN_secure_new();
	BIGNUM *y = BN_new();
	if (!bn || !x || !y)
		goto out;
	if (!BN_bin2bn(priv, (int)grp->private_len, x) || !bn_into_range(x, mp->q, bn))
		goto out;
	BN_set_flags(x, BN_FLG_CONSTTIME);
	if (!BN_mod_exp_mont_consttime(y, mp->g, x, mp->p, bn, mp->mont_p) ||
	    BN_bn2binpad(y, out_public, (int)grp->public_len) != (int)grp->public_len)
		goto out;
	key->priv = x;
	x = NULL;
	v = IKE_DHV_OK;
out:
	BN_free(y);
	BN_clear_free(x);
	BN_CTX_free(bn);
	return v;
}

static enum ike_dh_verdict modp_derive(const struct ike_dh_key *key, const uint8_t *pub, uint8_t *out_secret)
{
	const struct ike_dh_group *grp = key->group;
	enum ike_dh_verdict v = IKE_DHV_CRYPTO_ERROR;
	const struct dh_consts *mp = group_consts(grp);
	BN_CTX *bn = BN_CTX_new();
	BIGNUM *y = BN_new();
	BIGNUM *z = BN_new();
	if (!bn || !y || !z || !BN_bin2bn(pub, (int)grp->public_len, y))
		goto out;
	/* RFC 6989 §2.2: 1 < y < p-1 */
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, mp->p_minus_1) >= 0) {
		v = IKE_DHV_INVALID_PUBLIC;
		goto out;
	}
	/* RFC 6989 §2.1: for groups with a small subgroup, y^q = 1 mod p */
	if (grp->check_subgroup) {
		if (!BN_mod_exp_mont(z, y, mp->q, mp->p, bn, mp->mont_p))
			goto out;
		if (!BN_is_one(z)) {
			v = IKE_DHV_INVALID_PUBLIC;
			goto out;
		}
	}
	/* g^xy = y^x mod p, left-padded to the modulus length (RFC 7296 §2.14), as OpenSSL's DH
	 * computes it (constant time in x) */
	if (BN_mod_exp_mont_consttime(z, y, key->priv, mp->p, bn, mp->mont_p) &&
	    BN_bn2binpad(z, out_secret, (int)grp->secret_len) == (int)grp->secret_len)
		v = IKE_DHV_OK;
out:
	BN_clear_free(z);
	BN_free(y);
	BN_CTX_free(bn);
	return v;
}

/* ---- ECP (RFC 5903) ---------------------------------------------------------------------- */

static enum ike_dh_verdict ecp_generate(const struct ike_dh_group *grp, const uint8_t *priv, struct ike_dh_key *key,
					uint8_t *out_public)
{
	enum ike_dh_verdict v = IKE_DHV_CRYPTO_ERROR;
	uint8_t point[1 + 2 * 66];
	size_t point_len = 1 + grp->public_len;
	g_assert(point_len <= sizeof point);
	const EC_GROUP *ecg = group_consts(grp)->ec;
	BN_CTX *bn = BN_CTX_new();
	EC_POINT *q = EC_POINT_new(ecg);
	BIGNUM *d = BN_secure_new();
	if (!bn || !q || !d)
		goto out;
	if (!BN_bin2bn(priv, (int)grp->private_len, d) || !bn_into_range(d, EC_GROUP_get0_order(ecg), bn))
		goto out;
	BN_set_flags(d, BN_FLG_CONSTTIME);
	if (!EC_POINT_mul(ecg, q, d, NULL, NULL, bn) ||
	    EC_POINT_point2oct(ecg, q, POINT_CONVERSION_UNCOMPRESSED, point, point_len, bn) != point_len)
		goto out;
	memcpy(out_public, point + 1, grp->public_len); /* x || y without the 0x04 */
	key->priv = d;
	d = NULL;
	v = IKE_DHV_OK;
out:
	BN_clear_free(d);
	EC_POINT_free(q);
	BN_CTX_free(bn);
	return v;
}

static enum ike_dh_verdict ecp_derive(const struct ike_dh_key *key, const uint8_t *pub, uint8_t *out_secret)
{
	const struct ike_dh_group *grp = key->group;
	enum ike_dh_verdict v = IKE_DHV_CRYPTO_ERROR;
	uint8_t point[1 + 2 * 66];
	size_t point_len = 1 + grp->public_len;
	g_assert(point_len <= sizeof point);
	point[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(point + 1, pub, grp->public_len);
	const EC_GROUP *ecg = group_consts(grp)->ec;
	BN_CTX *bn = BN_CTX_new();
	EC_POINT *peer = EC_POINT_new(ecg), *shared = EC_POINT_new(ecg);
	BIGNUM *x = BN_new();
	if (!bn || !peer || !shared || !x)
		goto out;
	/* Decoding the point checks that the coordinates are below p and that it lies on the
	 * curve; P-256 and P-384 have cofactor 1, so that is the whole check (RFC 6989 §2.3). */
	if (EC_POINT_oct2point(ecg, peer, point, point_len, bn) != 1) {
		v = IKE_DHV_INVALID_PUBLIC;
		goto out;
	}
	/* ECDH (SEC 1 §3.3.1): the x coordinate of d*Q, as OpenSSL's ECDH computes it */
	if (!EC_POINT_mul(ecg, shared, NULL, peer, key->priv, bn))
		goto out;
	if (EC_POINT_is_at_infinity(ecg, shared)) {
		v = IKE_DHV_INVALID_PUBLIC;
		goto out;
	}
	if (EC_POINT_get_affine_coordinates(ecg, shared, x, NULL, bn) &&
	    BN_bn2binpad(x, out_secret, (int)grp->secret_len) == (int)grp->secret_len)
		v = IKE_DHV_OK;
out:
	BN_clear_free(x);
	EC_POINT_clear_free(shared);
	EC_POINT_free(peer);
	BN_CTX_free(bn);
	return v;
}

/* ---- Curve25519 (RFC 7748, RFC 8031) ----------------------------------------------------- */

static enum ike_dh_verdict x25519_generate(const struct ike_dh_group *grp, const uint8_t *priv, struct ike_dh_key *key,
					   uint8_t *out_public)
{
	size_t len = grp->public_len;
	key->pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, grp->private_len);
	if (!key->pkey || EVP_PKEY_get_raw_public_key(key->pkey, out_public, &len) != 1 || len != grp->public_len)
		return IKE_DHV_CRYPTO_ERROR;
	return IKE_DHV_OK;
}

static enum ike_dh_verdict x25519_derive(const struct ike_dh_key *key, const uint8_t *pub, uint8_t *out_secret)
{
	const struct ike_dh_group *g = key->group;
	/* Low-order points are caught at derive time: X25519 then yields all zeros, which
	 * OpenSSL refuses (RFC 7748 §6.1, RFC 8031 §2.3). */
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, pub, g->public_len);
	if (!peer)
		return IKE_DHV_INVALID_PUBLIC;
	enum ike_dh_verdict v = IKE_DHV_CRYPTO_ERROR;
	size_t len = g->secret_len;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) == 1) {
		if (EVP_PKEY_derive(ctx, out_secret, &len) == 1)
			v = len == g->secret_len ? IKE_DHV_OK : IKE_DHV_CRYPTO_ERROR;
		else /* a low-order point gives all zeros, which OpenSSL refuses */
			v = IKE_DHV_INVALID_PUBLIC;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return v;
}

/* ---- the table --------------------------------------------------------------------------- */

static const struct dh_ops modp_ops = { modp_generate, modp_derive };
static const struct dh_ops ecp_ops = { ecp_generate, ecp_derive };
static const struct dh_ops x25519_ops = { x25519_generate, x25519_derive };

/* RFC 2409 §6.2 (Oakley group 2): 2^1024 - 2^960 - 1 + 2^64 * ([2^894 pi] + 129093), g = 2. */
static const char modp_1024_p[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";

/* RFC 3526 §3: 2^2048 - 2^1984 - 1 + 2^64 * ([2^1918 pi] + 124476), g = 2 (OpenSSL's
 * "modp_2048"; the tests check the two agree). */
static const char modp_2048_p[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	"3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF";

/* RFC 5114 §2.3: 2048-bit MODP group with 256-bit prime order subgroup (OpenSSL's
 * "dh_2048_256"). */
static const char modp_2048_256_p[] =
	"87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00"
	"E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C"
	"209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B"
	"6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76"
	"B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8E"
	"F6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026"
	"C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103"
	"A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597";
static const char modp_2048_256_g[] =
	"3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA125"
	"10DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62"
	"901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B"
	"777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193"
	"B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0A"
	"DB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915"
	"B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C3"
	"2F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659";
static const char modp_2048_256_q[] = "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3";

static const struct ike_dh_group groups[] = {
	{ .id = IKE_CRYPTO_DH_MODP_1024, .name = "MODP-1024", .kind = DH_MODP, .public_len = 128,
	  .secret_len = 128, .private_len = 32, .p_hex = modp_1024_p, .g_hex = "02",
	  .ops = &modp_ops },
	{ .id = IKE_CRYPTO_DH_MODP_2048, .name = "MODP-2048", .kind = DH_MODP, .public_len = 256,
	  .secret_len = 256, .private_len = 32, .p_hex = modp_2048_p, .g_hex = "02",
	  .ops = &modp_ops },
	{ .id = IKE_CRYPTO_DH_ECP_256, .name = "ECP-256", .kind = DH_ECP, .public_len = 64, .secret_len = 32,
	  .private_len = 32, .curve_nid = NID_X9_62_prime256v1, .ops = &ecp_ops },
	{ .id = IKE_CRYPTO_DH_ECP_384, .name = "ECP-384", .kind = DH_ECP, .public_len = 96, .secret_len = 48,
	  .private_len = 48, .curve_nid = NID_secp384r1, .ops = &ecp_ops },
	{ .id = IKE_CRYPTO_DH_MODP_2048_256, .name = "MODP-2048-256", .kind = DH_MODP, .public_len = 256,
	  .secret_len = 256, .private_len = 32, .p_hex = modp_2048_256_p,
	  .q_hex = modp_2048_256_q, .g_hex = modp_2048_256_g, .check_subgroup = true, .ops = &modp_ops },
	{ .id = IKE_CRYPTO_DH_CURVE25519, .name = "Curve25519", .kind = DH_X25519, .public_len = 32,
	  .secret_len = 32, .private_len = 32, .ops = &x25519_ops },
};

static struct dh_consts consts_table[G_N_ELEMENTS(groups)];

static bool consts_build(const struct ike_dh_group *grp, struct dh_consts *c)
{
	if (grp->kind == DH_ECP) {
		c->ec = EC_GROUP_new_by_curve_name_ex(NULL, NULL, grp->curve_nid);
		return c->ec != NULL;
	}
	if (grp->kind != DH_MODP)
		return true;
	BN_CTX *bn = BN_CTX_new();
	bool ok = bn && BN_hex2bn(&c->p, grp->p_hex) && BN_hex2bn(&c->g, grp->g_hex) && (c->p_minus_1 = BN_dup(c->p)) &&
		  BN_sub_word(c->p_minus_1, 1);
	if (ok && grp->q_hex)
		ok = BN_hex2bn(&c->q, grp->q_hex) != 0;
	else if (ok) /* safe prime: q = (p-1)/2 */
		ok = (c->q = BN_new()) && BN_rshift1(c->q, c->p_minus_1);
	ok = ok && (c->mont_p = BN_MONT_CTX_new()) && BN_MONT_CTX_set(c->mont_p, c->p, bn);
	BN_CTX_free(bn);
	return ok;
}

/* The group's objects, built for every group on the first call (see the file comment). */
static const struct dh_consts *group_consts(const struct ike_dh_group *grp)
{
	static gsize built;
	if (g_once_init_enter(&built)) {
		for (size_t i = 0; i < G_N_ELEMENTS(groups); i++)
			if (!consts_build(&groups[i], &consts_table[i]))
				g_error("ike_dh: OpenSSL cannot build group %s", groups[i].name);
		g_once_init_leave(&built, 1);
	}
	return &consts_table[grp - groups];
}

const struct ike_dh_group *ike_dh_group_lookup(uint16_t group_id)
{
	for (size_t i = 0; i < G_N_ELEMENTS(groups); i++)
		if (groups[i].id == group_id)
			return &groups[i];
	return NULL;
}

uint16_t ike_dh_group_id(const struct ike_dh_group *g) { return g->id; }
const char *ike_dh_group_name(const struct ike_dh_group *g) { return g->name; }
size_t ike_dh_public_len(const struct ike_dh_group *g) { return g->public_len; }
size_t ike_dh_secret_len(const struct ike_dh_group *g) { return g->secret_len; }
size_t ike_dh_private_len(const struct ike_dh_group *g) { return g->private_len; }
const struct ike_dh_group *ike_dh_key_group(const struct ike_dh_key *key) { return key->group; }

enum ike_dh_verdict ike_dh_generate(const struct ike_dh_group *g, const uint8_t *private_bytes, size_t private_len,
				    struct ike_dh_key **out_key, uint8_t *out_public)
{
	*out_key = NULL;
	if (!g)
		return IKE_DHV_UNSUPPORTED_GROUP;
	if (private_len != g->private_len)
		return IKE_DHV_BAD_LENGTH;
	struct ike_dh_key *key = g_new0(struct ike_dh_key, 1);
	key->group = g;
	enum ike_dh_verdict v = g->ops->generate(g, private_bytes, key, out_public);
	if (v != IKE_DHV_OK) {
		ike_dh_key_free(key);
		return v;
	}
	*out_key = key;
	return IKE_DHV_OK;
}

enum ike_dh_verdict ike_dh_derive(const struct ike_dh_key *key, const uint8_t *peer_public, size_t peer_len,
				  uint8_t *out_secret)
{
	const struct ike_dh_group *g = key->group;
	if (peer_len != g->public_len)
		return IKE_DHV_BAD_LENGTH;
	enum ike_dh_verdict v = g->ops->derive(key, peer_public, out_secret);
	if (v != IKE_DHV_OK)
		OPENSSL_cleanse(out_secret, g->secret_len);
	return v;
}

void ike_dh_key_free(struct ike_dh_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	BN_clear_free(key->priv);
	g_free(key);
}

const char *ike_dh_verdict_name(enum ike_dh_verdict v)
{
	switch (v) {
	case IKE_DHV_OK:
		return "ok";
	case IKE_DHV_UNSUPPORTED_GROUP:
		return "unsupported-group";
	case IKE_DHV_BAD_LENGTH:
		return "bad-length";
	case IKE_DHV_INVALID_PUBLIC:
		return "invalid-public";
	case IKE_DHV_CRYPTO_ERROR:
		return "crypto-error";
	}
	return "?";
}
