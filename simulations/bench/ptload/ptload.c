/*
 * ptload: a lean PT-TLS (RFC 6876) load generator for simulations/bench/pt-tls.ts.
 *
 * The Node generator (pt-tls-load.ts) needs about 1.9 ms of CPU per assessment, which on a 2-core
 * machine caps what the bench can measure of the server. This one does the same assessments with
 * OpenSSL, epoll and non-blocking sockets on one thread. pt-tls.ts compiles it on demand:
 *
 *   cc -O2 -o simulations/bench/.scratch/ptload simulations/bench/ptload/ptload.c -lssl -lcrypto
 *
 * and falls back to the Node generator when that fails (no cc, no libssl-dev).
 *
 * Usage: ptload --input FILE --ca CA.pem --port N --mode closed|open|sweep|handshake
 *               [--concurrency N] [--rate R] [--duration-ms D]
 *   closed:    N loops back to back for D ms (latency: TCP connect -> RESULT)
 *   open:      R arrivals/s on a fixed schedule for D ms (latency: scheduled start -> RESULT;
 *              arrivals started > 5 ms late are counted in lateStarts)
 *   sweep:     every machine once, N at a time
 *   handshake: N loops of TCP connect + TLS handshake only, for D ms
 *
 * Input file (written by pt-tls-cload.ts; integers u32 little-endian):
 *   "PTLOAD1\n"
 *   u32 nblobs,    then nblobs x { u32 len, len bytes }            (whole PT-TLS messages)
 *   u32 nmachines, then nmachines x { u32 version, u32 plain, u32 cdata, u32 packages, u32 close }
 *   (blob indexes; plain = 0xffffffff when the machine has no SASL PLAIN credential)
 *
 * Output: one JSON line with LoadResult's fields (pt-tls-load.ts): done, errors, errorSamples,
 * latenciesMs, lateStarts, wallS, clientCpuS (getrusage), sdataRoundTrips, recommendations; and
 * generator "c", clientUserS and clientSysS (clientCpuS split).
 *
 * Per assessment: fresh TCP connection (TCP_NODELAY), full TLS handshake (tickets off, no session
 * cache, server certificate verified against the CA for 'localhost' with SNI), Version Request,
 * SASL PLAIN when offered, first CDATA, the packages CDATA for every SDATA, the Access
 * Recommendation read from RESULT, CLOSE, then close_notify and wait for the server's EOF.
 * Anything unexpected, or 30 s without finishing, is an error. Buffers and message lengths are
 * bounded: a misbehaving server makes errors, not a crash.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 30000.0
#define LATE_MS 5.0
/* Largest server PT-TLS message accepted, header included (the server's own limit is 2 MiB;
 * what it sends us is a few hundred bytes). */
#define MAX_MSG (1u << 20)
#define READ_CHUNK 16384u
#define MAX_INPUT_BYTES (1024u << 20)
#define MAX_BLOBS 10000000u
#define MAX_SDATA 64
#define MAX_SAMPLES 5
#define SAMPLE_LEN 160
#define WQ_MAX 8
#define MAX_LATENCIES 50000000u
#define MAX_CONCURRENCY 10000
#define PT_HDR 16
#define PB_BATCH_HDR 8
#define PB_MSG_HDR 12

enum mode { M_CLOSED, M_OPEN, M_SWEEP, M_HANDSHAKE };
enum state { S_CONNECT, S_HANDSHAKE, S_RUN, S_SHUTDOWN };

typedef struct { const uint8_t *p; uint32_t n; } blob;
typedef struct { blob version, plain, cdata, packages, close; int has_plain; } machine;

typedef struct conn {
  int fd;
  SSL *ssl;
  enum state state;
  uint32_t events; /* current epoll interest */
  int want_out;
  const machine *m;
  double origin;   /* latency origin: connect (closed, sweep, handshake) or scheduled start (open) */
  double deadline; /* timeout */
  blob wq[WQ_MAX];
  int wq_head, wq_len;
  uint32_t wq_off;
  uint8_t *rb;
  size_t rlen, rcap;
  int sdata;
  int have_outcome;
  double done_at;
  int rec;
  int shutdown_sent;
  struct conn *prev, *next;
} conn;

/* ---- globals: one run per process ---------------------------------------------------------- */

static machine *machines;
static uint32_t nmachines;
static SSL_CTX *ctx;
static int ep;
static struct sockaddr_in addr;
static enum mode mode;
static int concurrency = 16;
static double rate;
static double duration_ms;
static double t0, end_at;
static uint64_t next_index;
static int inflight;
static conn *active_head, *active_tail;

static uint64_t done_count, error_count, late_starts;
static char samples[MAX_SAMPLES][SAMPLE_LEN];
static int nsamples;
static double *lat;
static size_t nlat, latcap;
static uint64_t sdata_hist[MAX_SDATA + 1];
static uint64_t rec_hist[4];
static int pending_starts; /* closed/sweep/handshake: loops that need a new assessment */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("ptload: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

static void add_sample(const char *msg) {
  if (nsamples < MAX_SAMPLES) {
    snprintf(samples[nsamples], SAMPLE_LEN, "%s", msg);
    nsamples++;
  }
}

/* ---- input ----------------------------------------------------------------------------------- */

static uint8_t *input;
static size_t input_len;

static uint32_t rd32(size_t *at) {
  if (*at > input_len || input_len - *at < 4) die("input truncated at %zu", *at);
  uint32_t v = (uint32_t)input[*at] | (uint32_t)input[*at + 1] << 8 | (uint32_t)input[*at + 2] << 16 | (uint32_t)input[*at + 3] << 24;
  *at += 4;
  return v;
}

static void load_input(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) die("%s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || st.st_size < 8 || (uint64_t)st.st_size > MAX_INPUT_BYTES) die("%s: bad size", path);
  input_len = (size_t)st.st_size;
  input = malloc(input_len);
  if (!input || fread(input, 1, input_len, f) != input_len) die("%s: read failed", path);
  fclose(f);
  if (memcmp(input, "PTLOAD1\n", 8) != 0) die("%s: bad magic", path);
  size_t at = 8;
  uint32_t nblobs = rd32(&at);
  if (nblobs == 0 || nblobs > MAX_BLOBS) die("bad blob count %u", nblobs);
  blob *blobs = calloc(nblobs, sizeof *blobs);
  if (!blobs) die("out of memory");
  for (uint32_t i = 0; i < nblobs; i++) {
    uint32_t n = rd32(&at);
    if (n > input_len - at) die("blob %u truncated", i);
    blobs[i].p = input + at;
    blobs[i].n = n;
    at += n;
  }
  nmachines = rd32(&at);
  if (nmachines == 0 || nmachines > MAX_BLOBS) die("bad machine count %u", nmachines);
  machines = calloc(nmachines, sizeof *machines);
  if (!machines) die("out of memory");
  for (uint32_t i = 0; i < nmachines; i++) {
    uint32_t ix[5];
    for (int k = 0; k < 5; k++) {
      ix[k] = rd32(&at);
      if (ix[k] >= nblobs && !(k == 1 && ix[k] == 0xffffffffu)) die("machine %u: bad blob index", i);
    }
    machine *m = &machines[i];
    m->version = blobs[ix[0]];
    m->has_plain = ix[1] != 0xffffffffu;
    if (m->has_plain) m->plain = blobs[ix[1]];
    m->cdata = blobs[ix[2]];
    m->packages = blobs[ix[3]];
    m->close = blobs[ix[4]];
  }
  if (at != input_len) die("trailing bytes in input");
}

/* ---- connection lifecycle -------------------------------------------------------------------- */

static void set_events(conn *c, uint32_t ev) {
  if (c->events == ev) return;
  struct epoll_event e = {.events = ev, .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e) != 0) die("epoll_ctl: %s", strerror(errno));
  c->events = ev;
}

static void record_latency(double ms) {
  if (nlat == latcap) {
    if (latcap >= MAX_LATENCIES) return;
    size_t cap = latcap ? latcap * 2 : 65536;
    double *p = realloc(lat, cap * sizeof *lat);
    if (!p) return;
    lat = p;
    latcap = cap;
  }
  lat[nlat++] = ms;
}

/* Ends the connection: done when it got its outcome (RESULT, or the handshake), else an error. */
static void finish(conn *c, const char *err) {
  if (c->have_outcome) {
    done_count++;
    record_latency(c->done_at - c->origin);
    sdata_hist[c->sdata > MAX_SDATA ? MAX_SDATA : c->sdata]++;
    rec_hist[c->rec]++;
  } else {
    error_count++;
    add_sample(err ? err : "closed before RESULT");
  }
  if (c->ssl) SSL_free(c->ssl);
  close(c->fd);
  free(c->rb);
  if (c->prev) c->prev->next = c->next;
  else active_head = c->next;
  if (c->next) c->next->prev = c->prev;
  else active_tail = c->prev;
  free(c);
  inflight--;
  if (mode != M_OPEN) pending_starts++;
}

static void fail_ssl(conn *c, const char *what, int ret, int sslerr) {
  char msg[SAMPLE_LEN];
  unsigned long e = ERR_peek_last_error();
  if (sslerr == SSL_ERROR_SYSCALL && e == 0) {
    snprintf(msg, sizeof msg, "%s: %s", what, ret == 0 || errno == 0 ? "unexpected EOF" : strerror(errno));
  } else if (e != 0) {
    char buf[120];
    ERR_error_string_n(e, buf, sizeof buf);
    long vr = SSL_get_verify_result(c->ssl);
    if (vr != X509_V_OK) snprintf(msg, sizeof msg, "%s: %s (%s)", what, buf, X509_verify_cert_error_string(vr));
    else snprintf(msg, sizeof msg, "%s: %s", what, buf);
  } else {
    snprintf(msg, sizeof msg, "%s: SSL error %d", what, sslerr);
  }
  ERR_clear_error();
  finish(c, msg);
}

static void start(const machine *m, double origin) {
  double t = now_ms();
  conn *c = calloc(1, sizeof *c);
  if (!c) die("out of memory");
  c->m = m;
  c->origin = origin;
  c->deadline = t + TIMEOUT_MS;
  c->fd = -1;
  /* On the active list first, so finish() can unlink it on any failure below. */
  c->prev = active_tail;
  if (active_tail) active_tail->next = c;
  else active_head = c;
  active_tail = c;
  inflight++;

  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    char msg[SAMPLE_LEN];
    snprintf(msg, sizeof msg, "socket: %s", strerror(errno));
    finish(c, msg);
    return;
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->ssl = SSL_new(ctx);
  if (!c->ssl || !SSL_set_fd(c->ssl, c->fd) || !SSL_set_tlsext_host_name(c->ssl, "localhost") || !SSL_set1_host(c->ssl, "localhost")) {
    fail_ssl(c, "SSL setup", -1, SSL_ERROR_SSL);
    return;
  }
  SSL_set_connect_state(c->ssl);
  int r = connect(c->fd, (struct sockaddr *)&addr, sizeof addr);
  if (r != 0 && errno != EINPROGRESS) {
    char msg[SAMPLE_LEN];
    snprintf(msg, sizeof msg, "connect: %s", strerror(errno));
    finish(c, msg);
    return;
  }
  c->state = S_CONNECT;
  c->events = EPOLLOUT;
  struct epoll_event e = {.events = EPOLLOUT, .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) != 0) die("epoll_ctl add: %s", strerror(errno));
}

/* The i-th assessment's machine: strided through the pool as pt-tls-load.ts does. */
static const machine *machine_of(uint64_t i) {
  return &machines[mode == M_SWEEP ? i % nmachines : (i * 7919u) % nmachines];
}

/* closed/sweep/handshake: each finished loop starts its next assessment while time (or, for the
 * sweep, machines) remain. Iterative, so immediate failures cannot recurse. */
static void start_pending(void) {
  while (pending_starts > 0) {
    pending_starts--;
    if (mode == M_SWEEP) {
      if (next_index >= nmachines) continue;
    } else if (now_ms() >= end_at) {
      continue;
    }
    uint64_t i = next_index++;
    start(machine_of(i), now_ms());
  }
}

/* ---- PT-TLS ---------------------------------------------------------------------------------- */

static int enqueue(conn *c, blob b) {
  if (c->wq_len == WQ_MAX) {
    finish(c, "write queue full");
    return 0;
  }
  c->wq[(c->wq_head + c->wq_len) % WQ_MAX] = b;
  c->wq_len++;
  return 1;
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint32_t be24(const uint8_t *p) { return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]; }
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void begin_shutdown(conn *c) { c->state = S_SHUTDOWN; }

/* A PB-TNC batch from the server. Returns 0 when the connection was finished. */
static int on_batch(conn *c, const uint8_t *b, uint32_t n) {
  char msg[SAMPLE_LEN];
  if (n < PB_BATCH_HDR) return finish(c, "short PB-TNC batch"), 0;
  if (b[0] != 2) return finish(c, "PB-TNC version not 2"), 0;
  if (!(b[1] & 0x80)) return finish(c, "PB-TNC batch without the server D flag"), 0;
  if (be32(b + 4) != n) return finish(c, "PB-TNC batch length mismatch"), 0;
  unsigned type = be16(b + 2) & 0x0f;
  switch (type) {
  case 2: /* SDATA */
    if (++c->sdata > MAX_SDATA) return finish(c, "too many SDATA batches"), 0;
    return enqueue(c, c->m->packages);
  case 3: { /* RESULT */
    int rec = 0;
    for (uint32_t at = PB_BATCH_HDR; at < n;) {
      if (n - at < PB_MSG_HDR) return finish(c, "truncated PB-TNC message header"), 0;
      uint32_t vendor = be24(b + at + 1), mtype = be32(b + at + 4), len = be32(b + at + 8);
      if (len < PB_MSG_HDR || len > n - at) return finish(c, "bad PB-TNC message length"), 0;
      if (vendor == 0 && mtype == 3) { /* PB-Access-Recommendation: reserved 16 | code 16 */
        if (len != PB_MSG_HDR + 4) return finish(c, "bad PB-Access-Recommendation length"), 0;
        unsigned code = be16(b + at + PB_MSG_HDR + 2);
        if (code < 1 || code > 3) {
          snprintf(msg, sizeof msg, "access recommendation %u out of range", code);
          return finish(c, msg), 0;
        }
        if (rec == 0) rec = (int)code;
      }
      at += len;
    }
    if (!c->have_outcome) {
      c->have_outcome = 1;
      c->done_at = now_ms();
      c->rec = rec;
    }
    return enqueue(c, c->m->close);
  }
  case 6: /* CLOSE */
    begin_shutdown(c);
    return 1;
  default:
    snprintf(msg, sizeof msg, "unexpected PB-TNC batch type %u", type);
    return finish(c, msg), 0;
  }
}

/* One whole PT-TLS message. Returns 0 when the connection was finished. */
static int on_message(conn *c, const uint8_t *m, uint32_t len) {
  char msg[SAMPLE_LEN];
  uint32_t vendor = be24(m + 1), type = be32(m + 4);
  const uint8_t *body = m + PT_HDR;
  uint32_t n = len - PT_HDR;
  if (vendor != 0) {
    snprintf(msg, sizeof msg, "unexpected PT message vendor %u type %u", vendor, type);
    return finish(c, msg), 0;
  }
  switch (type) {
  case 2: /* Version Response: reserved 24 | version 8 */
    if (n != 4 || body[3] != 1) return finish(c, "bad PT-TLS Version Response"), 0;
    return 1;
  case 3: { /* SASL Mechanisms: [] once authenticated (or none needed), else the offer */
    if (n == 0) return enqueue(c, c->m->cdata);
    int plain = 0;
    char names[64] = "";
    for (uint32_t at = 0; at < n;) {
      uint32_t l = body[at] & 0x1f;
      if (l == 0 || l > n - at - 1) return finish(c, "malformed SASL Mechanisms"), 0;
      if (l == 5 && memcmp(body + at + 1, "PLAIN", 5) == 0) plain = 1;
      size_t used = strlen(names);
      if (used + l + 2 < sizeof names) snprintf(names + used, sizeof names - used, "%s%.*s", used ? "," : "", (int)l, (const char *)body + at + 1);
      at += 1 + l;
    }
    if (plain && c->m->has_plain) return enqueue(c, c->m->plain);
    snprintf(msg, sizeof msg, "server offers %s, no credentials", names);
    return finish(c, msg), 0;
  }
  case 6: /* SASL Result: code 16 */
    if (n < 2) return finish(c, "short SASL Result"), 0;
    if (be16(body) != 0) {
      snprintf(msg, sizeof msg, "SASL result %u", be16(body));
      return finish(c, msg), 0;
    }
    return 1;
  case 7:
    return on_batch(c, body, n);
  case 8:
    snprintf(msg, sizeof msg, "PT-TLS Error message (%u bytes)", n);
    return finish(c, msg), 0;
  default:
    snprintf(msg, sizeof msg, "unexpected PT message type %u", type);
    return finish(c, msg), 0;
  }
}

/* Parses the complete messages in the read buffer. Returns 0 when the connection was finished. */
static int parse(conn *c) {
  size_t at = 0;
  while (c->rlen - at >= PT_HDR) {
    uint32_t len = be32(c->rb + at + 8);
    if (len < PT_HDR || len > MAX_MSG) {
      char msg[SAMPLE_LEN];
      snprintf(msg, sizeof msg, "PT-TLS message length %u out of bounds", len);
      return finish(c, msg), 0;
    }
    if (c->rlen - at < len) break;
    if (!on_message(c, c->rb + at, len)) return 0;
    at += len;
    if (c->state == S_SHUTDOWN) {
      at = c->rlen; /* anything after the server's CLOSE is ignored */
      break;
    }
  }
  if (at > 0) {
    memmove(c->rb, c->rb + at, c->rlen - at);
    c->rlen -= at;
  }
  return 1;
}

/* Writes what is queued. Returns 0 when the connection was finished. */
static int flush(conn *c) {
  while (c->wq_len > 0) {
    blob b = c->wq[c->wq_head];
    ERR_clear_error();
    int r = SSL_write(c->ssl, b.p + c->wq_off, (int)(b.n - c->wq_off));
    if (r > 0) {
      c->wq_off += (uint32_t)r;
      if (c->wq_off == b.n) {
        c->wq_off = 0;
        c->wq_head = (c->wq_head + 1) % WQ_MAX;
        c->wq_len--;
      }
      continue;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_WRITE) {
      c->want_out = 1;
      return 1;
    }
    if (e == SSL_ERROR_WANT_READ) return 1;
    fail_ssl(c, "write", r, e);
    return 0;
  }
  return 1;
}

/* Reads and handles everything available. Returns 0 when the connection was finished. */
static int read_all(conn *c) {
  for (;;) {
    if (c->rcap - c->rlen < READ_CHUNK) {
      size_t cap = c->rcap ? c->rcap * 2 : READ_CHUNK * 2;
      if (cap > MAX_MSG + READ_CHUNK * 2) cap = MAX_MSG + READ_CHUNK * 2;
      if (cap - c->rlen < READ_CHUNK) return finish(c, "read buffer limit"), 0; /* unreachable: parse() bounds rlen */
      uint8_t *p = realloc(c->rb, cap);
      if (!p) return finish(c, "out of memory"), 0;
      c->rb = p;
      c->rcap = cap;
    }
    ERR_clear_error();
    int r = SSL_read(c->ssl, c->rb + c->rlen, READ_CHUNK);
    if (r > 0) {
      if (c->state == S_SHUTDOWN) continue; /* after CLOSE: drain and ignore */
      c->rlen += (size_t)r;
      if (!parse(c)) return 0;
      continue;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ) return 1;
    if (e == SSL_ERROR_WANT_WRITE) {
      c->want_out = 1;
      return 1;
    }
    if (e == SSL_ERROR_ZERO_RETURN) { /* the server's close_notify or EOF */
      finish(c, "closed before RESULT");
      return 0;
    }
    fail_ssl(c, "read", r, e);
    return 0;
  }
}

static void drive(conn *c, uint32_t ev) {
  if (c->state == S_CONNECT) {
    int err = 0;
    socklen_t l = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0) err = errno;
    if (err != 0) {
      char msg[SAMPLE_LEN];
      snprintf(msg, sizeof msg, "connect: %s", strerror(err));
      finish(c, msg);
      return;
    }
    if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    c->state = S_HANDSHAKE;
  }
  c->want_out = 0;
  if (c->state == S_HANDSHAKE) {
    ERR_clear_error();
    int r = SSL_do_handshake(c->ssl);
    if (r != 1) {
      int e = SSL_get_error(c->ssl, r);
      if (e == SSL_ERROR_WANT_READ) { set_events(c, EPOLLIN); return; }
      if (e == SSL_ERROR_WANT_WRITE) { set_events(c, EPOLLIN | EPOLLOUT); return; }
      fail_ssl(c, "handshake", r, e);
      return;
    }
    if (mode == M_HANDSHAKE) {
      c->have_outcome = 1;
      c->done_at = now_ms();
      begin_shutdown(c);
    } else {
      c->state = S_RUN;
      if (!enqueue(c, c->m->version)) return;
    }
  }
  if (c->state == S_RUN) {
    if (!flush(c) || !read_all(c)) return;
    /* read_all may have queued replies, or moved to S_SHUTDOWN on the server's CLOSE */
    if (!flush(c)) return;
  }
  if (c->state == S_SHUTDOWN) {
    if (c->wq_len > 0) { /* our CLOSE is still going out */
      if (!flush(c)) return;
      if (c->wq_len > 0) { set_events(c, EPOLLIN | EPOLLOUT); return; }
    }
    if (!c->shutdown_sent) {
      ERR_clear_error();
      int r = SSL_shutdown(c->ssl);
      if (r < 0) {
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_WRITE) { set_events(c, EPOLLIN | EPOLLOUT); return; }
        if (e != SSL_ERROR_WANT_READ) { finish(c, NULL); return; }
      }
      c->shutdown_sent = 1;
      shutdown(c->fd, SHUT_WR); /* like Node's socket.end(): close_notify, then FIN */
      if (r == 1) { finish(c, NULL); return; }
    }
    /* Wait for the server's EOF; whatever comes first is read and dropped. */
    for (;;) {
      uint8_t scratch[READ_CHUNK];
      ERR_clear_error();
      int r = SSL_read(c->ssl, scratch, sizeof scratch);
      if (r > 0) continue;
      int e = SSL_get_error(c->ssl, r);
      if (e == SSL_ERROR_WANT_READ) { set_events(c, EPOLLIN); return; }
      ERR_clear_error();
      finish(c, NULL); /* EOF, close_notify or reset: the outcome stands */
      return;
    }
  }
  set_events(c, EPOLLIN | (c->want_out || c->wq_len > 0 ? EPOLLOUT : 0));
}

/* ---- output ---------------------------------------------------------------------------------- */

static void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
    else if (ch < 0x20 || ch >= 0x7f) fprintf(f, "\\u%04x", ch);
    else fputc(ch, f);
  }
  fputc('"', f);
}

static void print_result(double wall_s, double user_s, double sys_s) {
  static char buf[1 << 20];
  setvbuf(stdout, buf, _IOFBF, sizeof buf);
  printf("{\"generator\":\"c\",\"done\":%llu,\"errors\":%llu,\"errorSamples\":[", (unsigned long long)done_count, (unsigned long long)error_count);
  for (int i = 0; i < nsamples; i++) {
    if (i) putchar(',');
    json_string(stdout, samples[i]);
  }
  printf("],\"latenciesMs\":[");
  for (size_t i = 0; i < nlat; i++) printf(i ? ",%.3f" : "%.3f", lat[i]);
  printf("],\"lateStarts\":%llu,\"wallS\":%.6f,\"clientCpuS\":%.6f,\"clientUserS\":%.6f,\"clientSysS\":%.6f,\"sdataRoundTrips\":{", (unsigned long long)late_starts, wall_s, user_s + sys_s, user_s, sys_s);
  int first = 1;
  for (int i = 0; i <= MAX_SDATA; i++)
    if (sdata_hist[i]) printf("%s\"%d\":%llu", first ? "" : ",", i, (unsigned long long)sdata_hist[i]), first = 0;
  printf("},\"recommendations\":{");
  first = 1;
  for (int i = 0; i < 4; i++)
    if (rec_hist[i]) printf("%s\"%d\":%llu", first ? "" : ",", i, (unsigned long long)rec_hist[i]), first = 0;
  printf("}}\n");
  fflush(stdout);
}

/* User and system CPU seconds of this process so far. */
static void cpu_seconds(double *user, double *sys) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  *user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
  *sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* epoll_wait with a sub-millisecond timeout (epoll_pwait2, Linux 5.11+), so that waiting for
 * the next open-loop arrival neither spins nor oversleeps; epoll_wait rounding up elsewhere. */
static int wait_events(struct epoll_event *evs, int max, double wait_ms) {
  static int no_pwait2;
  if (wait_ms < 0) wait_ms = 0;
#ifdef SYS_epoll_pwait2
  if (!no_pwait2) {
    long long ns = (long long)(wait_ms * 1e6);
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000), .tv_nsec = (long)(ns % 1000000000)};
    int n = (int)syscall(SYS_epoll_pwait2, ep, evs, max, &ts, NULL, 0);
    if (n >= 0 || errno != ENOSYS) return n;
    no_pwait2 = 1;
  }
#endif
  int ms = (int)wait_ms;
  return epoll_wait(ep, evs, max, ms < wait_ms ? ms + 1 : ms);
}

/* ---- main ------------------------------------------------------------------------------------ */

int main(int argc, char **argv) {
  const char *in = NULL, *ca = NULL, *mode_s = NULL;
  long port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--input")) in = v;
    else if (!strcmp(k, "--ca")) ca = v;
    else if (!strcmp(k, "--port")) port = strtol(v, NULL, 10);
    else if (!strcmp(k, "--mode")) mode_s = v;
    else if (!strcmp(k, "--concurrency")) concurrency = (int)strtol(v, NULL, 10);
    else if (!strcmp(k, "--rate")) rate = strtod(v, NULL);
    else if (!strcmp(k, "--duration-ms")) duration_ms = strtod(v, NULL);
    else die("unknown option %s", k);
  }
  if (argc % 2 != 1) die("options come in pairs");
  if (!in || !ca || !mode_s || port <= 0 || port > 65535) die("usage: ptload --input FILE --ca CA.pem --port N --mode closed|open|sweep|handshake [--concurrency N] [--rate R] [--duration-ms D]");
  if (!strcmp(mode_s, "closed")) mode = M_CLOSED;
  else if (!strcmp(mode_s, "open")) mode = M_OPEN;
  else if (!strcmp(mode_s, "sweep")) mode = M_SWEEP;
  else if (!strcmp(mode_s, "handshake")) mode = M_HANDSHAKE;
  else die("unknown mode %s", mode_s);
  if (concurrency < 1 || concurrency > MAX_CONCURRENCY) die("concurrency out of range");
  if (mode == M_OPEN && !(rate > 0 && rate <= 1e6)) die("open mode needs --rate > 0");
  if (!(duration_ms >= 0 && duration_ms <= 86400e3)) die("duration out of range");

  load_input(in);
  signal(SIGPIPE, SIG_IGN); /* a write to a connection the server closed is an error, not death */

  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) die("SSL_CTX_new failed");
  if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) die("cannot load CA %s", ca);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  /* A fresh full handshake every time: no tickets, no session cache. */
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1: %s", strerror(errno));

  double user0, sys0, user1, sys1;
  cpu_seconds(&user0, &sys0);
  t0 = now_ms();
  end_at = t0 + duration_ms;
  uint64_t arrival = 0; /* open: next scheduled arrival index */
  if (mode != M_OPEN) {
    pending_starts = concurrency;
    start_pending();
  }
  double next_scan = t0 + 100;
  struct epoll_event evs[256];
  for (;;) {
    double now = now_ms();
    if (mode == M_OPEN) {
      for (double at = t0 + arrival * 1000.0 / rate; at <= now && at < end_at; at = t0 + ++arrival * 1000.0 / rate) {
        /* Latency counts from the scheduled start: a late start is charged, not hidden. */
        if (now - at > LATE_MS) late_starts++;
        start(machine_of(arrival), at);
      }
    } else {
      start_pending();
    }
    int more = mode == M_OPEN && t0 + arrival * 1000.0 / rate < end_at;
    if (inflight == 0 && !more) break;
    now = now_ms();
    if (now >= next_scan) { /* the active list is in start order, so deadlines are too */
      while (active_head && active_head->deadline <= now) finish(active_head, "timeout");
      next_scan = now + 100;
      continue;
    }
    double wait = next_scan - now;
    if (more) {
      double next = t0 + arrival * 1000.0 / rate - now;
      if (next < wait) wait = next;
    }
    int n = wait_events(evs, 256, wait);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait: %s", strerror(errno));
    }
    for (int i = 0; i < n; i++) drive(evs[i].data.ptr, evs[i].events);
  }
  double wall_s = (now_ms() - t0) / 1000.0;
  cpu_seconds(&user1, &sys1);
  print_result(wall_s, user1 - user0, sys1 - sys0);
  SSL_CTX_free(ctx);
  return 0;
}
