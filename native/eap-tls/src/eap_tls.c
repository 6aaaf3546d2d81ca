/*
 * Kenneki's EAP TLS engine: the TLS server of EAP-TLS (RFC 5216), EAP-TTLS (RFC 5281) and PEAP,
 * driven through OpenSSL memory BIOs.
 *
 * Why native: EAP carries TLS records inside RADIUS packets, so the TLS server is fed records and
 * asked for its answer, never a socket. Node's only way to run TLS on bytes is a TLSSocket over a
 * JavaScript stream, which costs a socket object, stream machinery and several event-loop turns
 * per flight. FreeRADIUS and hostapd drive OpenSSL through memory BIOs in C; this does the same,
 * synchronously: `feed` returns the answer to the records it was given.
 *
 * What happens here is only OpenSSL's own API: contexts from PEM text, one SSL object per
 * conversation with a memory BIO each way, the handshake, record encryption, RFC 5705 export and
 * the peer certificate. No TLS or X.509 parsing of our own. Every function clears OpenSSL's
 * per-thread error queue before it returns, because Node's crypto code on the same thread reads
 * that queue too.
 *
 * The symbols come from the OpenSSL that Node itself uses (the node binary exports them), so TLS
 * behaves as in the rest of Kenneki.
 */
#include <limits.h>
#include <node_api.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

/* A record flight is at most a few KiB; this bounds what one call may hand OpenSSL or return. */
#define MAX_BYTES (1024 * 1024)
#define READ_CHUNK 16384

/* Externals are tagged, so that a conversation passed where a context is wanted (or any other
 * external) is refused instead of being read as the wrong structure. */
static const napi_type_tag CONTEXT_TAG = {0x6b656e6e656b6930ULL, 0x6561702d746c7331ULL};
static const napi_type_tag CONVERSATION_TAG = {0x6b656e6e656b6930ULL, 0x6561702d746c7332ULL};

typedef struct {
  SSL *ssl;
  BIO *in;  /* records from the peer; OpenSSL reads them */
  BIO *out; /* records for the peer; OpenSSL writes them */
  int failed;
} Conversation;

/* ---------------------------------------------------------------- errors */

/* The last OpenSSL error as text (the queue is emptied), or `fallback`. */
static void openssl_reason(char *buf, size_t len, const char *fallback) {
  unsigned long e, last = 0;
  while ((e = ERR_get_error()) != 0) last = e;
  if (last != 0) ERR_error_string_n(last, buf, len);
  else snprintf(buf, len, "%s", fallback);
}

static napi_value throw_openssl(napi_env env, const char *what) {
  char reason[256], msg[400];
  openssl_reason(reason, sizeof reason, "unknown OpenSSL error");
  snprintf(msg, sizeof msg, "%s: %s", what, reason);
  napi_throw_error(env, "KENNEKI_EAP_TLS", msg);
  return NULL;
}

/*
 * A chain-check failure by the name Node gives it (X509_V_ERR_ without the prefix), so that both
 * engines log the same reasons; OpenSSL's text for anything rarer.
 */
static const char *verify_error_name(long code) {
#define NAME(x) \
  case X509_V_ERR_##x: return #x;
  switch (code) {
    NAME(UNABLE_TO_GET_ISSUER_CERT)
    NAME(UNABLE_TO_GET_CRL)
    NAME(UNABLE_TO_DECRYPT_CERT_SIGNATURE)
    NAME(UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY)
    NAME(CERT_SIGNATURE_FAILURE)
    NAME(CERT_NOT_YET_VALID)
    NAME(CERT_HAS_EXPIRED)
    NAME(ERROR_IN_CERT_NOT_BEFORE_FIELD)
    NAME(ERROR_IN_CERT_NOT_AFTER_FIELD)
    NAME(OUT_OF_MEM)
    NAME(DEPTH_ZERO_SELF_SIGNED_CERT)
    NAME(SELF_SIGNED_CERT_IN_CHAIN)
    NAME(UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
    NAME(UNABLE_TO_VERIFY_LEAF_SIGNATURE)
    NAME(CERT_CHAIN_TOO_LONG)
    NAME(CERT_REVOKED)
    NAME(INVALID_CA)
    NAME(PATH_LENGTH_EXCEEDED)
    NAME(INVALID_PURPOSE)
    NAME(CERT_UNTRUSTED)
    NAME(CERT_REJECTED)
    NAME(EE_KEY_TOO_SMALL)
    NAME(CA_KEY_TOO_SMALL)
    NAME(CA_MD_TOO_WEAK)
    default: return X509_verify_cert_error_string(code);
  }
#undef NAME
}

/* ---------------------------------------------------------------- argument helpers */

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, const char *usage) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

/* A Buffer (or Uint8Array) argument's bytes. */
static int get_bytes(napi_env env, napi_value v, const unsigned char **data, size_t *len, const char *what) {
  bool is;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is) {
    napi_throw_type_error(env, NULL, what);
    return 0;
  }
  void *p;
  if (napi_get_buffer_info(env, v, &p, len) != napi_ok) {
    napi_throw_type_error(env, NULL, what);
    return 0;
  }
  *data = p;
  return 1;
}

/* A string argument copied into a fresh NUL-terminated buffer (caller frees); NULL after a throw. */
static char *get_string(napi_env env, napi_value v, const char *what) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok || len > MAX_BYTES) {
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  char *s = OPENSSL_malloc(len + 1);
  if (!s) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

static int get_property(napi_env env, napi_value obj, const char *name, napi_value *out) {
  bool has;
  if (napi_has_named_property(env, obj, name, &has) != napi_ok || !has) return 0;
  return napi_get_named_property(env, obj, name, out) == napi_ok;
}

static void free_ctx(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  SSL_CTX_free(data);
}

static void free_conversation(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Conversation *c = data;
  if (c->ssl) SSL_free(c->ssl); /* frees both BIOs */
  OPENSSL_free(c);
}

/* Never prompt on a terminal for a passphrase: an encrypted key is a configuration error. */
static int no_passphrase(char *buf, int size, int rwflag, void *u) {
  (void)buf;
  (void)size;
  (void)rwflag;
  (void)u;
  return -1;
}

/* ---------------------------------------------------------------- contexts */

/*
 * After reading PEM certificates until none is left: true when the text simply ended (OpenSSL
 * reports "no start line" then), false when a block could not be decoded.
 */
static int pem_ended_cleanly(void) {
  unsigned long e = ERR_peek_last_error();
  if (e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) return 0;
  ERR_clear_error();
  return 1;
}

/* The certificate chain: the first PEM certificate is ours, the rest are sent as its chain. */
static int use_chain(SSL_CTX *ctx, const char *pem) {
  BIO *b = BIO_new_mem_buf(pem, -1);
  if (!b) return 0;
  X509 *leaf = PEM_read_bio_X509_AUX(b, NULL, no_passphrase, NULL);
  int ok = leaf != NULL && SSL_CTX_use_certificate(ctx, leaf) == 1;
  X509_free(leaf);
  X509 *extra;
  while (ok && (extra = PEM_read_bio_X509(b, NULL, no_passphrase, NULL)) != NULL) {
    ok = SSL_CTX_add1_chain_cert(ctx, extra) == 1;
    X509_free(extra);
  }
  BIO_free(b);
  return ok && pem_ended_cleanly();
}

static int use_key(SSL_CTX *ctx, const char *pem) {
  BIO *b = BIO_new_mem_buf(pem, -1);
  if (!b) return 0;
  EVP_PKEY *key = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
  BIO_free(b);
  int ok = key != NULL && SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
  EVP_PKEY_free(key);
  return ok;
}

/* Trusts every certificate of a PEM text, and names them in the CertificateRequest. */
static int add_client_cas(SSL_CTX *ctx, const char *pem, int *count) {
  BIO *b = BIO_new_mem_buf(pem, -1);
  if (!b) return 0;
  X509_STORE *store = SSL_CTX_get_cert_store(ctx);
  X509 *ca;
  int ok = 1;
  while (ok && (ca = PEM_read_bio_X509(b, NULL, no_passphrase, NULL)) != NULL) {
    ok = X509_STORE_add_cert(store, ca) == 1 && SSL_CTX_add_client_CA(ctx, ca) == 1;
    X509_free(ca);
    (*count)++;
  }
  BIO_free(b);
  return ok && pem_ended_cleanly();
}

/*
 * createContext({ cert, key, ca?: string[], requestCert, ciphers, sessionIdContext?,
 *                 sessionTimeout?, maxSessions?, ticketKeys?: Buffer(48) })
 * TLS 1.2 only (see tls-contexts.ts). sessionTimeout > 0 turns on resumption: a server-side
 * session-id cache of maxSessions entries and session tickets under ticketKeys; otherwise
 * neither is offered.
 */
static napi_value create_context(napi_env env, napi_callback_info info) {
  napi_value argv[1], v;
  if (!get_args(env, info, 1, argv, "createContext(options)")) return NULL;
  ERR_clear_error();
  char *cert = NULL, *key = NULL, *ciphers = NULL, *sid = NULL, *ca = NULL;
  napi_value result = NULL;
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return throw_openssl(env, "SSL_CTX_new");

  if (!get_property(env, argv[0], "cert", &v) || !(cert = get_string(env, v, "options.cert: a PEM string"))) goto done;
  if (!get_property(env, argv[0], "key", &v) || !(key = get_string(env, v, "options.key: a PEM string"))) goto done;
  if (!get_property(env, argv[0], "ciphers", &v) || !(ciphers = get_string(env, v, "options.ciphers: an OpenSSL cipher list"))) goto done;

  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
  /* Renegotiation has no place inside EAP; compression is CRIME. */
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  /* An idle conversation keeps no 32 KiB of record buffers (10,000 may be waiting). */
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(ctx, ciphers) != 1) {
    throw_openssl(env, "options.ciphers");
    goto done;
  }
  if (!use_chain(ctx, cert)) {
    throw_openssl(env, "the server certificate");
    goto done;
  }
  if (!use_key(ctx, key)) {
    throw_openssl(env, "the server key (or it does not match the certificate)");
    goto done;
  }

  bool request_cert = false;
  if (get_property(env, argv[0], "requestCert", &v)) napi_get_value_bool(env, v, &request_cert);
  if (request_cert) {
    uint32_t n = 0;
    int count = 0;
    if (get_property(env, argv[0], "ca", &v)) napi_get_array_length(env, v, &n);
    for (uint32_t i = 0; i < n; i++) {
      napi_value item;
      napi_get_element(env, v, i, &item);
      if (!(ca = get_string(env, item, "options.ca: PEM strings"))) goto done;
      int before = count;
      if (!add_client_cas(ctx, ca, &count) || count == before) {
        throw_openssl(env, count == before ? "a client CA holds no certificate" : "a client CA");
        goto done;
      }
      OPENSSL_free(ca);
      ca = NULL;
    }
    /* OpenSSL's own chain check: an untrusted certificate fails the handshake with an alert. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  }

  double timeout = 0;
  if (get_property(env, argv[0], "sessionTimeout", &v)) napi_get_value_double(env, v, &timeout);
  if (timeout > 0) {
    double max = 10000;
    if (get_property(env, argv[0], "maxSessions", &v)) napi_get_value_double(env, v, &max);
    if (!get_property(env, argv[0], "sessionIdContext", &v) || !(sid = get_string(env, v, "options.sessionIdContext: a string"))) goto done;
    /* OpenSSL refuses to resume a session that authenticated a client without a session id context. */
    if (strlen(sid) > SSL_MAX_SID_CTX_LENGTH || SSL_CTX_set_session_id_context(ctx, (const unsigned char *)sid, (unsigned)strlen(sid)) != 1) {
      napi_throw_range_error(env, NULL, "options.sessionIdContext: at most 32 bytes");
      goto done;
    }
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, (long)(max < 1 ? 1 : max > 1e6 ? 1e6 : max));
    SSL_CTX_set_timeout(ctx, (long)(timeout > 86400 * 30 ? 86400 * 30 : timeout));
    if (get_property(env, argv[0], "ticketKeys", &v)) {
      const unsigned char *keys;
      size_t len = 0;
      if (!get_bytes(env, v, &keys, &len, "options.ticketKeys: a Buffer")) goto done;
      if (len != 48) {
        napi_throw_range_error(env, NULL, "options.ticketKeys: 48 bytes");
        goto done;
      }
      SSL_CTX_set_tlsext_ticket_keys(ctx, (void *)keys, 48);
    }
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  }

  if (napi_create_external(env, ctx, free_ctx, NULL, &result) != napi_ok) result = NULL;
  else {
    ctx = NULL; /* owned by the external now */
    napi_type_tag_object(env, result, &CONTEXT_TAG);
  }

done:
  SSL_CTX_free(ctx);
  OPENSSL_free(cert);
  if (key) OPENSSL_clear_free(key, strlen(key));
  OPENSSL_free(ciphers);
  OPENSSL_free(sid);
  OPENSSL_free(ca);
  ERR_clear_error();
  return result;
}

/* The pointer inside an external carrying `tag`, or NULL. */
static void *tagged(napi_env env, napi_value v, const napi_type_tag *tag) {
  napi_valuetype t;
  bool ok = false;
  void *p = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  if (napi_check_object_type_tag(env, v, tag, &ok) != napi_ok || !ok) return NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

static SSL_CTX *get_ctx(napi_env env, napi_value v) {
  void *p = tagged(env, v, &CONTEXT_TAG);
  if (!p) {
    napi_throw_type_error(env, NULL, "not a context from createContext");
    return NULL;
  }
  return p;
}

/* ---------------------------------------------------------------- conversations */

/* open(context): a new server-side TLS conversation. */
static napi_value open_conversation(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  if (!get_args(env, info, 1, argv, "open(context)")) return NULL;
  SSL_CTX *ctx = get_ctx(env, argv[0]);
  if (!ctx) return NULL;
  ERR_clear_error();
  Conversation *c = OPENSSL_zalloc(sizeof *c);
  if (!c) return throw_openssl(env, "out of memory");
  c->ssl = SSL_new(ctx); /* holds its own reference to ctx */
  c->in = BIO_new(BIO_s_mem());
  c->out = BIO_new(BIO_s_mem());
  if (!c->ssl || !c->in || !c->out) {
    BIO_free(c->in);
    BIO_free(c->out);
    SSL_free(c->ssl);
    OPENSSL_free(c);
    return throw_openssl(env, "SSL_new");
  }
  /* An empty memory BIO says "retry later", not end of file. */
  BIO_set_mem_eof_return(c->in, -1);
  BIO_set_mem_eof_return(c->out, -1);
  SSL_set_bio(c->ssl, c->in, c->out);
  SSL_set_accept_state(c->ssl);
  if (napi_create_external(env, c, free_conversation, NULL, &result) != napi_ok) {
    free_conversation(env, c, NULL);
    return NULL;
  }
  napi_type_tag_object(env, result, &CONVERSATION_TAG);
  return result;
}

static Conversation *get_conversation(napi_env env, napi_value v) {
  void *p = tagged(env, v, &CONVERSATION_TAG);
  if (!p) {
    napi_throw_type_error(env, NULL, "not a conversation from open");
    return NULL;
  }
  Conversation *c = p;
  if (!c->ssl) {
    napi_throw_error(env, NULL, "the conversation is closed");
    return NULL;
  }
  return c;
}

/* Everything in a memory BIO as a Buffer (possibly empty). */
static napi_value drain_bio(napi_env env, BIO *b) {
  char *data;
  long len = BIO_get_mem_data(b, &data);
  napi_value buf;
  if (napi_create_buffer_copy(env, len > 0 ? (size_t)len : 0, len > 0 ? data : "", NULL, &buf) != napi_ok) return NULL;
  (void)BIO_reset(b);
  return buf;
}

static void set_named(napi_env env, napi_value obj, const char *name, napi_value v) {
  if (v) napi_set_named_property(env, obj, name, v);
}

static napi_value make_bool(napi_env env, bool b) {
  napi_value v;
  napi_get_boolean(env, b, &v);
  return v;
}

static napi_value make_string(napi_env env, const char *s) {
  napi_value v;
  if (napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v) != napi_ok) return NULL;
  return v;
}

/* Why the handshake failed, for the log: the chain check's result if it failed, else OpenSSL's. */
static void handshake_failure(Conversation *c, char *buf, size_t len) {
  long verify = SSL_get_verify_result(c->ssl);
  char reason[256];
  openssl_reason(reason, sizeof reason, "the TLS handshake failed");
  /* (A refused certificate is never stored as the peer's, but its check's result is.) */
  if (verify != X509_V_OK)
    snprintf(buf, len, "client certificate not trusted: %s", verify_error_name(verify));
  else snprintf(buf, len, "%s", reason);
}

/*
 * feed(conversation, records) → { out, clear, secure, error? }
 * Hands the peer's records to OpenSSL and returns what it answered: TLS records for the peer
 * (`out`, alerts included), application data the peer sent (`clear`), whether the handshake is
 * complete, and why the conversation failed. A failed conversation stays failed.
 */
static napi_value feed(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, "feed(conversation, records)")) return NULL;
  Conversation *c = get_conversation(env, argv[0]);
  if (!c) return NULL;
  const unsigned char *data;
  size_t len;
  if (!get_bytes(env, argv[1], &data, &len, "records: a Buffer")) return NULL;
  if (len > MAX_BYTES) {
    napi_throw_range_error(env, NULL, "records: over 1 MiB");
    return NULL;
  }
  ERR_clear_error();
  char error[400] = "";
  if (c->failed) snprintf(error, sizeof error, "the TLS conversation already failed");
  else if (len > 0 && BIO_write(c->in, data, (int)len) != (int)len) openssl_reason(error, sizeof error, "cannot buffer the records");

  if (!error[0] && !SSL_is_init_finished(c->ssl)) {
    int r = SSL_do_handshake(c->ssl);
    if (r != 1) {
      int e = SSL_get_error(c->ssl, r);
      if (e != SSL_ERROR_WANT_READ) handshake_failure(c, error, sizeof error);
    }
  }

  /* Application data (TTLS and PEAP inner messages), possibly in the same flight as Finished. */
  unsigned char *clear = NULL;
  size_t clear_len = 0;
  while (!error[0] && SSL_is_init_finished(c->ssl)) {
    unsigned char chunk[READ_CHUNK];
    int n = SSL_read(c->ssl, chunk, sizeof chunk);
    if (n > 0) {
      if (clear_len + (size_t)n > MAX_BYTES) {
        snprintf(error, sizeof error, "the peer sent over 1 MiB of application data");
        break;
      }
      unsigned char *grown = OPENSSL_realloc(clear, clear_len + (size_t)n);
      if (!grown) {
        snprintf(error, sizeof error, "out of memory");
        break;
      }
      clear = grown;
      memcpy(clear + clear_len, chunk, (size_t)n);
      clear_len += (size_t)n;
      continue;
    }
    int e = SSL_get_error(c->ssl, n);
    if (e == SSL_ERROR_WANT_READ) break;
    if (e == SSL_ERROR_ZERO_RETURN) snprintf(error, sizeof error, "the peer closed the TLS tunnel");
    else openssl_reason(error, sizeof error, "TLS read failed");
  }
  if (error[0]) c->failed = 1;

  napi_value result, clear_buf = NULL;
  napi_create_object(env, &result);
  set_named(env, result, "out", drain_bio(env, c->out));
  if (napi_create_buffer_copy(env, clear_len, clear_len ? (const void *)clear : (const void *)"", NULL, &clear_buf) == napi_ok)
    set_named(env, result, "clear", clear_buf);
  OPENSSL_clear_free(clear, clear_len);
  set_named(env, result, "secure", make_bool(env, SSL_is_init_finished(c->ssl) == 1));
  if (error[0]) set_named(env, result, "error", make_string(env, error));
  ERR_clear_error();
  return result;
}

/* write(conversation, clear) → TLS records carrying it; throws when the tunnel is not up. */
static napi_value write_clear(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, "write(conversation, data)")) return NULL;
  Conversation *c = get_conversation(env, argv[0]);
  if (!c) return NULL;
  const unsigned char *data;
  size_t len;
  if (!get_bytes(env, argv[1], &data, &len, "data: a Buffer")) return NULL;
  if (len > MAX_BYTES || len == 0) {
    napi_throw_range_error(env, NULL, "data: 1 byte to 1 MiB");
    return NULL;
  }
  ERR_clear_error();
  if (c->failed || !SSL_is_init_finished(c->ssl)) {
    napi_throw_error(env, NULL, "the TLS tunnel is not established");
    return NULL;
  }
  int n = SSL_write(c->ssl, data, (int)len);
  if (n != (int)len) {
    c->failed = 1;
    return throw_openssl(env, "TLS write failed");
  }
  napi_value out = drain_bio(env, c->out);
  ERR_clear_error();
  return out;
}

/*
 * exportKeyingMaterial(conversation, length, label) → Buffer: RFC 5705 with no context, for
 * TLS 1.2 PRF(master_secret, label, client_random || server_random): the MSK derivation of
 * RFC 5216 §2.3 and RFC 5281 §8 (a context, even an empty one, would change the seed).
 */
static napi_value export_keying_material(napi_env env, napi_callback_info info) {
  napi_value argv[3], result;
  if (!get_args(env, info, 3, argv, "exportKeyingMaterial(conversation, length, label)")) return NULL;
  Conversation *c = get_conversation(env, argv[0]);
  if (!c) return NULL;
  uint32_t length;
  if (napi_get_value_uint32(env, argv[1], &length) != napi_ok || length == 0 || length > 1024) {
    napi_throw_range_error(env, NULL, "length: 1 to 1024");
    return NULL;
  }
  char label[128];
  size_t label_len;
  if (napi_get_value_string_utf8(env, argv[2], label, sizeof label, &label_len) != napi_ok || label_len == 0 || label_len >= sizeof label - 1) {
    napi_throw_type_error(env, NULL, "label: a short string");
    return NULL;
  }
  ERR_clear_error();
  if (c->failed || !SSL_is_init_finished(c->ssl)) {
    napi_throw_error(env, NULL, "the TLS handshake is not complete");
    return NULL;
  }
  void *out;
  if (napi_create_buffer(env, length, &out, &result) != napi_ok) return NULL;
  if (SSL_export_keying_material(c->ssl, out, length, label, label_len, NULL, 0, 0) != 1) return throw_openssl(env, "SSL_export_keying_material");
  return result;
}

/* peerCertificate(conversation) → the client's certificate (DER), or undefined. */
static napi_value peer_certificate(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  if (!get_args(env, info, 1, argv, "peerCertificate(conversation)")) return NULL;
  Conversation *c = get_conversation(env, argv[0]);
  if (!c) return NULL;
  X509 *peer = SSL_get0_peer_certificate(c->ssl);
  if (!peer) {
    napi_get_undefined(env, &result);
    return result;
  }
  int len = i2d_X509(peer, NULL);
  if (len <= 0) return throw_openssl(env, "i2d_X509");
  unsigned char *der;
  if (napi_create_buffer(env, (size_t)len, (void **)&der, &result) != napi_ok) return NULL;
  unsigned char *p = der;
  i2d_X509(peer, &p);
  ERR_clear_error();
  return result;
}

/* peerCommonName(conversation) → the subject's only CN as UTF-8, or undefined (none, several, unreadable). */
static napi_value peer_common_name(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  if (!get_args(env, info, 1, argv, "peerCommonName(conversation)")) return NULL;
  Conversation *c = get_conversation(env, argv[0]);
  if (!c) return NULL;
  napi_get_undefined(env, &result);
  X509 *peer = SSL_get0_peer_certificate(c->ssl);
  X509_NAME *subject = peer ? X509_get_subject_name(peer) : NULL;
  if (!subject) return result;
  int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at < 0 || X509_NAME_get_index_by_NID(subject, NID_commonName, at) >= 0) return result;
  ASN1_STRING *value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
  unsigned char *utf8 = NULL;
  int len = value ? ASN1_STRING_to_UTF8(&utf8, value) : -1;
  /* A CN with a NUL inside is not a name. */
  if (len > 0 && memchr(utf8, 0, (size_t)len) == NULL) napi_create_string_utf8(env, (const char *)utf8, (size_t)len, &result);
  OPENSSL_free(utf8);
  ERR_clear_error();
  return result;
}

/*
 * verifyError(conversation) → null when the client's chain verified (or none was asked for), else
 * OpenSSL's reason. The handshake already fails on a bad chain; this is the belt to those braces,
 * and it covers resumed sessions, which carry the original result.
 */
static napi_value verify_error(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  if (!get_args(env, info, 1, argv, "verifyError(conversation)")) return NULL;
  Conversation *c = get_conversation(env, argv[0]);
  if (!c) return NULL;
  long verify = SSL_get_verify_result(c->ssl);
  if (verify == X509_V_OK) {
    napi_get_null(env, &result);
    return result;
  }
  return make_string(env, verify_error_name(verify));
}

/* resumed(conversation) → whether the handshake resumed an earlier session. */
static napi_value resumed(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "resumed(conversation)")) return NULL;
  Conversation *c = get_conversation(env, argv[0]);
  if (!c) return NULL;
  return make_bool(env, SSL_session_reused(c->ssl) == 1);
}

/*
 * close(conversation, keepSession): frees OpenSSL's state now rather than at garbage collection;
 * idempotent. OpenSSL drops a session from its session-id cache when the connection is freed
 * without a shutdown, which is right for every conversation except one that authenticated: keep
 * that one's (wpa_supplicant resumes by session id, not ticket). A resumed handshake is judged
 * again by the method all the same: chain verdict, CRLs, identity.
 */
static napi_value close_conversation(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  if (!get_args(env, info, 2, argv, "close(conversation, keepSession)")) return NULL;
  void *p = tagged(env, argv[0], &CONVERSATION_TAG);
  if (!p) {
    napi_throw_type_error(env, NULL, "not a conversation from open");
    return NULL;
  }
  bool keep = false;
  napi_get_value_bool(env, argv[1], &keep);
  Conversation *c = p;
  if (c->ssl) {
    if (keep && !c->failed && SSL_is_init_finished(c->ssl)) SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(c->ssl);
    ERR_clear_error();
  }
  c->ssl = NULL;
  napi_get_undefined(env, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor fns[] = {
      {"createContext", NULL, create_context, NULL, NULL, NULL, napi_enumerable, NULL},
      {"open", NULL, open_conversation, NULL, NULL, NULL, napi_enumerable, NULL},
      {"feed", NULL, feed, NULL, NULL, NULL, napi_enumerable, NULL},
      {"write", NULL, write_clear, NULL, NULL, NULL, napi_enumerable, NULL},
      {"exportKeyingMaterial", NULL, export_keying_material, NULL, NULL, NULL, napi_enumerable, NULL},
      {"peerCertificate", NULL, peer_certificate, NULL, NULL, NULL, napi_enumerable, NULL},
      {"peerCommonName", NULL, peer_common_name, NULL, NULL, NULL, napi_enumerable, NULL},
      {"verifyError", NULL, verify_error, NULL, NULL, NULL, napi_enumerable, NULL},
      {"resumed", NULL, resumed, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_conversation, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  return exports;
}
