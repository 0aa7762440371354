/* tls.c - kubesim's TLS: an in-memory self-signed CA (EC P-256) and a
 * server certificate for 127.0.0.1/localhost signed by it, generated at
 * start; bufferevents for evhttp's TLS connections. */
#include "ks.h"

#include <stdio.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ex)
		return -1;
	X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	return 0;
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer,
		       EVP_PKEY *issuer_key, bool ca)
{
	X509 *c = X509_new();
	unsigned char serial[16];
	BIGNUM *bn;
	X509_NAME *name;

	if (!c)
		return NULL;
	X509_set_version(c, 2);
	RAND_bytes(serial, sizeof(serial));
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c));
	BN_free(bn);
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), 10L * 365 * 24 * 3600);
	X509_set_pubkey(c, key);
	name = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				   (const unsigned char *)"kubesim", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	if (ca) {
		add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(c, c, NID_key_usage,
			"critical,keyCertSign,cRLSign,digitalSignature");
		add_ext(c, c, NID_subject_key_identifier, "hash");
	} else {
		add_ext(c, issuer, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(c, issuer, NID_key_usage,
			"critical,digitalSignature,keyEncipherment");
		add_ext(c, issuer, NID_ext_key_usage, "serverAuth");
		add_ext(c, issuer, NID_subject_alt_name,
			"DNS:localhost,IP:127.0.0.1,IP:::1");
		add_ext(c, issuer, NID_authority_key_identifier,
			"keyid:always");
	}
	if (!X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256())) {
		X509_free(c);
		return NULL;
	}
	return c;
}

int ks_tls_init(char *msg, size_t cap)
{
	EVP_PKEY *ca_key = NULL, *srv_key = NULL;
	X509 *ca = NULL, *srv = NULL;
	BIO *bio = NULL;
	char *pem;
	long n;
	int err = -1;

	ca_key = EVP_EC_gen("P-256");
	srv_key = EVP_EC_gen("P-256");
	if (!ca_key || !srv_key) {
		snprintf(msg, cap, "cannot generate EC keys");
		goto out;
	}
	ca = make_cert(ca_key, "kubesim-ca", NULL, NULL, true);
	srv = ca ? make_cert(srv_key, "kubesim", ca, ca_key, false) : NULL;
	if (!srv) {
		snprintf(msg, cap, "cannot sign certificates");
		goto out;
	}
	ks.ssl = SSL_CTX_new(TLS_server_method());
	if (!ks.ssl || SSL_CTX_use_certificate(ks.ssl, srv) != 1 ||
	    SSL_CTX_use_PrivateKey(ks.ssl, srv_key) != 1) {
		snprintf(msg, cap, "cannot set up the TLS context");
		goto out;
	}
	SSL_CTX_set_min_proto_version(ks.ssl, TLS1_2_VERSION);
	SSL_CTX_set_options(ks.ssl,
			    SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
	bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_X509(bio, ca))
		goto out;
	n = BIO_get_mem_data(bio, &pem);
	ks.ca_pem = strndup(pem, (size_t)n);
	err = ks.ca_pem ? 0 : -1;
out:
	BIO_free(bio);
	X509_free(ca);
	X509_free(srv);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(srv_key);
	return err;
}

struct bufferevent *ks_tls_bev(struct event_base *base, void *arg)
{
	SSL *ssl = SSL_new(ks.ssl);
	struct bufferevent *bev;

	if (!ssl)
		return NULL;
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
					     BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (bev)
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}
