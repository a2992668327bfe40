/*
 * The guest's memory dirtier: `dirty RATE WS` fills a WS MiB buffer with nonzero data, then
 * writes one word into each 4 KiB page in turn, cycling through the buffer, at RATE MiB/s of
 * pages (RATE may be 0). Prints "virtuoso-guest: dirty N PAGES" once a second, so a host can
 * tell the guest still runs (after a migration, on the destination).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* MemAvailable from /proc/meminfo, KiB, or -1. */
static long available_kib(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  char line[256];
  long kib = -1;
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "MemAvailable: %ld kB", &kib) == 1) break;
  fclose(f);
  return kib;
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: dirty RATE_MIB_PER_S WS_MIB\n"); return 2; }
  double rate = atof(argv[1]);
  size_t pages = (size_t)atol(argv[2]) * 256, words = 512;
  if (pages == 0 || rate < 0) { fprintf(stderr, "dirty: bad arguments\n"); return 2; }
  /* The dirtier runs as the guest's init: an out-of-memory fill would panic the kernel
     ("deadlocked on memory"), so say why instead, leaving 8 MiB for the kernel's own use. */
  long avail = available_kib();
  if (avail >= 0 && (long)(pages * 4) + 8192 > avail) {
    printf("virtuoso-guest: dirty: a %zu MiB working set does not fit: the guest has %ld MiB available\n", pages / 256, avail / 1024);
    fflush(stdout);
    for (;;) pause();
  }
  volatile uint64_t *buf = malloc(pages * 4096);
  if (!buf) { fprintf(stderr, "dirty: out of memory\n"); return 1; }
  /* Nonzero everywhere: QEMU sends zero pages as headers only. */
  for (size_t i = 0; i < pages * words; i++) buf[i] = i + 1;
  printf("virtuoso-guest: dirty 0 0\n");
  fflush(stdout);
  double t0 = now();
  uint64_t written = 0, stamp = 1, beat = 0;
  size_t p = 0;
  struct timespec pause = {0, 1000000};
  for (;;) {
    double el = now() - t0;
    uint64_t want = (uint64_t)(rate * 256 * el);
    while (written < want) {
      buf[p * words] = ++stamp;
      p = p + 1 == pages ? 0 : p + 1;
      written++;
    }
    if (el >= beat + 1) {
      beat++;
      printf("virtuoso-guest: dirty %llu %llu\n", (unsigned long long)beat, (unsigned long long)written);
      fflush(stdout);
    }
    nanosleep(&pause, 0);
  }
}
