/* The C contender of the side-by-side harness (benches/side_by_side.py): libdimg through dimg.h.
 *
 * Same protocol as bench-worker: one request per line on stdin, {"op":"ping","n":20}, one
 * answer per line, {"ns":[...]} or {"skip":"..."} or {"error":"..."}; with --oneshot pull_large
 * it pulls $BENCH_LARGE once and prints {"ok":{"events":N},"cpu_ns":...}.
 * Built by the harness: cc -O2 bench_worker.c -Ibindings-c/include -Ltarget/release -ldimg -lpthread
 *
 * BENCH_TRANSPORT=tls|ssh connects to BENCH_HOST instead of BENCH_SOCKET through
 * dimg_client_new_with_options (TLS: ca.pem, cert.pem and key.pem from BENCH_TLS_CERTS, verified).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dimg.h"

#define CONCURRENCY 64

static const char *env_or(const char *name, const char *fallback) {
  const char *v = getenv(name);
  return v && *v ? v : fallback;
}

static uint64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static char last_error[512];

/* Records the failure of `what` for the answer line; JSON-escapes crudely (quotes, backslashes). */
static int failed(const char *what, enum dimg_result rc) {
  char msg[400];
  dimg_last_error_message(msg, sizeof msg);
  for (char *p = msg; *p; p++)
    if (*p == '"' || *p == '\\' || *p == '\n') *p = ' ';
  snprintf(last_error, sizeof last_error, "%s: %s: %s", what, dimg_result_name((int32_t)rc), msg);
  return -1;
}

struct ctx {
  dimg_client *client;
  const char *transport, *host, *certs;
  const char *socket, *inspect, *search, *small, *large;
  dimg_list_options *list_opts, *list_all_opts;
};

/* A new client over the transport: the socket path, or BENCH_HOST with the TLS files. */
static enum dimg_result new_client(const struct ctx *c, dimg_client **out) {
  if (!strcmp(c->transport, "unix")) return dimg_client_new(c->socket, 0, out);
  dimg_client_options *options = dimg_client_options_new();
  enum dimg_result rc = dimg_client_options_set_host(options, c->host);
  if (rc == DIMG_RESULT_OK && !strcmp(c->transport, "tls")) {
    char ca[1024], cert[1024], key[1024];
    snprintf(ca, sizeof ca, "%s/ca.pem", c->certs);
    snprintf(cert, sizeof cert, "%s/cert.pem", c->certs);
    snprintf(key, sizeof key, "%s/key.pem", c->certs);
    rc = dimg_client_options_set_tls_ca_cert(options, ca);
    if (rc == DIMG_RESULT_OK) rc = dimg_client_options_set_tls_client_cert(options, cert, key);
    if (rc == DIMG_RESULT_OK) rc = dimg_client_options_set_tls_verify(options, true);
  }
  if (rc == DIMG_RESULT_OK) rc = dimg_client_new_with_options(options, out);
  dimg_client_options_free(options);
  return rc;
}

static int count_event(void *userdata, const struct dimg_pull_progress *progress) {
  (void)progress;
  (*(uint64_t *)userdata)++;
  return 0;
}

static int do_list(const struct ctx *c, const dimg_list_options *opts) {
  dimg_image_list *list = NULL;
  enum dimg_result rc = dimg_client_list_images(c->client, opts, &list);
  if (rc != DIMG_RESULT_OK) return failed("list", rc);
  dimg_image_list_free(list);
  return 0;
}

static int do_inspect(dimg_client *client, const char *name) {
  dimg_image_inspect *image = NULL;
  enum dimg_result rc = dimg_client_inspect_image(client, name, &image);
  if (rc != DIMG_RESULT_OK) return failed("inspect", rc);
  dimg_image_inspect_free(image);
  return 0;
}

static int do_pull(const struct ctx *c, const char *ref, uint64_t *events) {
  enum dimg_result rc = dimg_client_pull(c->client, ref, NULL, count_event, events, NULL);
  return rc == DIMG_RESULT_OK ? 0 : failed("pull", rc);
}

static void *list_thread(void *arg) {
  const struct ctx *c = arg;
  dimg_image_list *list = NULL;
  if (dimg_client_list_images(c->client, c->list_opts, &list) != DIMG_RESULT_OK) return (void *)1;
  dimg_image_list_free(list);
  return NULL;
}

/* 0 ok, -1 error (in last_error), 1 no such operation. */
static int run(struct ctx *c, const char *op, uint64_t *events) {
  enum dimg_result rc;
  if (!strcmp(op, "ping")) {
    dimg_ping *ping = NULL;
    if ((rc = dimg_client_ping(c->client, &ping)) != DIMG_RESULT_OK) return failed("ping", rc);
    dimg_ping_free(ping);
  } else if (!strcmp(op, "connect")) {
    dimg_client *fresh = NULL;
    if ((rc = new_client(c, &fresh)) != DIMG_RESULT_OK) return failed("new", rc);
    int r = do_inspect(fresh, c->inspect);
    dimg_client_free(fresh);
    return r;
  } else if (!strcmp(op, "list")) {
    return do_list(c, c->list_opts);
  } else if (!strcmp(op, "list_all")) {
    return do_list(c, c->list_all_opts);
  } else if (!strcmp(op, "search")) {
    dimg_search_results *results = NULL;
    if ((rc = dimg_client_search(c->client, c->search, NULL, &results)) != DIMG_RESULT_OK)
      return failed("search", rc);
    dimg_search_results_free(results);
  } else if (!strcmp(op, "inspect")) {
    return do_inspect(c->client, c->inspect);
  } else if (!strcmp(op, "pull_remove")) {
    uint64_t n = 0;
    if (do_pull(c, c->small, &n)) return -1;
    dimg_removed_items *items = NULL;
    if ((rc = dimg_client_remove_image(c->client, c->small, NULL, &items)) != DIMG_RESULT_OK)
      return failed("remove", rc);
    dimg_removed_items_free(items);
  } else if (!strcmp(op, "list_concurrent")) {
    pthread_t threads[CONCURRENCY];
    int bad = 0;
    for (int i = 0; i < CONCURRENCY; i++) pthread_create(&threads[i], NULL, list_thread, c);
    for (int i = 0; i < CONCURRENCY; i++) {
      void *r = NULL;
      pthread_join(threads[i], &r);
      bad |= r != NULL;
    }
    if (bad) {
      snprintf(last_error, sizeof last_error, "a concurrent list failed");
      return -1;
    }
  } else if (!strcmp(op, "pull_large")) {
    return do_pull(c, c->large, events);
  } else {
    return 1;
  }
  return 0;
}

static void reply_error(const char *key, const char *text) { printf("{\"%s\":\"%s\"}\n", key, text); }

int main(int argc, char **argv) {
  struct ctx c = {
      .transport = env_or("BENCH_TRANSPORT", "unix"),
      .host = env_or("BENCH_HOST", ""),
      .certs = env_or("BENCH_TLS_CERTS", "/tmp/dimg-engine/tls/client"),
      .socket = env_or("BENCH_SOCKET", "/tmp/dimg-engine/docker.sock"),
      .inspect = env_or("BENCH_INSPECT", "bench/base:1.0"),
      .search = env_or("BENCH_SEARCH", "127.0.0.1:25502/tomcat"),
      .small = env_or("BENCH_SMALL", "127.0.0.1:25500/bench/small:1.0"),
      .large = env_or("BENCH_LARGE", "127.0.0.1:25500/bench/large-100mb:1.0"),
  };
  enum dimg_result rc = new_client(&c, &c.client);
  c.list_opts = dimg_list_options_new();
  c.list_all_opts = dimg_list_options_new();
  if (rc == DIMG_RESULT_OK) rc = dimg_list_options_set_all(c.list_all_opts, true);
  if (rc != DIMG_RESULT_OK) {
    failed("setup", rc);
    reply_error("error", last_error);
    return 1;
  }
  if (argc > 2 && !strcmp(argv[1], "--oneshot")) {
    uint64_t events = 0, cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    int r = run(&c, argv[2], &events);
    cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu;
    if (r) reply_error("error", r > 0 ? "no such operation" : last_error);
    else printf("{\"ok\":{\"events\":%llu},\"cpu_ns\":%llu}\n", (unsigned long long)events, (unsigned long long)cpu);
    return r ? 1 : 0;
  }
  dimg_ping *ping = NULL;
  if ((rc = dimg_client_ping(c.client, &ping)) != DIMG_RESULT_OK) {
    failed("ping", rc);
    reply_error("error", last_error);
    return 1;
  }
  dimg_ping_free(ping);
  printf("{\"ready\":\"c\"}\n");
  fflush(stdout);

  char line[1024];
  while (fgets(line, sizeof line, stdin)) {
    char op[64] = "";
    long n = 1;
    const char *p = strstr(line, "\"op\"");
    const char *q = strstr(line, "\"n\"");
    if (p) sscanf(p, "\"op\" : \"%63[^\"]\"", op), sscanf(p, "\"op\":\"%63[^\"]\"", op);
    if (q) sscanf(q, "\"n\" : %ld", &n), sscanf(q, "\"n\":%ld", &n);
    uint64_t *samples = calloc((size_t)(n > 0 ? n : 1), sizeof *samples);
    int r = 0;
    long i;
    for (i = 0; i < n; i++) {
      uint64_t events = 0, t0 = now_ns(CLOCK_MONOTONIC);
      r = run(&c, op, &events);
      if (r) break;
      samples[i] = now_ns(CLOCK_MONOTONIC) - t0;
    }
    if (r > 0) {
      printf("{\"skip\":\"no operation %s\"}\n", op);
    } else if (r < 0) {
      reply_error("error", last_error);
    } else {
      printf("{\"ns\":[");
      for (i = 0; i < n; i++) printf("%s%llu", i ? "," : "", (unsigned long long)samples[i]);
      printf("]}\n");
    }
    fflush(stdout);
    free(samples);
  }
  dimg_list_options_free(c.list_opts);
  dimg_list_options_free(c.list_all_opts);
  dimg_client_free(c.client);
  return 0;
}
