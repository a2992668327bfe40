/*
 * A delay line: the one-way latency of a testbed link where the kernel has no netem. It sits in
 * the middle of the link between two interfaces, reads every frame arriving on one (an
 * AF_PACKET socket, promiscuous, never its own sends) and sends it out of the other once the
 * link's delay has passed since it arrived. One FIFO per direction with the same delay keeps
 * order; a full FIFO drops the new frame (drop-tail) and counts it.
 *
 * Usage: delayline -a IF -b IF -d DELAY_US [-l FRAMES] [-m MARK]
 *        delayline -x IF...
 *   -x IF   turns off checksum and segmentation offloads on IF and exits: run on the link's
 *           shaped ends that feed the delay line (in their namespaces), so whole, checksummed
 *           frames arrive here instead of a veth's unchecksummed 64 KiB super-frames.
 *   -m MARK ignored: names the process in its owner's journal.
 * Prints "ready" on stdout once both sockets are bound; on SIGTERM/SIGINT prints one JSON line
 * of counters on stdout and exits 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* MTU 1600 plus an Ethernet header and a VLAN tag, rounded up. */
#define SLOT 2048

struct fifo {
  unsigned char *buf;
  uint16_t *len;
  int64_t *due;
  uint32_t cap, head, n;
  uint64_t in, out, dropped, failed;
  /* How late frames left after their due time (ns): the delay line's own jitter. */
  int64_t late_max, late_sum;
};

static volatile sig_atomic_t stop;
static void on_stop(int s) { (void)s; stop = 1; }

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "delayline: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void usage(const char *why) {
  fprintf(stderr, "delayline: %s\nusage: delayline -a IF -b IF -d DELAY_US [-l FRAMES] [-m MARK] | delayline -x IF...\n", why);
  exit(2);
}

static long number(const char *s, long lo, long hi, const char *what) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *s == 0 || *end != 0 || v < lo || v > hi) {
    fprintf(stderr, "delayline: %s: %s is not an integer in [%ld, %ld]\n", what, s, lo, hi);
    exit(2);
  }
  return v;
}

static int ifindex(const char *name) {
  if (strlen(name) >= IFNAMSIZ) usage("interface name too long");
  int i = if_nametoindex(name);
  if (!i) die(name);
  return i;
}

/* Checksum and segmentation offloads off: the kernel finishes frames before they leave `name`. */
static void offloads_off(const char *name) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) die("socket");
  uint32_t cmds[] = {ETHTOOL_STXCSUM, ETHTOOL_STSO, ETHTOOL_SGSO};
  for (unsigned i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    struct ethtool_value v = {.cmd = cmds[i], .data = 0};
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strncpy(r.ifr_name, name, IFNAMSIZ - 1);
    r.ifr_data = (void *)&v;
    /* TSO may already be gone with the checksums; only the checksum switch must succeed. */
    if (ioctl(fd, SIOCETHTOOL, &r) < 0 && cmds[i] == ETHTOOL_STXCSUM) die(name);
  }
  close(fd);
}

static int open_side(int ifi) {
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
  if (fd < 0) die("AF_PACKET socket (needs CAP_NET_RAW)");
  int one = 1;
  /* Our own sends on this interface are not frames to forward back (before Linux 4.20 only the
     direction check in take() keeps them out). */
  setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  /* Straight to the device: a veth has no queue to speak of, and the rate is shaped upstream. */
  setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
  int rcv = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv);
  struct sockaddr_ll a = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ifi};
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
  struct packet_mreq m = {.mr_ifindex = ifi, .mr_type = PACKET_MR_PROMISC};
  if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &m, sizeof m) < 0) die("promiscuous");
  return fd;
}

static void fifo_init(struct fifo *q, uint32_t cap) {
  memset(q, 0, sizeof *q);
  q->cap = cap;
  q->buf = malloc((size_t)cap * SLOT);
  q->len = malloc(cap * sizeof *q->len);
  q->due = malloc(cap * sizeof *q->due);
  if (!q->buf || !q->len || !q->due) die("malloc");
}

/* Reads every frame waiting on `fd` into `q`, each due `delay` after it was read. */
static void take(int fd, struct fifo *q, int64_t delay) {
  unsigned char spill[65536];
  for (int k = 0; k < 256; k++) {
    unsigned char *slot = q->n < q->cap ? q->buf + (size_t)((q->head + q->n) % q->cap) * SLOT : spill;
    struct sockaddr_ll from;
    socklen_t fl = sizeof from;
    ssize_t r = recvfrom(fd, slot, q->n < q->cap ? SLOT : sizeof spill, MSG_TRUNC, (struct sockaddr *)&from, &fl);
    if (r < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    int64_t t = now_ns();
    q->in++;
    if (slot == spill || r > SLOT) {
      q->dropped++;
      continue;
    }
    uint32_t i = (q->head + q->n) % q->cap;
    q->len[i] = (uint16_t)r;
    q->due[i] = t + delay;
    q->n++;
  }
}

/* Sends every frame of `q` that is due by `t` out of `fd`. */
static void give(int fd, struct fifo *q, int64_t t) {
  while (q->n && q->due[q->head] <= t) {
    int64_t late = now_ns() - q->due[q->head];
    if (send(fd, q->buf + (size_t)q->head * SLOT, q->len[q->head], 0) < 0) q->failed++;
    else {
      q->out++;
      q->late_sum += late;
      if (late > q->late_max) q->late_max = late;
    }
    q->head = (q->head + 1) % q->cap;
    q->n--;
  }
}

/* A direction's counters as JSON; lateness in microseconds. */
static void report(const struct fifo *q) {
  printf("{\"in\":%llu,\"out\":%llu,\"dropped\":%llu,\"failed\":%llu,\"lateMeanUs\":%.1f,\"lateMaxUs\":%.1f}", (unsigned long long)q->in,
         (unsigned long long)q->out, (unsigned long long)q->dropped, (unsigned long long)q->failed, q->out ? q->late_sum / 1e3 / q->out : 0.0, q->late_max / 1e3);
}

int main(int argc, char **argv) {
  const char *ia = 0, *ib = 0;
  long delay_us = -1, limit = 10000;
  int opt, offloads = 0;
  while ((opt = getopt(argc, argv, "a:b:d:l:x:m:")) != -1) {
    if (opt == 'a') ia = optarg;
    else if (opt == 'b') ib = optarg;
    else if (opt == 'd') delay_us = number(optarg, 0, 60000000, "-d (microseconds)");
    else if (opt == 'l') limit = number(optarg, 1, 1000000, "-l (frames)");
    else if (opt == 'x') offloads_off(optarg), offloads++;
    else if (opt == 'm') continue;
    else usage("unknown option");
  }
  if (optind != argc) usage("unexpected arguments");
  if (offloads && !ia && !ib && delay_us < 0) return 0;
  if (!ia || !ib || delay_us < 0) usage("-a, -b and -d are required");
  int fa = open_side(ifindex(ia)), fb = open_side(ifindex(ib));
  /* Timers fire when asked, not up to 50 us later; and a busy machine does not hold frames back. */
  prctl(PR_SET_TIMERSLACK, 1UL);
  struct sched_param sp = {.sched_priority = 1};
  int rt = sched_setscheduler(0, SCHED_FIFO, &sp) == 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, 0);
  sigaction(SIGINT, &sa, 0);
  signal(SIGPIPE, SIG_IGN);
  struct fifo ab, ba;
  fifo_init(&ab, (uint32_t)limit);
  fifo_init(&ba, (uint32_t)limit);
  int64_t delay = (int64_t)delay_us * 1000;
  printf("ready\n");
  fflush(stdout);
  struct pollfd p[2] = {{.fd = fa, .events = POLLIN}, {.fd = fb, .events = POLLIN}};
  while (!stop) {
    int64_t t = now_ns(), next = -1;
    if (ab.n) next = ab.due[ab.head];
    if (ba.n && (next < 0 || ba.due[ba.head] < next)) next = ba.due[ba.head];
    struct timespec ts, *tp = 0;
    if (next >= 0) {
      int64_t w = next > t ? next - t : 0;
      ts.tv_sec = w / 1000000000;
      ts.tv_nsec = w % 1000000000;
      tp = &ts;
    }
    int r = ppoll(p, 2, tp, 0);
    if (r < 0 && errno != EINTR) die("ppoll");
    if (r > 0) {
      if (p[0].revents & POLLIN) take(fa, &ab, delay);
      if (p[1].revents & POLLIN) take(fb, &ba, delay);
      if ((p[0].revents | p[1].revents) & (POLLERR | POLLNVAL)) errno = EIO, die("interface gone");
    }
    t = now_ns();
    give(fb, &ab, t);
    give(fa, &ba, t);
  }
  printf("{\"realtime\":%s,\"ab\":", rt ? "true" : "false");
  report(&ab);
  printf(",\"ba\":");
  report(&ba);
  printf("}\n");
  return 0;
}
