/*
 * One rank of the BSP patterns program, inside the live guest. Each superstep it computes
 * (OPS iterations of an arithmetic loop), then sends its messages phase by phase, a phase's
 * messages once it holds the messages addressed to it in earlier phases (the simulator's
 * rule, sim/workload/bsp.ts), and the superstep ends once every message addressed to it has
 * arrived. After each superstep it prints "virtuoso-guest: step K" on the console.
 *
 * The host computes each rank's plan from the simulator's own pattern definitions and passes
 * it on the kernel command line, so this program knows no pattern by name:
 *   bsp RANK PORT BYTES OPS STEPS PEERS PLAN
 *   PEERS: the ranks' IPv4 addresses, comma separated, in rank order
 *   PLAN:  one entry per pattern of the sequence, comma separated: COUNT@TOTAL@PHASES, where
 *          COUNT supersteps use it, TOTAL messages arrive for this rank per superstep, and
 *          PHASES (";" separated) are NEED:DST.DST...: send to each DST once NEED have arrived.
 * Why a C program and not busybox nc: a rank must keep several connections open at once,
 * send without blocking its receives (or all-to-all deadlocks), and count whole messages per
 * superstep; nc does one stream per process. Static, so the initrd needs no libc.
 * Messages: a 4-byte superstep, a 4-byte length, then the payload, over one TCP connection
 * per ordered pair. Sends never block the receive side (poll), so all-to-all cannot deadlock.
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
#include <unistd.h>

#define MAXR 64
#define MAXSEQ 16
#define MAXPH 16

struct phase { int need, ndst, dst[MAXR]; };
struct entry { long count; int total, nph; struct phase ph[MAXPH]; };

static int rank, nranks, port, nseq;
static long bytes, steps;
static double ops;
static char *peer[MAXR];
static struct entry seq[MAXSEQ];
static int out[MAXR] = {[0 ... MAXR - 1] = -1};
static char *obuf[MAXR];
static size_t olen[MAXR], ooff[MAXR];
static int in[MAXR * 2], nin;
static unsigned char ibuf[MAXR * 2][8];
static size_t ihave[MAXR * 2];
static uint32_t istep[MAXR * 2], ileft[MAXR * 2];
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
    int c = accept(lfd, NULL, NULL);
    if (c < 0) return;
    fcntl(c, F_SETFL, O_NONBLOCK);
    ihave[nin] = 0;
    ileft[nin] = 0;
    in[nin++] = c;
  }
}

/* Reads what is there: headers, then payload bytes, counting whole messages. */
static void receive(int i) {
  static char sink[65536];
  for (;;) {
    ssize_t n;
    if (ihave[i] < 8) {
      n = read(in[i], ibuf[i] + ihave[i], 8 - ihave[i]);
      if (n <= 0) break;
      ihave[i] += n;
      if (ihave[i] == 8) {
        istep[i] = ntohl(*(uint32_t *)ibuf[i]);
        ileft[i] = ntohl(*(uint32_t *)(ibuf[i] + 4));
        if (!ileft[i]) (*count(istep[i]))++, ihave[i] = 0;
      }
      continue;
    }
    n = read(in[i], sink, ileft[i] < sizeof sink ? ileft[i] : sizeof sink);
    if (n <= 0) break;
    ileft[i] -= n;
    if (!ileft[i]) (*count(istep[i]))++, ihave[i] = 0;
  }
}

static void queue(int d, uint32_t k) {
  size_t need = olen[d] - ooff[d] + 8 + bytes;
  char *b = malloc(need);
  memcpy(b, obuf[d] + ooff[d], olen[d] - ooff[d]);
  size_t at = olen[d] - ooff[d];
  uint32_t h[2] = {htonl(k), htonl((uint32_t)bytes)};
  memcpy(b + at, h, 8);
  memset(b + at + 8, 7, bytes);
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
  if (argc != 8) {
    fprintf(stderr, "usage: bsp RANK PORT BYTES OPS STEPS PEERS PLAN\n");
    return 2;
  }
  rank = atoi(argv[1]), port = atoi(argv[2]), bytes = atol(argv[3]), ops = atof(argv[4]), steps = atol(argv[5]);
  for (char *sp, *p = strtok_r(argv[6], ",", &sp); p && nranks < MAXR; p = strtok_r(NULL, ",", &sp)) peer[nranks++] = p;
  parse(argv[7]);
  for (int i = 0; i < WIN; i++) arrivedStep[i] = -1;
  int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
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
