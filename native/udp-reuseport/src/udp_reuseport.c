/*
 * RADIUS port groups for Kenneki's worker processes.
 *
 * Node 20's dgram cannot set SO_REUSEPORT (the `reusePort` option arrived in Node 22.12), so
 * worker processes that serve one RADIUS port have to share a single socket. Every process that
 * polls a shared socket is woken for every datagram, and all but one find nothing: a cost that
 * grows with each worker. A group of SO_REUSEPORT sockets gives each worker its own queue.
 *
 * The kernel's default choice within a group is a hash of the 4-tuple, which would send all of a
 * NAS's requests (one source port) to one worker. The classic BPF program attached here picks by
 * the RADIUS Request Authenticator instead: random per request, so a single NAS is spread, and
 * the same in a retransmission, so a retry reaches the worker whose duplicate cache holds the
 * answer (RFC 5080 section 2.2.2).
 *
 * Only socket(), setsockopt() and bind() happen here. The descriptors go back to JavaScript,
 * where dgram.Socket.bind({ fd }) owns them from then on.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_GROUP 64

/* Node's errors carry the errno's name in `code`, as dgram's own do. */
static const char *errno_name(int e) {
  switch (e) {
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    default: return "EUNKNOWN";
  }
}

/*
 * The programs run on the UDP payload (the kernel pulls the UDP header first) and return the
 * index of the socket in the group; an index out of range, or a load past the end (which makes
 * the program return 0), is harmless: the kernel then falls back to its own hash, or socket 0.
 */

/* A = bytes 4-7 (the Request Authenticator's first word); return A % count. */
static unsigned short authenticator_program(struct sock_filter *c, unsigned count) {
  unsigned short n = 0;
  c[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, count);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_A, 0);
  return n;
}

/*
 * For an auth port whose workers hold EAP conversations:
 * - a request carrying a State goes to socket (first byte of the State) % count, that byte being
 *   the tag of the worker that issued it;
 * - a request without one (a new login) goes by a hash of its Calling-Station-Id's last four
 *   bytes, so a device starts every login on the same worker, whose session-id cache can resume
 *   its TLS session (wpa_supplicant resumes by session id, not ticket);
 * - anything else is spread by its authenticator.
 * Classic BPF has no backward jumps, so the walk over the attributes is unrolled
 * SCAN_ATTRIBUTES times (conditional jump offsets are 8 bits, which bounds it); a State further
 * in is spread like the rest and its worker forwards the request.
 */
#define SCAN_ATTRIBUTES 24
#define SCAN_HEAD 6
#define SCAN_STEP 10
#define STEER_MAX (SCAN_HEAD + SCAN_STEP * SCAN_ATTRIBUTES + 1 + 3 + 17 + 3)
#define RADIUS_ATTRIBUTE_STATE 24
#define RADIUS_ATTRIBUTE_CALLING_STATION_ID 31

/* A conditional jump from instruction `at` to `to` (forward only), as BPF's relative offset. */
static unsigned char hop(unsigned short at, unsigned short to) {
  return (unsigned char)(to - at - 1);
}

static unsigned short state_program(struct sock_filter *c, unsigned count) {
  const unsigned short state = SCAN_HEAD + SCAN_STEP * SCAN_ATTRIBUTES + 1, station = state + 3, spread = station + 17;
  /* The longest hop: from the first attribute's end check to `station`. */
  _Static_assert(SCAN_STEP * SCAN_ATTRIBUTES + 1 + 3 - 2 <= 255, "conditional jump offsets are 8 bits");
  unsigned short n = 0;
  c[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0); /* A = payload length */
  c[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_SUB | BPF_K, 2);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_ST, 0);                     /* M[0] = last offset with room for a type and a length */
  c[n++] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_W | BPF_IMM, 20); /* X = the first attribute */
  c[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, 0);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_ST, 1); /* M[1] = the Calling-Station-Id's offset; 0: none seen */
  for (unsigned i = 0; i < SCAN_ATTRIBUTES; i++) {
    c[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_MEM, 0);
    c[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_X, 0, 0, hop(n, station)); /* past the end */
    n++;
    c[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0); /* type */
    c[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RADIUS_ATTRIBUTE_STATE, hop(n, state), 0);
    n++;
    c[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RADIUS_ATTRIBUTE_CALLING_STATION_ID, 0, 1);
    c[n++] = (struct sock_filter)BPF_STMT(BPF_STX, 1);
    c[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_IND, 1); /* length */
    c[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 2, 0, hop(n, station)); /* malformed */
    n++;
    c[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0);
    c[n++] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0); /* X = the next attribute */
  }
  /* Every scanned attribute read, no State among them: as if the end were reached. */
  c[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 3, 0, 0);
  /* state: the State's first byte. */
  c[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_IND, 2);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, count);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_A, 0);
  /* station: no State; the last four bytes of a Calling-Station-Id of at least four, folded. */
  c[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_MEM, 1);
  c[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, hop(n, spread), 0);
  n++;
  c[n++] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_IND, 1);
  c[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 6, 0, hop(n, spread));
  n++;
  c[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_SUB | BPF_K, 4);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0); /* past the end: the program returns 0 */
  c[n++] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 8);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, count);
  c[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_A, 0);
  /* spread */
  n += authenticator_program(c + n, count);
  return n;
}

static napi_value fail(napi_env env, const char *what, int e, const int *fds, unsigned opened) {
  for (unsigned i = 0; i < opened; i++) close(fds[i]);
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(e));
  napi_throw_error(env, errno_name(e), msg);
  return NULL;
}

static napi_value open_group(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  bool steer = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) {
    napi_throw_type_error(env, NULL, "openGroup(address, port, count)");
    return NULL;
  }
  char address[INET6_ADDRSTRLEN + 1];
  size_t len = 0;
  uint32_t port = 0, count = 0;
  if (napi_get_value_string_utf8(env, argv[0], address, sizeof address, &len) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &port) != napi_ok || napi_get_value_uint32(env, argv[2], &count) != napi_ok ||
      port > 65535 || count < 1 || count > MAX_GROUP) {
    napi_throw_type_error(env, NULL, "openGroup(address: string, port: 0-65535, count: 1-64)");
    return NULL;
  }

  if (argc > 3) napi_get_value_bool(env, argv[3], &steer);
  struct sockaddr_storage ss;
  socklen_t sslen;
  int family;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
    family = v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    sslen = sizeof *v4;
  } else if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
    family = v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    sslen = sizeof *v6;
  } else {
    napi_throw_type_error(env, NULL, "openGroup: the address is not a literal IPv4 or IPv6 address");
    return NULL;
  }

  struct sock_filter code[STEER_MAX];
  struct sock_fprog prog = {.len = steer ? state_program(code, count) : authenticator_program(code, count), .filter = code};

  int fds[MAX_GROUP];
  unsigned opened = 0;
  for (uint32_t i = 0; i < count; i++) {
    int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(env, "socket", errno, fds, opened);
    fds[opened++] = fd;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) return fail(env, "SO_REUSEPORT", errno, fds, opened);
    if (bind(fd, (struct sockaddr *)&ss, sslen) != 0) return fail(env, "bind", errno, fds, opened);
    if (i == 0) {
      /* Port 0: the rest join the port the kernel chose for the first. */
      struct sockaddr_storage bound;
      socklen_t blen = sizeof bound;
      if (getsockname(fd, (struct sockaddr *)&bound, &blen) != 0) return fail(env, "getsockname", errno, fds, opened);
      if (family == AF_INET) v4->sin_port = ((struct sockaddr_in *)&bound)->sin_port;
      else v6->sin6_port = ((struct sockaddr_in6 *)&bound)->sin6_port;
      /* The program belongs to the group; attaching it once, to the first, is enough. */
      if (count > 1 && setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog) != 0)
        return fail(env, "SO_ATTACH_REUSEPORT_CBPF", errno, fds, opened);
    }
  }

  napi_value result;
  if (napi_create_array_with_length(env, opened, &result) != napi_ok) return fail(env, "result", ENOMEM, fds, opened);
  for (unsigned i = 0; i < opened; i++) {
    napi_value v;
    if (napi_create_int32(env, fds[i], &v) != napi_ok || napi_set_element(env, result, i, v) != napi_ok)
      return fail(env, "result", ENOMEM, fds, opened);
  }
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "openGroup", NAPI_AUTO_LENGTH, open_group, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "openGroup", fn) != napi_ok) return NULL;
  return exports;
}
