/*
 * The network-visible outage of a migrating VM, seen from a peer guest: an ICMP echo to each
 * target every 10 ms (the target's kernel replies; nothing runs for it in the target), and
 * once a second per target, on the console:
 *   virtuoso-guest: ping ADDR replies N maxgap US
 * N replies arrived in that second; US is the longest time between two consecutive replies
 * of which the later arrived in that second (a gap is reported whole, in the second it ends),
 * on this guest's monotonic clock. Only these lines: the serial console is slow under TCG.
 * Usage: ping ADDR[,ADDR...]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXT 16
#define INTERVAL_US 10000

static int64_t now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static uint16_t checksum(const void *p, int n) {
  const uint16_t *w = p;
  uint32_t s = 0;
  for (; n > 1; n -= 2) s += *w++;
  if (n) s += *(const uint8_t *)w;
  s = (s >> 16) + (s & 0xffff);
  return (uint16_t)~(s + (s >> 16));
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: ping ADDR[,ADDR...]\n");
    return 2;
  }
  struct sockaddr_in to[MAXT];
  char *name[MAXT];
  int n = 0;
  for (char *sp, *p = strtok_r(argv[1], ",", &sp); p && n < MAXT; p = strtok_r(NULL, ",", &sp)) {
    memset(&to[n], 0, sizeof to[n]);
    to[n].sin_family = AF_INET;
    if (inet_pton(AF_INET, p, &to[n].sin_addr) != 1) return fprintf(stderr, "ping: bad address %s\n", p), 2;
    name[n++] = p;
  }
  int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
  if (fd < 0) return perror("ping: socket"), 1;
  uint16_t id = (uint16_t)getpid();
  int64_t last[MAXT], maxgap[MAXT];
  long replies[MAXT];
  for (int i = 0; i < n; i++) last[i] = -1, maxgap[i] = 0, replies[i] = 0;
  uint16_t seq = 0;
  int64_t next = now_us(), report = next + 1000000;
  for (;;) {
    int64_t t = now_us();
    if (t >= next) {
      for (int i = 0; i < n; i++) {
        struct icmphdr h = {.type = ICMP_ECHO, .un.echo = {.id = htons(id), .sequence = htons(seq)}};
        h.checksum = checksum(&h, sizeof h);
        sendto(fd, &h, sizeof h, MSG_DONTWAIT, (struct sockaddr *)&to[i], sizeof to[i]);
      }
      seq++;
      /* Integer steps from the last send: a late wake-up does not drift the schedule. */
      while (next <= t) next += INTERVAL_US;
    }
    if (t >= report) {
      for (int i = 0; i < n; i++) {
        printf("virtuoso-guest: ping %s replies %ld maxgap %lld\n", name[i], replies[i], (long long)maxgap[i]);
        replies[i] = 0, maxgap[i] = 0;
      }
      fflush(stdout);
      while (report <= t) report += 1000000;
    }
    int wait = (int)((next - now_us()) / 1000);
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (poll(&pfd, 1, wait > 0 ? wait : 0) <= 0) continue;
    unsigned char buf[1500];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t k = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    if (k < (ssize_t)sizeof(struct iphdr)) continue;
    struct iphdr *ip = (struct iphdr *)buf;
    int hl = ip->ihl * 4;
    if (k < hl + (ssize_t)sizeof(struct icmphdr)) continue;
    struct icmphdr *r = (struct icmphdr *)(buf + hl);
    if (r->type != ICMP_ECHOREPLY || ntohs(r->un.echo.id) != id) continue;
    int64_t at = now_us();
    for (int i = 0; i < n; i++) {
      if (to[i].sin_addr.s_addr != from.sin_addr.s_addr) continue;
      if (last[i] >= 0 && at - last[i] > maxgap[i]) maxgap[i] = at - last[i];
      last[i] = at, replies[i]++;
    }
  }
}
