// The floor of a hashed put on this machine: the gateway's put work, and nothing else, in C.
// Listens on a free loopback port, prints it, accepts one HTTP PUT with a Content-Length, receives the body into four 1 MiB buffers in turn,
// writes each to a file (with the gateway's write-behind window: sync_file_range + fadvise), MD5s
// it on a second thread (OpenSSL, as .NET's IncrementalHash does), answers with the hex MD5 and
// exits, printing its own CPU time to stderr as "utime_s stime_s".
//   cc -O2 -pthread -o floor-put floor-put.c -lcrypto && ./floor-put OUTPUT_FILE
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF (1 << 20)
#define DEPTH 4
#define WINDOW (8L << 20)

static unsigned char *buffers[DEPTH];
static size_t lengths[DEPTH];
static sem_t filled, freed;
static EVP_MD_CTX *md5;

static void die(const char *what) { perror(what); exit(1); }

static void *hash(void *arg) {
  (void)arg;
  for (int i = 0;; i = (i + 1) % DEPTH) {
    sem_wait(&filled);
    if (lengths[i] == 0) return NULL;
    EVP_DigestUpdate(md5, buffers[i], lengths[i]);
    sem_post(&freed);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: floor-put OUTPUT_FILE\n"); return 2; }
  int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t length = sizeof addr;
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 1) ||
      getsockname(listener, (struct sockaddr *)&addr, &length)) die("listen");
  printf("%d\n", ntohs(addr.sin_port));
  fflush(stdout);
  int conn = accept(listener, NULL, NULL);
  if (conn < 0) die("accept");

  for (int i = 0; i < DEPTH; i++) buffers[i] = aligned_alloc(4096, BUF);
  // The request head; whatever body bytes came with it go first into buffer 0.
  size_t have = 0;
  char *end = NULL;
  while (!end) {
    ssize_t n = recv(conn, buffers[0] + have, BUF - have, 0);
    if (n <= 0) die("recv head");
    have += n;
    end = memmem(buffers[0], have, "\r\n\r\n", 4);
  }
  char *cl = strcasestr((char *)buffers[0], "content-length:");
  if (!cl || cl > end) { fprintf(stderr, "no Content-Length\n"); return 1; }
  long remaining = atol(cl + 15);
  size_t head = end + 4 - (char *)buffers[0];
  memmove(buffers[0], buffers[0] + head, have - head);
  have -= head;

  int out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0) die("open");
  md5 = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md5, EVP_md5(), NULL);
  sem_init(&filled, 0, 0);
  sem_init(&freed, 0, DEPTH);
  pthread_t hasher;
  pthread_create(&hasher, NULL, hash, NULL);

  long written = 0, queued = 0, dropped = 0;
  remaining -= have;
  for (int i = 0, first = 1;; i = (i + 1) % DEPTH, first = 0) {
    sem_wait(&freed);
    if (!first) have = 0;
    while (have < BUF && remaining > 0) {
      ssize_t n = recv(conn, buffers[i] + have, BUF - have < (size_t)remaining ? BUF - have : (size_t)remaining, 0);
      if (n <= 0) die("recv body");
      have += n;
      remaining -= n;
    }
    if (have == 0) { lengths[i] = 0; sem_post(&filled); break; }
    for (size_t off = 0; off < have;) {
      ssize_t n = write(out, buffers[i] + off, have - off);
      if (n <= 0) die("write");
      off += n;
    }
    written += have;
    if (written - queued >= WINDOW) {
      long until = written - written % WINDOW;
      sync_file_range(out, queued, until - queued, SYNC_FILE_RANGE_WRITE);
      if (queued > dropped && sync_file_range(out, dropped, queued - dropped, 7) == 0) {
        posix_fadvise(out, dropped, queued - dropped, POSIX_FADV_DONTNEED);
        dropped = queued;
      }
      queued = until;
    }
    lengths[i] = have;
    sem_post(&filled);
  }
  pthread_join(hasher, NULL);
  unsigned char digest[16];
  unsigned int size;
  EVP_DigestFinal_ex(md5, digest, &size);
  close(out);

  char response[128];
  int n = snprintf(response, sizeof response, "HTTP/1.1 200 OK\r\nContent-Length: 32\r\nConnection: close\r\n\r\n");
  for (int i = 0; i < 16; i++) n += snprintf(response + n, sizeof response - n, "%02x", digest[i]);
  if (send(conn, response, n, 0) != n) die("send");
  close(conn);
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  fprintf(stderr, "%ld.%06ld %ld.%06ld\n", (long)usage.ru_utime.tv_sec, (long)usage.ru_utime.tv_usec,
          (long)usage.ru_stime.tv_sec, (long)usage.ru_stime.tv_usec);
  return 0;
}
