/*
 * qnfv_esp: the ESP engine's packet crypto in place, on OpenSSL's EVP API
 * (the OpenSSL that Node links statically and exports to addons; headers in
 * /usr/include/node/openssl). Plain C on N-API 8; loaded by
 * virtual-router/esp/native-crypto.ts.
 *
 * One context per SA holds EVP cipher contexts keyed once (and for CBC a
 * keyed HMAC template), so a packet costs only a new IV, not a new cipher
 * object as with node:crypto (design/FEASIBILITY.md section 3: ~17 us per
 * createCipheriv). Packet layout, offsets into one buffer:
 *   espStart: SPI(4) | seq-low(4) | IV | ciphertext ... | ICV(16) at icvStart
 *
 *   gcmCreate(keyMaterial, esn) -> ctx      AES-GCM-16, RFC 4106: key | 4-byte salt,
 *                                           nonce = salt | IV (8), AAD = SPI | [seq-high |] seq-low
 *   cbcHmacCreate(encKey, integKey, esn) -> ctx
 *                                           AES-CBC (RFC 3602), IV (16) written by the caller,
 *                                           HMAC-SHA-256-128 (RFC 4868) over SPI..ciphertext [| seq-high]
 *   seal(ctx, buf, espStart, icvStart, seqHi)          encrypt in place, write the ICV
 *   open(ctx, buf, espStart, icvStart, seqHi) -> bool  verify + decrypt in place; false leaves buf unchanged
 *   dispose(ctx)                            free the EVP contexts (OpenSSL cleanses key schedules) and
 *                                           cleanse the salt; the ctx throws afterwards
 *   opensslVersion                          (string) the OpenSSL the addon runs on
 *
 * One call per packet: a batch entry point (tried) was no faster, since a
 * 1400-byte AES-256-GCM seal costs ~1 us here, ~0.45 us of it OpenSSL's
 * per-IV re-init and tag ctrl, and the N-API call itself far less.
 *
 * Secrets: key bytes are copied into OpenSSL and cleansed from every stack
 * buffer; nothing here logs. A ctx is used by the thread that created it.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* RFC 4303 section 2: SPI + sequence number. */
#define ESP_HEADER_LEN 8
/* RFC 4106 sections 3.1, 4, 6: explicit IV, salt, ICV. */
#define GCM_IV_LEN 8
#define GCM_SALT_LEN 4
#define GCM_NONCE_LEN (GCM_SALT_LEN + GCM_IV_LEN)
/* RFC 3602 section 2.4: CBC IV and block; RFC 4868 section 2.6: HMAC-SHA-256-128 ICV, 32-byte key. */
#define CBC_IV_LEN 16
#define CBC_BLOCK_LEN 16
#define HMAC_SHA256_KEY_LEN 32
#define ICV_LEN 16

enum kind { KIND_GCM = 1, KIND_CBC_HMAC = 2 };

/* Marks the externals this addon made, so that no other external passes for an SA context. */
static const napi_type_tag SA_CTX_TAG = {0x716e66765f657370ULL, 0x53415f6374785f31ULL};

/* One SA's crypto state. */
typedef struct {
  int kind;
  int esn;
  int disposed;
  EVP_CIPHER_CTX *enc; /* keyed for encryption */
  EVP_CIPHER_CTX *dec; /* keyed for decryption */
  EVP_MAC_CTX *mac;    /* CBC: keyed HMAC-SHA-256, re-initialised per packet */
  uint8_t salt[GCM_SALT_LEN];
} sa_ctx;

/* ---- errors and arguments ------------------------------------------------ */

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

static napi_value throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
  return NULL;
}

static napi_value throw_crypto(napi_env env, const char *what) {
  char msg[128];
  snprintf(msg, sizeof msg, "OpenSSL %s failed", what);
  napi_throw_error(env, "ERR_QNFV_ESP_CRYPTO", msg);
  return NULL;
}

/* Bytes of a Uint8Array/Buffer argument. */
static int get_bytes(napi_env env, napi_value v, const char *name, uint8_t **data, size_t *len) {
  bool is_ta = false;
  napi_typedarray_type type;
  void *p;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s must be a Uint8Array or Buffer", name);
    throw_type(env, msg);
    return 0;
  }
  *data = (uint8_t *)p;
  return 1;
}

static int get_u32(napi_env env, napi_value v, const char *name, uint32_t *out) {
  if (napi_get_value_uint32(env, v, out) != napi_ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s must be a number", name);
    throw_type(env, msg);
    return 0;
  }
  return 1;
}

/* The live SA context behind a ctx argument. */
static sa_ctx *get_ctx(napi_env env, napi_value v) {
  void *p = NULL;
  bool tagged = false;
  if (napi_check_object_type_tag(env, v, &SA_CTX_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    throw_type(env, "ctx must be a context from gcmCreate or cbcHmacCreate");
    return NULL;
  }
  sa_ctx *c = (sa_ctx *)p;
  if (c->disposed) {
    napi_throw_error(env, "ERR_QNFV_ESP_DISPOSED", "the SA's crypto context was disposed (keys zeroed)");
    return NULL;
  }
  return c;
}

/* ---- context lifetime ----------------------------------------------------- */

static void ctx_free_keys(sa_ctx *c) {
  EVP_CIPHER_CTX_free(c->enc); /* provider freectx cleanses the key schedule */
  EVP_CIPHER_CTX_free(c->dec);
  EVP_MAC_CTX_free(c->mac);
  c->enc = c->dec = NULL;
  c->mac = NULL;
  OPENSSL_cleanse(c->salt, sizeof c->salt);
  c->disposed = 1;
}

static void ctx_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  sa_ctx *c = (sa_ctx *)data;
  if (!c->disposed) ctx_free_keys(c);
  free(c);
}

static napi_value wrap_ctx(napi_env env, sa_ctx *c) {
  napi_value ext;
  if (napi_create_external(env, c, ctx_finalize, NULL, &ext) != napi_ok || napi_type_tag_object(env, ext, &SA_CTX_TAG) != napi_ok) {
    ctx_free_keys(c);
    free(c);
    napi_throw_error(env, NULL, "napi_create_external failed");
    return NULL;
  }
  return ext;
}

static sa_ctx *ctx_new(int kind, int esn) {
  sa_ctx *c = (sa_ctx *)calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->kind = kind;
  c->esn = esn;
  c->enc = EVP_CIPHER_CTX_new();
  c->dec = EVP_CIPHER_CTX_new();
  if (c->enc == NULL || c->dec == NULL) {
    ctx_free_keys(c);
    free(c);
    return NULL;
  }
  return c;
}

static int get_esn(napi_env env, napi_value v, int *esn) {
  bool b;
  if (napi_get_value_bool(env, v, &b) != napi_ok) {
    throw_type(env, "esn must be a boolean");
    return 0;
  }
  *esn = b ? 1 : 0;
  return 1;
}

/* gcmCreate(keyMaterial, esn): key (16 or 32 bytes) | salt (4), RFC 4106 section 8.1. */
static napi_value GcmCreate(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return throw_type(env, "gcmCreate(keyMaterial, esn) takes 2 arguments");
  uint8_t *km;
  size_t km_len;
  int esn;
  if (!get_bytes(env, argv[0], "keyMaterial", &km, &km_len) || !get_esn(env, argv[1], &esn)) return NULL;
  const EVP_CIPHER *cipher = km_len == 16 + GCM_SALT_LEN ? EVP_aes_128_gcm() : km_len == 32 + GCM_SALT_LEN ? EVP_aes_256_gcm() : NULL;
  if (cipher == NULL) return throw_range(env, "keyMaterial must be 20 or 36 bytes (AES-128/256 key | 4-byte salt, RFC 4106)");
  sa_ctx *c = ctx_new(KIND_GCM, esn);
  if (c == NULL) return throw_crypto(env, "EVP_CIPHER_CTX_new");
  size_t key_len = km_len - GCM_SALT_LEN;
  memcpy(c->salt, km + key_len, GCM_SALT_LEN);
  /* The nonce length is GCM's default 12 bytes (RFC 4106 section 4). */
  if (EVP_EncryptInit_ex(c->enc, cipher, NULL, km, NULL) != 1 || EVP_DecryptInit_ex(c->dec, cipher, NULL, km, NULL) != 1) {
    ctx_free_keys(c);
    free(c);
    return throw_crypto(env, "EVP_CipherInit_ex (AES-GCM key)");
  }
  return wrap_ctx(env, c);
}

/* cbcHmacCreate(encKey, integKey, esn): AES-CBC key 16/32 bytes, HMAC-SHA-256 key 32 bytes. */
static napi_value CbcHmacCreate(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) return throw_type(env, "cbcHmacCreate(encKey, integKey, esn) takes 3 arguments");
  uint8_t *ek, *ik;
  size_t ek_len, ik_len;
  int esn;
  if (!get_bytes(env, argv[0], "encKey", &ek, &ek_len) || !get_bytes(env, argv[1], "integKey", &ik, &ik_len) ||
      !get_esn(env, argv[2], &esn))
    return NULL;
  const EVP_CIPHER *cipher = ek_len == 16 ? EVP_aes_128_cbc() : ek_len == 32 ? EVP_aes_256_cbc() : NULL;
  if (cipher == NULL) return throw_range(env, "encKey must be 16 or 32 bytes (AES-CBC, RFC 3602)");
  if (ik_len != HMAC_SHA256_KEY_LEN) return throw_range(env, "integKey must be 32 bytes (HMAC-SHA-256-128, RFC 4868)");
  sa_ctx *c = ctx_new(KIND_CBC_HMAC, esn);
  if (c == NULL) return throw_crypto(env, "EVP_CIPHER_CTX_new");
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  c->mac = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
  EVP_MAC_free(mac); /* the ctx keeps its own reference */
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  if (c->mac == NULL || EVP_MAC_init(c->mac, ik, ik_len, params) != 1 ||
      EVP_EncryptInit_ex(c->enc, cipher, NULL, ek, NULL) != 1 || EVP_DecryptInit_ex(c->dec, cipher, NULL, ek, NULL) != 1 ||
      EVP_CIPHER_CTX_set_padding(c->enc, 0) != 1 || EVP_CIPHER_CTX_set_padding(c->dec, 0) != 1) {
    ctx_free_keys(c);
    free(c);
    return throw_crypto(env, "AES-CBC/HMAC key setup");
  }
  return wrap_ctx(env, c);
}

/* dispose(ctx): free and cleanse now; idempotent. */
static napi_value Dispose(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *p = NULL;
  bool tagged = false;
  if (argc < 1 || napi_check_object_type_tag(env, argv[0], &SA_CTX_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, argv[0], &p) != napi_ok || p == NULL)
    return throw_type(env, "ctx must be a context from gcmCreate or cbcHmacCreate");
  sa_ctx *c = (sa_ctx *)p;
  if (!c->disposed) ctx_free_keys(c);
  return NULL;
}

/* ---- packet crypto -------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* RFC 4106 section 5: AAD = SPI | seq-low (8), or SPI | seq-high | seq-low (12) with ESN. */
static int gcm_aad(const sa_ctx *c, const uint8_t *esp, uint32_t seq_hi, uint8_t aad[12]) {
  memcpy(aad, esp, 4);
  if (!c->esn) {
    memcpy(aad + 4, esp + 4, 4);
    return 8;
  }
  put32(aad + 4, seq_hi);
  memcpy(aad + 8, esp + 4, 4);
  return 12;
}

/* Offsets are sane for this kind: header, IV, a ciphertext and a whole ICV inside the buffer. */
static int layout_ok(const sa_ctx *c, size_t len, size_t esp, size_t icv) {
  size_t iv_len = c->kind == KIND_GCM ? GCM_IV_LEN : CBC_IV_LEN;
  size_t ct = esp + ESP_HEADER_LEN + iv_len;
  if (esp > len || icv < ct || icv > len || len - icv < ICV_LEN) return 0;
  if (c->kind == KIND_CBC_HMAC && (icv - ct) % CBC_BLOCK_LEN != 0) return 0;
  return 1;
}

/* 1 on success, 0 on an OpenSSL failure. */
static int gcm_seal(sa_ctx *c, uint8_t *buf, size_t esp, size_t icv, uint32_t seq_hi) {
  uint8_t nonce[GCM_NONCE_LEN], aad[12];
  int outl, ok;
  size_t ct = esp + ESP_HEADER_LEN + GCM_IV_LEN;
  memcpy(nonce, c->salt, GCM_SALT_LEN);
  memcpy(nonce + GCM_SALT_LEN, buf + esp + ESP_HEADER_LEN, GCM_IV_LEN);
  int aad_len = gcm_aad(c, buf + esp, seq_hi, aad);
  ok = EVP_EncryptInit_ex(c->enc, NULL, NULL, NULL, nonce) == 1 && EVP_EncryptUpdate(c->enc, NULL, &outl, aad, aad_len) == 1 &&
       (icv == ct || EVP_EncryptUpdate(c->enc, buf + ct, &outl, buf + ct, (int)(icv - ct)) == 1) &&
       EVP_EncryptFinal_ex(c->enc, buf + icv, &outl) == 1 &&
       EVP_CIPHER_CTX_ctrl(c->enc, EVP_CTRL_AEAD_GET_TAG, ICV_LEN, buf + icv) == 1;
  OPENSSL_cleanse(nonce, sizeof nonce);
  return ok;
}

/* 1 authentic (decrypted in place), 0 not authentic (buffer restored). */
static int gcm_open(sa_ctx *c, uint8_t *buf, size_t esp, size_t icv, uint32_t seq_hi) {
  uint8_t nonce[GCM_NONCE_LEN], aad[12], scratch[16];
  int outl, ok;
  size_t ct = esp + ESP_HEADER_LEN + GCM_IV_LEN;
  memcpy(nonce, c->salt, GCM_SALT_LEN);
  memcpy(nonce + GCM_SALT_LEN, buf + esp + ESP_HEADER_LEN, GCM_IV_LEN);
  int aad_len = gcm_aad(c, buf + esp, seq_hi, aad);
  ok = EVP_DecryptInit_ex(c->dec, NULL, NULL, NULL, nonce) == 1 && EVP_DecryptUpdate(c->dec, NULL, &outl, aad, aad_len) == 1 &&
       EVP_CIPHER_CTX_ctrl(c->dec, EVP_CTRL_AEAD_SET_TAG, ICV_LEN, buf + icv) == 1 &&
       (icv == ct || EVP_DecryptUpdate(c->dec, buf + ct, &outl, buf + ct, (int)(icv - ct)) == 1);
  int authentic = ok && EVP_DecryptFinal_ex(c->dec, scratch, &outl) == 1;
  if (!authentic && ok && icv > ct) {
    /* GCM decrypted in place before the tag check: CTR mode again with the same nonce restores the
       ciphertext, so unauthenticated plaintext is left nowhere (RFC 4303 section 3.4.4). */
    if (EVP_EncryptInit_ex(c->enc, NULL, NULL, NULL, nonce) != 1 ||
        EVP_EncryptUpdate(c->enc, buf + ct, &outl, buf + ct, (int)(icv - ct)) != 1)
      OPENSSL_cleanse(buf + ct, icv - ct);
  }
  OPENSSL_cleanse(nonce, sizeof nonce);
  return authentic;
}

/* HMAC-SHA-256-128 of buf[esp, icv) [| seq-high] into out (32 bytes, first 16 are the ICV). */
static int cbc_icv(sa_ctx *c, const uint8_t *buf, size_t esp, size_t icv, uint32_t seq_hi, uint8_t out[32]) {
  uint8_t hi[4];
  size_t outl;
  put32(hi, seq_hi);
  return EVP_MAC_init(c->mac, NULL, 0, NULL) == 1 && EVP_MAC_update(c->mac, buf + esp, icv - esp) == 1 &&
         (!c->esn || EVP_MAC_update(c->mac, hi, 4) == 1) && EVP_MAC_final(c->mac, out, &outl, 32) == 1 && outl == 32;
}

/* Encrypt, then MAC (RFC 4303 section 3.3.2). */
static int cbc_seal(sa_ctx *c, uint8_t *buf, size_t esp, size_t icv, uint32_t seq_hi) {
  uint8_t mac[32];
  int outl;
  size_t iv = esp + ESP_HEADER_LEN, ct = iv + CBC_IV_LEN;
  int ok = EVP_EncryptInit_ex(c->enc, NULL, NULL, NULL, buf + iv) == 1 &&
           (icv == ct || EVP_EncryptUpdate(c->enc, buf + ct, &outl, buf + ct, (int)(icv - ct)) == 1) &&
           cbc_icv(c, buf, esp, icv, seq_hi, mac);
  if (ok) memcpy(buf + icv, mac, ICV_LEN);
  return ok;
}

/* Verify the ICV in constant time, then decrypt (RFC 4303 section 3.4.4). */
static int cbc_open(sa_ctx *c, uint8_t *buf, size_t esp, size_t icv, uint32_t seq_hi) {
  uint8_t mac[32];
  int outl;
  size_t iv = esp + ESP_HEADER_LEN, ct = iv + CBC_IV_LEN;
  if (icv == ct) return 0;
  if (!cbc_icv(c, buf, esp, icv, seq_hi, mac) || CRYPTO_memcmp(mac, buf + icv, ICV_LEN) != 0) return 0;
  return EVP_DecryptInit_ex(c->dec, NULL, NULL, NULL, buf + iv) == 1 &&
         EVP_DecryptUpdate(c->dec, buf + ct, &outl, buf + ct, (int)(icv - ct)) == 1;
}

static int seal_one(sa_ctx *c, uint8_t *buf, size_t esp, size_t icv, uint32_t seq_hi) {
  return c->kind == KIND_GCM ? gcm_seal(c, buf, esp, icv, seq_hi) : cbc_seal(c, buf, esp, icv, seq_hi);
}

static int open_one(sa_ctx *c, uint8_t *buf, size_t esp, size_t icv, uint32_t seq_hi) {
  return c->kind == KIND_GCM ? gcm_open(c, buf, esp, icv, seq_hi) : cbc_open(c, buf, esp, icv, seq_hi);
}

/* Parse (ctx, buf, espStart, icvStart, seqHi) and check the layout. */
static int packet_args(napi_env env, napi_callback_info info, sa_ctx **c, uint8_t **buf, uint32_t *esp, uint32_t *icv,
                       uint32_t *seq_hi) {
  size_t argc = 5;
  napi_value argv[5];
  size_t len;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) {
    throw_type(env, "takes (ctx, buf, espStart, icvStart, seqHi)");
    return 0;
  }
  if ((*c = get_ctx(env, argv[0])) == NULL || !get_bytes(env, argv[1], "buf", buf, &len) ||
      !get_u32(env, argv[2], "espStart", esp) || !get_u32(env, argv[3], "icvStart", icv) ||
      !get_u32(env, argv[4], "seqHi", seq_hi))
    return 0;
  if (!layout_ok(*c, len, *esp, *icv)) {
    throw_range(env, "espStart/icvStart do not frame an ESP packet of this SA inside buf");
    return 0;
  }
  return 1;
}

/* seal(ctx, buf, espStart, icvStart, seqHi) */
static napi_value Seal(napi_env env, napi_callback_info info) {
  sa_ctx *c;
  uint8_t *buf;
  uint32_t esp, icv, seq_hi;
  if (!packet_args(env, info, &c, &buf, &esp, &icv, &seq_hi)) return NULL;
  if (!seal_one(c, buf, esp, icv, seq_hi)) return throw_crypto(env, "seal");
  return NULL;
}

/* open(ctx, buf, espStart, icvStart, seqHi) -> boolean */
static napi_value Open(napi_env env, napi_callback_info info) {
  sa_ctx *c;
  uint8_t *buf;
  uint32_t esp, icv, seq_hi;
  if (!packet_args(env, info, &c, &buf, &esp, &icv, &seq_hi)) return NULL;
  napi_value result;
  napi_get_boolean(env, open_one(c, buf, esp, icv, seq_hi), &result);
  return result;
}

/* ---- module --------------------------------------------------------------- */

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"gcmCreate", NULL, GcmCreate, NULL, NULL, NULL, napi_enumerable, NULL},
      {"cbcHmacCreate", NULL, CbcHmacCreate, NULL, NULL, NULL, napi_enumerable, NULL},
      {"seal", NULL, Seal, NULL, NULL, NULL, napi_enumerable, NULL},
      {"open", NULL, Open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dispose", NULL, Dispose, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_value version;
  napi_create_string_utf8(env, OpenSSL_version(OPENSSL_VERSION), NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "opensslVersion", version);
  return exports;
}
