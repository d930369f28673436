// What the machine allows the file path, with no browser: the file path's shape in C.
//
// WebCrypto makes every AES-GCM result a new buffer, so each 512 KiB frame sealed is memory
// touched for the first time. This program reads a file in 512 KiB frames into one reused buffer,
// "seals" each frame into fresh memory (a memcpy stands in for AES-GCM, which OpenSSL runs at GB/s
// on these cores: it can only make the whole slower, never faster), writes it to an output file
// and frees it — and measures each part alone and the whole, in the same run, as
// `npm run bench -- --only files` does in the browser (docs/ARCHITECTURE.md, "File outputs").
//
//   cc -O2 -pthread -o fresh-memory bench/machine/fresh-memory.c
//   head -c 1G /dev/urandom > in.bin && ./fresh-memory in.bin out.bin 1024 3
//   ./fresh-memory --touch 1024      (first touch of fresh memory: 1 thread, then 2 at once)
//
// Steps (input already in the page cache; out.bin removed and made anew for each):
//   raw   fresh result per frame from one in-memory frame, nothing read or written (1 thread)
//   copy  read and write, no fresh results (1 thread)
//   whole read, seal into fresh memory, write, free: in one thread, and in three two-thread
//         arrangements
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define FRAME (512 * 1024)
#define SLOTS 8

static size_t frames;
static const char *in_path, *out_path;
static int out_fd;
static char frame[FRAME]; // the one reused buffer frames are read into

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

static void fail(const char *what) {
  perror(what);
  exit(1);
}

static char *fresh_frame(void) {
  char *p = mmap(NULL, FRAME, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) fail("mmap");
  return p;
}

static int open_in(void) {
  int fd = open(in_path, O_RDONLY);
  if (fd < 0) fail("open input");
  return fd;
}

// A new output file of the input's size (as the core reserves an OPFS file's size).
static int open_out(void) {
  unlink(out_path);
  int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) fail("open output");
  if (ftruncate(fd, (off_t)frames * FRAME)) fail("ftruncate");
  return fd;
}

static void read_frame(int fd, char *p, size_t i) {
  if (pread(fd, p, FRAME, (off_t)i * FRAME) != FRAME) fail("pread");
}

static void write_frame(int fd, const char *p, size_t i) {
  if (pwrite(fd, p, FRAME, (off_t)i * FRAME) != FRAME) fail("pwrite");
}

// One-way queue of frame pointers between two threads; `tail` counts frames taken and done.
static char *slot[SLOTS];
static size_t head, tail;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void wait_for_room_locked(void) {
  while (head - tail == SLOTS) pthread_cond_wait(&cv, &mu);
}

static void put(char *p) {
  pthread_mutex_lock(&mu);
  wait_for_room_locked();
  slot[head % SLOTS] = p;
  head++;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

static char *peek(void) {
  pthread_mutex_lock(&mu);
  while (tail == head) pthread_cond_wait(&cv, &mu);
  char *p = slot[tail % SLOTS];
  pthread_mutex_unlock(&mu);
  return p;
}

static void done_with_one(void) {
  pthread_mutex_lock(&mu);
  tail++;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

// Waits until the queue has room for one more and returns how many frames were taken so far.
static size_t wait_for_room(void) {
  pthread_mutex_lock(&mu);
  wait_for_room_locked();
  size_t taken = tail;
  pthread_mutex_unlock(&mu);
  return taken;
}

// The stand-in for AES-GCM: a frame sealed into fresh memory.
static char *seal(const char *plaintext) {
  char *sealed = fresh_frame();
  memcpy(sealed, plaintext, FRAME);
  return sealed;
}

// Fresh results only: nothing read or written.
static void raw(int in) {
  (void)in;
  memset(frame, 7, FRAME);
  for (size_t i = 0; i < frames; i++) munmap(seal(frame), FRAME);
}

// Times `body` (wall and CPU seconds), with the input open and a new output file, both opened and
// closed untimed.
static double with_files(void (*body)(int in), double *cpu_seconds) {
  int in = open_in();
  out_fd = open_out();
  head = tail = 0;
  double start = now(), cpu_start = cpu();
  body(in);
  double seconds = now() - start;
  *cpu_seconds = cpu() - cpu_start;
  close(in);
  close(out_fd);
  return seconds;
}

static void copy_frames(int in) {
  for (size_t i = 0; i < frames; i++) {
    read_frame(in, frame, i);
    write_frame(out_fd, frame, i);
  }
}

static void one_thread(int in) {
  for (size_t i = 0; i < frames; i++) {
    read_frame(in, frame, i);
    char *sealed = seal(frame);
    write_frame(out_fd, sealed, i);
    munmap(sealed, FRAME);
  }
}

// Two threads: A reads and seals, B writes and frees.
static void *write_and_free(void *unused) {
  (void)unused;
  for (size_t i = 0; i < frames; i++) {
    char *sealed = peek();
    done_with_one();
    write_frame(out_fd, sealed, i);
    munmap(sealed, FRAME);
  }
  return NULL;
}

static void seal_then_write_and_free(int in) {
  pthread_t writer;
  pthread_create(&writer, NULL, write_and_free, NULL);
  for (size_t i = 0; i < frames; i++) {
    read_frame(in, frame, i);
    put(seal(frame));
  }
  pthread_join(writer, NULL);
}

// Two threads: A reads into a pool of reused buffers, B seals, writes and frees.
static char pool[SLOTS][FRAME];

static void *seal_write_and_free(void *unused) {
  (void)unused;
  for (size_t i = 0; i < frames; i++) {
    char *sealed = seal(peek());
    done_with_one();
    write_frame(out_fd, sealed, i);
    munmap(sealed, FRAME);
  }
  return NULL;
}

static void read_then_seal_write_and_free(int in) {
  pthread_t sealer;
  pthread_create(&sealer, NULL, seal_write_and_free, NULL);
  for (size_t i = 0; i < frames; i++) {
    wait_for_room(); // the pool buffer about to be read into has been sealed
    read_frame(in, pool[i % SLOTS], i);
    put(pool[i % SLOTS]);
  }
  pthread_join(sealer, NULL);
}

// Two threads: A reads, seals and frees what B has written; B only writes.
static void *write_only(void *unused) {
  (void)unused;
  for (size_t i = 0; i < frames; i++) {
    write_frame(out_fd, peek(), i);
    done_with_one();
  }
  return NULL;
}

static void seal_and_free_then_write(int in) {
  size_t freed = 0;
  pthread_t writer;
  pthread_create(&writer, NULL, write_only, NULL);
  for (size_t i = 0; i < frames; i++) {
    read_frame(in, frame, i);
    char *sealed = seal(frame);
    size_t written = wait_for_room(); // so `put` overwrites no slot still to be freed
    for (; freed < written; freed++) munmap(slot[freed % SLOTS], FRAME);
    put(sealed);
  }
  pthread_join(writer, NULL);
  for (; freed < frames; freed++) munmap(slot[freed % SLOTS], FRAME);
}

static size_t touch_mib;

static void *touch(void *unused) {
  (void)unused;
  for (size_t i = 0; i < touch_mib * 2; i++) {
    char *p = fresh_frame();
    for (size_t page = 0; page < FRAME; page += 4096) p[page] = 1;
    munmap(p, FRAME);
  }
  return NULL;
}

static void touch_in_threads(int count) {
  pthread_t thread[2];
  double start = now();
  for (int i = 0; i < count; i++) pthread_create(&thread[i], NULL, touch, NULL);
  for (int i = 0; i < count; i++) pthread_join(thread[i], NULL);
  double seconds = now() - start;
  printf("first touch, %d thread(s) at once, %zu MiB each: %5.0f MiB/s together, %.1f µs a page\n",
         count, touch_mib, count * touch_mib / seconds, seconds * 1e6 / (count * touch_mib * 256.0));
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--touch") == 0) {
    touch_mib = strtoul(argv[2], NULL, 10);
    touch_in_threads(1);
    touch_in_threads(2);
    return 0;
  }
  if (argc < 4) {
    fprintf(stderr, "usage: %s IN OUT MIB [ROUNDS] | --touch MIB\n", argv[0]);
    return 2;
  }
  in_path = argv[1];
  out_path = argv[2];
  size_t mib = strtoul(argv[3], NULL, 10);
  int rounds = argc > 4 ? atoi(argv[4]) : 3;
  frames = mib * 2;

  int in = open_in();
  for (size_t i = 0; i < frames; i++) read_frame(in, frame, i); // the input into the cache
  close(in);

  const struct {
    const char *name;
    void (*body)(int in);
  } step[] = {
      {"raw: fresh results only", raw},
      {"copy: read and write", copy_frames},
      {"whole, one thread", one_thread},
      {"whole: A reads, seals; B writes, frees", seal_then_write_and_free},
      {"whole: A reads; B seals, writes, frees", read_then_seal_write_and_free},
      {"whole: A reads, seals, frees; B writes", seal_and_free_then_write},
  };
  enum { STEPS = sizeof step / sizeof step[0] };
  for (int round = 1; round <= rounds; round++) {
    double rate[STEPS];
    for (int k = 0; k < STEPS; k++) {
      double cpu_seconds;
      double seconds = with_files(step[k].body, &cpu_seconds);
      rate[k] = mib / seconds;
      printf("round %d  %-40s %5.0f MiB/s  %5.2f s  %5.2f CPU s\n", round, step[k].name, rate[k],
             seconds, cpu_seconds);
    }
    double ceiling = rate[0] < rate[1] ? rate[0] : rate[1];
    printf("round %d  whole ÷ min(raw, copy):", round);
    for (int k = 2; k < STEPS; k++) printf(" %.2f×", rate[k] / ceiling);
    printf("\n");
    fflush(stdout);
  }
  unlink(out_path);
  return 0;
}
