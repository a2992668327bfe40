/*
 * One rank of the BSP patterns program, inside the live guest. Each superstep it computes
 * (OPS iterations of an arithmetic loop), then sends its messages phase by phase, a phase's
 * messages once it holds the messages addressed to it in earlier phases (the simulator's
 * rule, sim/workload/bsp.ts), and the superstep ends once every message addressed to it has
 * arrived. After each superstep it prints "virtuoso-guest: step K" on the console.
 *
 * The host computes each rank's plan from the simulator's own pattern definitions and passes
 * it on the kernel command line, so this program knows no pattern by name:
 *   bsp RANK PORT BYTES OPS STEPS PEERS PLAN [STAMP]
 *   PEERS: the ranks' IPv4 addresses, comma separated, in rank order
 *   PLAN:  one entry per pattern of the sequence, comma separated: COUNT@TOTAL@PHASES, where
 *          COUNT supersteps use it, TOTAL messages arrive for this rank per superstep, and
 *          PHASES (";" separated) are NEED:DST.DST...: send to each DST once NEED have arrived.
 * Why a C program and not busybox nc: a rank must keep several connections open at once,
 * send without blocking its receives (or all-to-all deadlocks), and count whole messages per
 * superstep; nc does one stream per process. Static, so the initrd needs no libc.
 * Messages: a 4-byte superstep, a 4-byte length, then the payload, over one TCP connection
 * per ordered pair. Sends never block the receive side (poll), so all-to-all cannot deadlock.
 *
 * With STAMP 1 (Wren watching), a message's header also carries when its sender queued it
 * (8 bytes, microseconds of the sender's CLOCK_REALTIME), and the receiver prints
 *   virtuoso-guest: xfer SRC BYTES START END NOW
 * per whole message: END is the kernel's receive timestamp of the message's last segment
 * (SO_TIMESTAMPNS), so a message that came in while this rank computed is not dated by when
 * the rank got round to reading it; NOW is the clock read just before the line is printed,
 * which lets the host relate this guest's clock to its own (the guests' clocks are not the
 * host's, nor each other's).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXR 64
#define MAXSEQ 16
#define MAXPH 16

struct phase { int need, ndst, dst[MAXR]; };
struct entry { long count; int total, nph; struct phase ph[MAXPH]; };

static int rank, nranks, port, nseq, stamp, head = 8;
static long bytes, steps;
static double ops;
static char *peer[MAXR];
static struct entry seq[MAXSEQ];
static int out[MAXR] = {[0 ... MAXR - 1] = -1};
static char *obuf[MAXR];
static size_t olen[MAXR], ooff[MAXR];
static int in[MAXR * 2], nin;
static unsigned char ibuf[MAXR * 2][16];
static size_t ihave[MAXR * 2];
static uint32_t istep[MAXR * 2], ileft[MAXR * 2], ilen[MAXR * 2];
/* With STAMP: each connection's sending rank, its message's send time, the last segment's arrival. */
static int isrc[MAXR * 2];
static int64_t isent[MAXR * 2], iarrived[MAXR * 2];
/* Messages that arrived, by superstep (a ring buffer: a peer is at most a few steps ahead). */
#define WIN 64
static long arrived[WIN];
static long arrivedStep[WIN];

static void die(const char *what) {
  printf("virtuoso-guest: bsp error: %s: %s\n", what, strerror(errno));
  fflush(stdout);
  exit(1);
}

static void parse(char *plan) {
  for (char *e = strtok_r(plan, ",", &plan); e; e = strtok_r(NULL, ",", &plan)) {
    struct entry *x = &seq[nseq++];
    char *rest;
    x->count = strtol(e, &rest, 10);
    x->total = (int)strtol(rest + 1, &rest, 10);
    char *phases = rest + 1, *sp;
    for (char *p = strtok_r(phases, ";", &sp); p; p = strtok_r(NULL, ";", &sp)) {
      struct phase *ph = &x->ph[x->nph++];
      char *d;
      ph->need = (int)strtol(p, &d, 10);
      d++;
      while (*d) {
        ph->dst[ph->ndst++] = (int)strtol(d, &d, 10);
        if (*d == '.') d++;
      }
    }
  }
}

static struct entry *at(long k) {
  long per = 0;
  for (int i = 0; i < nseq; i++) per += seq[i].count;
  long r = k % per;
  for (int i = 0; i < nseq; i++) {
    if (r < seq[i].count) return &seq[i];
    r -= seq[i].count;
  }
  return &seq[0];
}

static long *count(uint32_t k) {
  int slot = k % WIN;
  if (arrivedStep[slot] != (long)k) arrivedStep[slot] = k, arrived[slot] = 0;
  return &arrived[slot];
}

static void accept_all(int lfd) {
  for (;;) {
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    int c = accept(lfd, (struct sockaddr *)&from, &fl);
    if (c < 0) return;
    fcntl(c, F_SETFL, O_NONBLOCK);
    ihave[nin] = 0;
    ileft[nin] = 0;
    isrc[nin] = -1;
    if (stamp) setsockopt(c, SOL_SOCKET, SO_TIMESTAMPNS, &(int){1}, sizeof(int));
    char a[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &from.sin_addr, a, sizeof a);
    for (int r = 0; r < nranks; r++) if (!strcmp(a, peer[r])) isrc[nin] = r;
    in[nin++] = c;
  }
}

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* read(), noting with STAMP the kernel's receive time of the last segment read. */
static ssize_t take(int i, void *buf, size_t len) {
  if (!stamp) return read(in[i], buf, len);
  union { struct cmsghdr align; char b[CMSG_SPACE(sizeof(struct timespec)) * 2]; } ctl;
  struct iovec v = {buf, len};
  struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof ctl.b};
  ssize_t n = recvmsg(in[i], &m, 0);
  if (n <= 0) return n;
  iarrived[i] = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      iarrived[i] = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    }
  if (!iarrived[i]) iarrived[i] = now_us();
  return n;
}

/* A whole message from connection i: counted for its superstep, and with STAMP reported. */
static void whole(int i) {
  (*count(istep[i]))++;
  ihave[i] = 0;
  if (stamp && isrc[i] >= 0) printf("virtuoso-guest: xfer %d %u %lld %lld %lld\n", isrc[i], (unsigned)(head + ilen[i]), (long long)isent[i], (long long)iarrived[i], (long long)now_us());
}

/* Reads what is there: headers, then payload bytes, counting whole messages. */
static void receive(int i) {
  static char sink[65536];
  for (;;) {
    ssize_t n;
    if (ihave[i] < (size_t)head) {
      n = take(i, ibuf[i] + ihave[i], head - ihave[i]);
      if (n <= 0) break;
      ihave[i] += n;
      if (ihave[i] == (size_t)head) {
        istep[i] = ntohl(*(uint32_t *)ibuf[i]);
        ileft[i] = ilen[i] = ntohl(*(uint32_t *)(ibuf[i] + 4));
        if (stamp) isent[i] = (int64_t)ntohl(*(uint32_t *)(ibuf[i] + 8)) << 32 | ntohl(*(uint32_t *)(ibuf[i] + 12));
        if (!ileft[i]) whole(i);
      }
      continue;
    }
    n = take(i, sink, ileft[i] < sizeof sink ? ileft[i] : sizeof sink);
    if (n <= 0) break;
    ileft[i] -= n;
    if (!ileft[i]) whole(i);
  }
  if (stamp) fflush(stdout);
}

static void queue(int d, uint32_t k) {
  size_t need = olen[d] - ooff[d] + head + bytes;
  char *b = malloc(need);
  memcpy(b, obuf[d] + ooff[d], olen[d] - ooff[d]);
  size_t at = olen[d] - ooff[d];
  int64_t t = now_us();
  uint32_t h[4] = {htonl(k), htonl((uint32_t)bytes), htonl((uint32_t)((uint64_t)t >> 32)), htonl((uint32_t)t)};
  memcpy(b + at, h, head);
  memset(b + at + head, 7, bytes);
  free(obuf[d]);
  obuf[d] = b, olen[d] = need, ooff[d] = 0;
}

/* One round of poll: accept, read, and write what the peers will take. */
static void pump(int lfd, int timeout) {
  struct pollfd p[1 + MAXR * 3];
  int np = 0;
  p[np++] = (struct pollfd){lfd, POLLIN, 0};
  for (int i = 0; i < nin; i++) p[np++] = (struct pollfd){in[i], POLLIN, 0};
  for (int d = 0; d < nranks; d++) if (out[d] >= 0 && ooff[d] < olen[d]) p[np++] = (struct pollfd){out[d], POLLOUT, 0};
  if (poll(p, np, timeout) < 0 && errno != EINTR) die("poll");
  accept_all(lfd);
  for (int i = 0; i < nin; i++) receive(i);
  for (int d = 0; d < nranks; d++) {
    while (out[d] >= 0 && ooff[d] < olen[d]) {
      ssize_t n = write(out[d], obuf[d] + ooff[d], olen[d] - ooff[d]);
      if (n <= 0) break;
      ooff[d] += n;
    }
  }
}

static void connect_to(int d) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, peer[d], &a.sin_addr);
  for (;;) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) {
      int one = 1;
      setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      fcntl(s, F_SETFL, O_NONBLOCK);
      out[d] = s;
      return;
    }
    close(s);
    usleep(50000);
  }
}

int main(int argc, char **argv) {
  if (argc != 8 && argc != 9) {
    fprintf(stderr, "usage: bsp RANK PORT BYTES OPS STEPS PEERS PLAN [STAMP]\n");
    return 2;
  }
  stamp = argc == 9 && atoi(argv[8]) == 1;
  head = stamp ? 16 : 8;
  rank = atoi(argv[1]), port = atoi(argv[2]), bytes = atol(argv[3]), ops = atof(argv[4]), steps = atol(argv[5]);
  for (char *sp, *p = strtok_r(argv[6], ",", &sp); p && nranks < MAXR; p = strtok_r(NULL, ",", &sp)) peer[nranks++] = p;
  parse(argv[7]);
  for (int i = 0; i < WIN; i++) arrivedStep[i] = -1;
  int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  /* Accepted connections inherit it: their segments are timestamped from the first. */
  if (stamp) setsockopt(lfd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, peer[rank], &a.sin_addr);
  if (bind(lfd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
  if (listen(lfd, MAXR) < 0) die("listen");
  fcntl(lfd, F_SETFL, O_NONBLOCK);
  /* Connect to every rank this one ever sends to, before the first superstep. */
  for (int i = 0; i < nseq; i++)
    for (int p = 0; p < seq[i].nph; p++)
      for (int j = 0; j < seq[i].ph[p].ndst; j++)
        if (out[seq[i].ph[p].dst[j]] < 0) connect_to(seq[i].ph[p].dst[j]);
  printf("virtuoso-guest: bsp rank %d of %d connected\n", rank, nranks);
  fflush(stdout);
  /* The host starts every rank at once, with a "go" line on the console, when all are connected. */
  char line[64];
  while (fgets(line, sizeof line, stdin) && strncmp(line, "go", 2) != 0) continue;
  printf("virtuoso-guest: bsp go\n");
  fflush(stdout);
  /* Integer arithmetic: TCG emulates floating point slowly, and one op should be one step. */
  volatile uint32_t x = 1;
  long nops = (long)ops;
  for (long k = 0; k < steps; k++) {
    for (long i = 0; i < nops; i++) x = x * 1103515245u + 12345u;
    struct entry *e = at(k);
    for (int p = 0; p < e->nph; p++) {
      while (*count(k) < e->ph[p].need) pump(lfd, 100);
      for (int j = 0; j < e->ph[p].ndst; j++) queue(e->ph[p].dst[j], (uint32_t)k);
      pump(lfd, 0);
    }
    while (*count(k) < e->total) pump(lfd, 100);
    printf("virtuoso-guest: step %ld\n", k + 1);
    fflush(stdout);
  }
  printf("virtuoso-guest: bsp done\n");
  fflush(stdout);
  /* Keep the connections open while the slower ranks finish. */
  for (;;) pump(lfd, 1000);
}
