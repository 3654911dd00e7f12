/*
 * qnfv_tun: batched packet I/O on a Linux TUN device (IFF_TUN | IFF_NO_PI)
 * for the virtual router's userspace ESP data plane. Plain C on N-API 8;
 * loaded by virtual-router/tun/tun-addon.ts. Linux only.
 *
 * Node cannot wrap a TUN fd in a net.Socket, and a thread blocked in read()
 * keeps the process from exiting (design/FEASIBILITY.md section 3). So the
 * fd is non-blocking and readBatch waits in poll() for at most timeoutMs;
 * the data-path worker checks its stop flag between calls. The caller owns
 * the packet buffers (Uint8Array views, e.g. slices of one pool) and the
 * length arrays; nothing is allocated per packet.
 *
 *   open(name)                                       -> { fd, name }
 *   readBatch(fd, bufs, offset, lens, timeoutMs[, counters]) -> count
 *   writeBatch(fd, bufs, offsets, lens, count[, counters])   -> consumed
 *   readSlots(fd, memory, slotSize, offset, space, count, lens, timeoutMs[, counters]) -> count
 *   writeSlots(fd, memory, starts, lens, count[, counters])                -> consumed
 *   close(fd)
 *   maxBatch                                         (number)
 *
 * The *Slots variants take one buffer holding every packet slot (a packet
 * batch's single allocation) instead of an array of views: packet i is read
 * into memory[i * slotSize + offset, + space) and written from
 * memory[starts[i], + lens[i]), so a call costs no per-packet N-API lookups.
 *
 * counters (optional Uint32Array of length >= 2): [0] += packets dropped on
 * read because they did not fit (truncated by the kernel), [1] += packets
 * the kernel refused on write with EINVAL (not IPv4/IPv6).
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if_tun.h>

/* Most packets one readBatch/writeBatch call handles (stack arrays). */
#define MAX_BATCH 256
/* How long writeBatch waits for writability after EAGAIN before returning early. */
#define WRITE_WAIT_MS 10
#define TUN_PATH "/dev/net/tun"

/* ---- errors ------------------------------------------------------------ */

/* The symbolic name of an errno value (the ones this file can meet). */
static const char *errno_name(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ENOSPC: return "ENOSPC";
    case EBADFD: return "EBADFD";
    case EMSGSIZE: return "EMSGSIZE";
    case ENOBUFS: return "ENOBUFS";
    case ENETDOWN: return "ENETDOWN";
    case EROFS: return "EROFS";
    default: return "EUNKNOWN";
  }
}

/* Set a string property on an object, ignoring failures (best effort). */
static void set_str(napi_env env, napi_value obj, const char *key, const char *val) {
  napi_value v;
  if (napi_create_string_utf8(env, val, NAPI_AUTO_LENGTH, &v) == napi_ok) napi_set_named_property(env, obj, key, v);
}

/* Set a number property on an object, ignoring failures (best effort). */
static void set_int(napi_env env, napi_value obj, const char *key, int64_t val) {
  napi_value v;
  if (napi_create_int64(env, val, &v) == napi_ok) napi_set_named_property(env, obj, key, v);
}

/*
 * Throw an Error "<what>: <ENAME> (<strerror>) — <hint>" with code = ENAME,
 * errno = -err (Node's convention) and syscall. index >= 0 adds the batch
 * index of the packet that failed. Returns NULL for the caller to return.
 */
static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *what, const char *hint,
                              int index) {
  char msg[512];
  const char *name = errno_name(err);
  if (hint != NULL)
    snprintf(msg, sizeof msg, "%s: %s (%s) \xe2\x80\x94 %s", what, name, strerror(err), hint);
  else
    snprintf(msg, sizeof msg, "%s: %s (%s)", what, name, strerror(err));
  napi_value jsmsg, error;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &jsmsg) != napi_ok ||
      napi_create_error(env, NULL, jsmsg, &error) != napi_ok) {
    napi_throw_error(env, name, msg);
    return NULL;
  }
  set_str(env, error, "code", name);
  set_int(env, error, "errno", -err);
  set_str(env, error, "syscall", syscall);
  if (index >= 0) set_int(env, error, "index", index);
  napi_throw(env, error);
  return NULL;
}

/* Throw a TypeError (bad argument type) with Node's code. Returns NULL. */
static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

/* Throw a RangeError (bad argument value) with Node's code. Returns NULL. */
static napi_value throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
  return NULL;
}

/* What to do about a failed read/write/poll on the TUN fd. */
static const char *io_hint(int err) {
  switch (err) {
    case EBADF: return "the fd is not open (closed already, or never opened by open())";
    case EBADFD: return "the TUN device is gone (deleted with ip link del?); close the fd and open the device again";
    case EIO: return "the TUN device is down? (ip link set <name> up)";
    case EFAULT: return "the buffer is not writable memory";
    default: return NULL;
  }
}

/* ---- argument helpers ----------------------------------------------------- */

/* Read an int32 argument; on failure throws a TypeError naming it and returns 0. */
static int get_int(napi_env env, napi_value v, const char *name, int32_t *out) {
  napi_valuetype t;
  char msg[128];
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_int32(env, v, out) != napi_ok) {
    snprintf(msg, sizeof msg, "%s must be a number", name);
    throw_type(env, msg);
    return 0;
  }
  double d;
  napi_get_value_double(env, v, &d);
  if (d != (double)*out) {
    snprintf(msg, sizeof msg, "%s must be an integer in the int32 range, got %g", name, d);
    throw_range(env, msg);
    return 0;
  }
  return 1;
}

/* Read a file descriptor argument (int >= 0). */
static int get_fd(napi_env env, napi_value v, int32_t *fd) {
  if (!get_int(env, v, "fd", fd)) return 0;
  if (*fd < 0) {
    throw_range(env, "fd must be >= 0 (a value returned by open())");
    return 0;
  }
  return 1;
}

/* Get a Uint8Array (or Buffer) argument's memory; index < 0 names a plain argument, else name[index]. */
static int get_u8(napi_env env, napi_value v, const char *name, int index, uint8_t **data, size_t *len) {
  bool is_ta = false;
  napi_typedarray_type type;
  void *p;
  char msg[128];
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    if (index < 0)
      snprintf(msg, sizeof msg, "%s must be a Uint8Array or Buffer", name);
    else
      snprintf(msg, sizeof msg, "%s[%d] must be a Uint8Array or Buffer", name, index);
    throw_type(env, msg);
    return 0;
  }
  *data = (uint8_t *)p;
  return 1;
}

/* Get a Uint32Array argument with at least min_len elements. */
static int get_u32(napi_env env, napi_value v, const char *name, size_t min_len, uint32_t **data, size_t *len) {
  bool is_ta = false;
  napi_typedarray_type type;
  void *p;
  char msg[128];
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) != napi_ok || type != napi_uint32_array) {
    snprintf(msg, sizeof msg, "%s must be a Uint32Array", name);
    throw_type(env, msg);
    return 0;
  }
  if (*len < min_len) {
    snprintf(msg, sizeof msg, "%s has %zu entries, needs at least %zu", name, *len, min_len);
    throw_range(env, msg);
    return 0;
  }
  *data = (uint32_t *)p;
  return 1;
}

/* Optional counters argument: undefined/null -> NULL, else a Uint32Array of length >= 2. */
static int get_counters(napi_env env, size_t argc, napi_value *argv, size_t at, uint32_t **out) {
  *out = NULL;
  if (argc <= at) return 1;
  napi_valuetype t;
  napi_typeof(env, argv[at], &t);
  if (t == napi_undefined || t == napi_null) return 1;
  size_t len;
  return get_u32(env, argv[at], "counters", 2, out, &len);
}

/* Get the bufs array's length, checking 1..MAX_BATCH entries. */
static int get_batch(napi_env env, napi_value v, uint32_t *n) {
  bool is_array = false;
  char msg[128];
  if (napi_is_array(env, v, &is_array) != napi_ok || !is_array) {
    throw_type(env, "bufs must be an array of Uint8Array");
    return 0;
  }
  napi_get_array_length(env, v, n);
  if (*n == 0 || *n > MAX_BATCH) {
    snprintf(msg, sizeof msg, "bufs has %u entries; a batch has 1..%d", *n, MAX_BATCH);
    throw_range(env, msg);
    return 0;
  }
  return 1;
}

/* ---- open / close --------------------------------------------------------- */

/* open(name) -> { fd, name }: create the TUN device, or attach to a persistent one. */
static napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_valuetype t = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &t);
  if (t != napi_string) return throw_type(env, "name must be a string (an interface name such as 'tun0')");

  char name[IFNAMSIZ];
  size_t len = 0;
  napi_get_value_string_utf8(env, argv[0], NULL, 0, &len); /* full length in UTF-8 bytes */
  if (len == 0 || len >= IFNAMSIZ) {
    char msg[160];
    napi_get_value_string_utf8(env, argv[0], name, sizeof name, NULL);
    snprintf(msg, sizeof msg, "TUN name '%s%s' is %zu bytes; Linux interface names have 1..%d bytes", name,
             len >= IFNAMSIZ ? "..." : "", len, IFNAMSIZ - 1);
    return throw_range(env, msg);
  }
  napi_get_value_string_utf8(env, argv[0], name, sizeof name, NULL);
  if (strlen(name) != len || strpbrk(name, "/: \t\n\v\f\r") != NULL || strcmp(name, ".") == 0 ||
      strcmp(name, "..") == 0) {
    char msg[160];
    snprintf(msg, sizeof msg, "TUN name '%s' is not a valid interface name (no '/', ':', NUL or whitespace)", name);
    return throw_range(env, msg);
  }

  int fd = open(TUN_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    const char *hint = NULL;
    if (err == ENOENT || err == ENXIO || err == ENODEV)
      hint = "the tun module/device is missing (modprobe tun; in a container pass --device /dev/net/tun)";
    else if (err == EACCES || err == EPERM)
      hint = "no access to " TUN_PATH " (run as root; in a container pass --device /dev/net/tun)";
    else if (err == EMFILE || err == ENFILE)
      hint = "too many open files (close unused TUN fds or raise ulimit -n)";
    return throw_errno(env, err, "open", "open " TUN_PATH, hint, -1);
  }

  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  memcpy(ifr.ifr_name, name, len); /* len < IFNAMSIZ, rest already zero */
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    close(fd);
    const char *hint = NULL;
    if (err == EPERM || err == EACCES)
      hint = "needs CAP_NET_ADMIN (run as root; in a container --cap-add NET_ADMIN)";
    else if (err == EBUSY)
      hint = "the device is attached to another process (a TUN without multi_queue takes one; wait for the old "
             "process to exit)";
    else if (err == EINVAL)
      hint = "a device with this name exists and is not a TUN with IFF_TUN|IFF_NO_PI (a TAP, multi_queue, or "
             "another link type); pick another name or delete it (ip link del)";
    char what[64];
    snprintf(what, sizeof what, "TUNSETIFF %s", name);
    return throw_errno(env, err, "ioctl", what, hint, -1);
  }

  napi_value result, jsfd, jsname;
  napi_create_object(env, &result);
  napi_create_int32(env, fd, &jsfd);
  ifr.ifr_name[IFNAMSIZ - 1] = '\0';
  napi_create_string_utf8(env, ifr.ifr_name, NAPI_AUTO_LENGTH, &jsname);
  napi_set_named_property(env, result, "fd", jsfd);
  napi_set_named_property(env, result, "name", jsname);
  return result;
}

/* close(fd): close the TUN fd; a non-persistent device disappears with its last fd. */
static napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) return throw_type(env, "fd must be a number");
  if (!get_fd(env, argv[0], &fd)) return NULL;
  /* Linux releases the fd even when close() reports an error, so never retry. */
  if (close(fd) < 0 && errno != EINTR) {
    int err = errno;
    char what[48];
    snprintf(what, sizeof what, "close fd %d", fd);
    return throw_errno(env, err, "close", what, err == EBADF ? "the fd is not open (closed twice?)" : NULL, -1);
  }
  return NULL;
}

/* ---- readBatch ------------------------------------------------------------ */

/*
 * Whether a packet read into a buffer of `space` bytes was cut. The kernel
 * copies what fits and returns min(packet, space) (older kernels: the full
 * packet length), so a full buffer is checked against the IP header's own
 * length: IPv4 total length (RFC 791), IPv6 payload length + 40 (RFC 8200).
 */
static int truncated(const uint8_t *p, size_t r, size_t space) {
  if (r > space) return 1;
  if (r >= 4 && (p[0] >> 4) == 4) return (((size_t)p[2] << 8) | p[3]) > r;
  if (r >= 6 && (p[0] >> 4) == 6) return (((size_t)p[4] << 8) | p[5]) + 40 > r;
  return 1;
}

/*
 * readBatch(fd, bufs, offset, lens, timeoutMs[, counters]) -> count.
 * 1. Read packets while the fd has them (non-blocking), each into
 *    bufs[i] at offset, its length into lens[i].
 * 2. Nothing read and timeoutMs > 0: poll() once for up to timeoutMs, then
 *    read again as in step 1.
 * 3. Return the count; 0 on timeout or EINTR. An error after some packets
 *    were read is left for the next call to report.
 * bufs[i] is checked when packet i is about to be read, so a bad entry is
 * reported (TypeError/RangeError) only once that many packets arrive.
 */
/* Where packet i goes: its memory and room. Returns 0 after throwing. */
typedef int (*slot_fn)(napi_env env, void *ctx, uint32_t i, uint8_t **data, size_t *space);

/*
 * The loop behind readBatch and readSlots:
 * 1. Read packets while the fd has them (non-blocking), packet i into the
 *    slot `slot` gives, its length into lens[i].
 * 2. Nothing read and timeout > 0: poll() once for up to timeout ms, then
 *    read again as in step 1.
 * 3. Return the count; 0 on timeout or EINTR. An error after some packets
 *    were read is left for the next call to report.
 * Slots are resolved as packets arrive: an idle poll costs no per-slot work.
 */
static napi_value read_packets(napi_env env, int32_t fd, uint32_t n, uint32_t *lens, int32_t timeout, uint32_t *counters,
                               slot_fn slot, void *ctx) {
  uint8_t *data = NULL;
  size_t space = 0;
  uint32_t fetched = UINT32_MAX; /* index whose slot `data` holds */
  uint32_t count = 0;
  int waited = 0;
  for (;;) {
    /* Step 1: drain what is ready. */
    while (count < n) {
      if (fetched != count) {
        if (!slot(env, ctx, count, &data, &space)) return NULL;
        fetched = count;
      }
      ssize_t r = read(fd, data, space);
      if (r >= 0) {
        if ((size_t)r >= space && truncated(data, (size_t)r, space)) {
          if (counters != NULL) counters[0]++;
          continue;
        }
        lens[count++] = (uint32_t)r;
        continue;
      }
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) break;
      if (count > 0) break;
      char what[48];
      snprintf(what, sizeof what, "read TUN fd %d", fd);
      return throw_errno(env, err, "read", what, io_hint(err), -1);
    }
    if (count > 0 || waited || timeout == 0) break;

    /* Step 2: wait once. */
    struct pollfd pfd = {.fd = fd, .events = POLLIN, .revents = 0};
    int pr = poll(&pfd, 1, timeout);
    if (pr < 0) {
      int err = errno;
      if (err == EINTR) break;
      char what[48];
      snprintf(what, sizeof what, "poll TUN fd %d", fd);
      return throw_errno(env, err, "poll", what, NULL, -1);
    }
    if (pr == 0) break;
    if (pfd.revents & POLLNVAL) {
      char what[48];
      snprintf(what, sizeof what, "poll TUN fd %d", fd);
      return throw_errno(env, EBADF, "poll", what, io_hint(EBADF), -1);
    }
    /* POLLIN, or POLLERR/POLLHUP: the next read returns the packet or the error. */
    waited = 1;
  }

  napi_value result;
  napi_create_uint32(env, count, &result);
  return result;
}

/* readBatch's slots: bufs[i] after `offset`, checked when packet i is about to be read. */
typedef struct {
  napi_value bufs;
  int32_t offset;
} bufs_slots;

static int bufs_slot(napi_env env, void *ctx, uint32_t i, uint8_t **data, size_t *space) {
  bufs_slots *b = (bufs_slots *)ctx;
  napi_value el;
  size_t len;
  napi_get_element(env, b->bufs, i, &el);
  if (!get_u8(env, el, "bufs", (int)i, data, &len)) return 0;
  if (len <= (size_t)b->offset) {
    char msg[128];
    snprintf(msg, sizeof msg, "bufs[%u] has %zu bytes, no room after offset %d", i, len, b->offset);
    throw_range(env, msg);
    return 0;
  }
  *data += b->offset;
  *space = len - (size_t)b->offset;
  return 1;
}

/*
 * readBatch(fd, bufs, offset, lens, timeoutMs[, counters]) -> count: packet i
 * into bufs[i] at offset (see read_packets). bufs[i] is checked when packet i
 * is about to be read, so a bad entry is reported (TypeError/RangeError) only
 * once that many packets arrive.
 */
static napi_value ReadBatch(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) return throw_type(env, "readBatch(fd, bufs, offset, lens, timeoutMs[, counters]) takes 5 or 6 arguments");

  int32_t fd, offset, timeout;
  uint32_t n;
  uint32_t *lens, *counters;
  size_t lens_len;
  if (!get_fd(env, argv[0], &fd) || !get_batch(env, argv[1], &n) || !get_int(env, argv[2], "offset", &offset) ||
      !get_int(env, argv[4], "timeoutMs", &timeout))
    return NULL;
  if (offset < 0) return throw_range(env, "offset must be >= 0");
  if (timeout < 0) return throw_range(env, "timeoutMs must be >= 0 (there is no wait-forever: poll in a loop)");
  if (!get_u32(env, argv[3], "lens", n, &lens, &lens_len) || !get_counters(env, argc, argv, 5, &counters)) return NULL;
  bufs_slots ctx = {.bufs = argv[1], .offset = offset};
  return read_packets(env, fd, n, lens, timeout, counters, bufs_slot, &ctx);
}

/* readSlots' slots: fixed strides of one buffer, checked up front. */
typedef struct {
  uint8_t *memory;
  size_t slot_size, offset, space;
} memory_slots;

static int memory_slot(napi_env env, void *ctx, uint32_t i, uint8_t **data, size_t *space) {
  (void)env;
  memory_slots *m = (memory_slots *)ctx;
  *data = m->memory + (size_t)i * m->slot_size + m->offset;
  *space = m->space;
  return 1;
}

/*
 * readSlots(fd, memory, slotSize, offset, space, count, lens, timeoutMs[, counters]) -> n:
 * packet i into memory[i * slotSize + offset, + space), i < count (see read_packets).
 */
static napi_value ReadSlots(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 8)
    return throw_type(env, "readSlots(fd, memory, slotSize, offset, space, count, lens, timeoutMs[, counters]) takes 8 or 9 arguments");
  int32_t fd, slot_size, offset, space, count, timeout;
  uint8_t *memory;
  size_t mem_len, lens_len;
  uint32_t *lens, *counters;
  if (!get_fd(env, argv[0], &fd) || !get_u8(env, argv[1], "memory", -1, &memory, &mem_len) ||
      !get_int(env, argv[2], "slotSize", &slot_size) || !get_int(env, argv[3], "offset", &offset) ||
      !get_int(env, argv[4], "space", &space) || !get_int(env, argv[5], "count", &count) ||
      !get_int(env, argv[7], "timeoutMs", &timeout))
    return NULL;
  if (count < 1 || count > MAX_BATCH) {
    char msg[96];
    snprintf(msg, sizeof msg, "count is %d; a batch has 1..%d", count, MAX_BATCH);
    return throw_range(env, msg);
  }
  if (offset < 0 || space < 1 || slot_size < 1 || (int64_t)offset + space > slot_size)
    return throw_range(env, "offset >= 0, space >= 1 and offset + space <= slotSize are needed");
  if ((uint64_t)(count - 1) * (uint64_t)slot_size + (uint64_t)offset + (uint64_t)space > mem_len) {
    char msg[160];
    snprintf(msg, sizeof msg, "memory has %zu bytes; %d slots of %d bytes need %llu", mem_len, count, slot_size,
             (unsigned long long)(count - 1) * (unsigned long long)slot_size + (unsigned long long)offset + (unsigned long long)space);
    return throw_range(env, msg);
  }
  if (timeout < 0) return throw_range(env, "timeoutMs must be >= 0 (there is no wait-forever: poll in a loop)");
  if (!get_u32(env, argv[6], "lens", (size_t)count, &lens, &lens_len) || !get_counters(env, argc, argv, 8, &counters)) return NULL;
  memory_slots ctx = {.memory = memory, .slot_size = (size_t)slot_size, .offset = (size_t)offset, .space = (size_t)space};
  return read_packets(env, fd, (uint32_t)count, lens, timeout, counters, memory_slot, &ctx);
}

/* ---- writeBatch ----------------------------------------------------------- */

/*
 * The loop behind writeBatch and writeSlots: writes data[i][0 .. lens[i]) for
 * i < count, one packet per write(). A packet the kernel refuses with EINVAL
 * (first nibble not 4 or 6) is dropped and counted in counters[1]. On EAGAIN
 * waits up to WRITE_WAIT_MS once, then returns early: packets [consumed,
 * count) were not sent. Other errors throw with .index = the failing packet
 * (the packets before it were sent).
 */
static napi_value write_packets(napi_env env, int32_t fd, uint8_t **data, const uint32_t *lens, int32_t count,
                                uint32_t *counters) {
  int32_t done = 0;
  int waited = 0;
  while (done < count) {
    ssize_t r = write(fd, data[done], lens[done]);
    if (r >= 0) {
      done++;
      continue;
    }
    int err = errno;
    if (err == EINTR) continue;
    if (err == EINVAL) {
      if (counters != NULL) counters[1]++;
      done++;
      continue;
    }
    if ((err == EAGAIN || err == EWOULDBLOCK) && !waited) {
      struct pollfd pfd = {.fd = fd, .events = POLLOUT, .revents = 0};
      waited = 1;
      if (poll(&pfd, 1, WRITE_WAIT_MS) > 0 && !(pfd.revents & POLLNVAL)) continue;
      break;
    }
    if (err == EAGAIN || err == EWOULDBLOCK) break;
    char what[64];
    snprintf(what, sizeof what, "write TUN fd %d (packet %d)", fd, done);
    return throw_errno(env, err, "write", what, io_hint(err), done);
  }

  napi_value result;
  napi_create_int32(env, done, &result);
  return result;
}

/* writeBatch(fd, bufs, offsets, lens, count[, counters]) -> consumed: bufs[i][offsets[i] .. + lens[i]). */
static napi_value WriteBatch(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) return throw_type(env, "writeBatch(fd, bufs, offsets, lens, count[, counters]) takes 5 or 6 arguments");

  int32_t fd, count;
  uint32_t n;
  uint32_t *offsets, *lens, *counters;
  size_t arr_len;
  if (!get_fd(env, argv[0], &fd) || !get_batch(env, argv[1], &n) || !get_int(env, argv[4], "count", &count))
    return NULL;
  if (count < 0 || (uint32_t)count > n) {
    char msg[96];
    snprintf(msg, sizeof msg, "count must be 0..%u (bufs.length), got %d", n, count);
    return throw_range(env, msg);
  }
  if (!get_u32(env, argv[2], "offsets", (size_t)count, &offsets, &arr_len) ||
      !get_u32(env, argv[3], "lens", (size_t)count, &lens, &arr_len) || !get_counters(env, argc, argv, 5, &counters))
    return NULL;

  uint8_t *data[MAX_BATCH];
  for (int32_t i = 0; i < count; i++) {
    napi_value el;
    size_t len;
    napi_get_element(env, argv[1], (uint32_t)i, &el);
    if (!get_u8(env, el, "bufs", i, &data[i], &len)) return NULL;
    if ((uint64_t)offsets[i] + lens[i] > len) {
      char msg[160];
      snprintf(msg, sizeof msg, "bufs[%d] has %zu bytes; offsets[%d] + lens[%d] = %llu is past its end", i, len, i, i,
               (unsigned long long)offsets[i] + lens[i]);
      return throw_range(env, msg);
    }
    data[i] += offsets[i];
  }
  return write_packets(env, fd, data, lens, count, counters);
}

/* writeSlots(fd, memory, starts, lens, count[, counters]) -> consumed: memory[starts[i] .. + lens[i]). */
static napi_value WriteSlots(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) return throw_type(env, "writeSlots(fd, memory, starts, lens, count[, counters]) takes 5 or 6 arguments");
  int32_t fd, count;
  uint8_t *memory;
  size_t mem_len, arr_len;
  uint32_t *starts, *lens, *counters;
  if (!get_fd(env, argv[0], &fd) || !get_u8(env, argv[1], "memory", -1, &memory, &mem_len) ||
      !get_int(env, argv[4], "count", &count))
    return NULL;
  if (count < 0 || count > MAX_BATCH) {
    char msg[96];
    snprintf(msg, sizeof msg, "count must be 0..%d, got %d", MAX_BATCH, count);
    return throw_range(env, msg);
  }
  if (!get_u32(env, argv[2], "starts", (size_t)count, &starts, &arr_len) ||
      !get_u32(env, argv[3], "lens", (size_t)count, &lens, &arr_len) || !get_counters(env, argc, argv, 5, &counters))
    return NULL;
  uint8_t *data[MAX_BATCH];
  for (int32_t i = 0; i < count; i++) {
    if ((uint64_t)starts[i] + lens[i] > mem_len) {
      char msg[160];
      snprintf(msg, sizeof msg, "memory has %zu bytes; starts[%d] + lens[%d] = %llu is past its end", mem_len, i, i,
               (unsigned long long)starts[i] + lens[i]);
      return throw_range(env, msg);
    }
    data[i] = memory + starts[i];
  }
  return write_packets(env, fd, data, lens, count, counters);
}

/* ---- module --------------------------------------------------------------- */

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"open", NULL, Open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readBatch", NULL, ReadBatch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"writeBatch", NULL, WriteBatch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readSlots", NULL, ReadSlots, NULL, NULL, NULL, napi_enumerable, NULL},
      {"writeSlots", NULL, WriteSlots, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, Close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_value max;
  napi_create_int32(env, MAX_BATCH, &max);
  napi_set_named_property(env, exports, "maxBatch", max);
  return exports;
}
