/* Every result code libdimg can produce, each with its last-error message and HTTP status.
 *
 * The real engine produces most of them. A small fake daemon on a Unix socket (a thread of this
 * program) produces what a real one cannot on demand: a daemon that never answers (TIMEOUT),
 * undecodable JSON (PROTOCOL), an error inside a pull stream (PULL_FAILED), the registry's rate
 * limit as the daemon's 429 and inside a pull stream (RATE_LIMITED). DIMG_RESULT_PANIC
 * cannot be produced through the API (it is what a bug would give); the Rust unit tests cover
 * the panic boundary.
 *
 * Owns the names dimgc-errors/... (removed at the end). */
#include "check.h"

#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------- */
/* The fake daemon                                                                           */
/* ---------------------------------------------------------------------------------------- */

typedef enum { SILENT, GARBAGE, PULL_ERROR, PULL_STREAM, PULL_STALL, LIMIT_STATUS, LIMIT_STREAM } fake_mode;

typedef struct {
    fake_mode mode;
    char path[108];
    int listener;
    volatile int stop;
    pthread_t thread;
} fake_daemon;

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void send_all(int fd, const char *text) {
    size_t len = strlen(text);
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n <= 0) return;
        text += n;
        len -= (size_t)n;
    }
}

static void send_response(int fd, const char *content_type, const char *body) {
    char *head = fmt("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     content_type, strlen(body));
    send_all(fd, head);
    send_all(fd, body);
    free(head);
}

/* Docker Hub's answer to a pull over its limit, as dockerd passes it on. */
#define HUB_LIMIT                                                                                        \
    "toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating " \
    "and upgrading: https://www.docker.com/increase-rate-limit"

static const char *PULL_LINES =
    "{\"status\":\"Pulling from fake/x\",\"id\":\"1.0\"}\n"
    "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"b8ac15d4e748\"}\n"
    "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":80,\"total\":161},\"id\":\"b8ac15d4e748\"}\n"
    "{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"b8ac15d4e748\"}\n"
    "{\"status\":\"Digest: sha256:d0ea81f1e24ee32b222c0195e878cab20b29d3af5a0cf388b35774056ec6eb6a\"}\n"
    "{\"status\":\"Status: Downloaded newer image for fake/x:1.0\"}\n";

static void serve(fake_daemon *fake, int fd) {
    char request[4096] = "";
    size_t len = 0;
    while (len < sizeof request - 1 && strstr(request, "\r\n\r\n") == NULL) {
        ssize_t n = read(fd, request + len, sizeof request - 1 - len);
        if (n <= 0) break;
        len += (size_t)n;
        request[len] = '\0';
    }
    request[len] = '\0';
    if (strstr(request, "/_ping") != NULL) {
        send_response(fd, "text/plain", "OK");
    } else if (strstr(request, "/images/create") != NULL && fake->mode == PULL_ERROR) {
        send_response(fd, "application/json",
                      "{\"status\":\"Pulling from fake/x\",\"id\":\"1.0\"}\n"
                      "{\"errorDetail\":{\"message\":\"the registry went away\"},\"error\":\"the registry went away\"}\n");
    } else if (strstr(request, "/images/create") != NULL && fake->mode == LIMIT_STATUS) {
        static const char *body = "{\"message\":\"" HUB_LIMIT "\"}";
        char *head = fmt("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                         strlen(body));
        send_all(fd, head);
        send_all(fd, body);
        free(head);
    } else if (strstr(request, "/images/create") != NULL && fake->mode == LIMIT_STREAM) {
        send_response(fd, "application/json",
                      "{\"status\":\"Pulling from fake/x\",\"id\":\"1.0\"}\n"
                      "{\"errorDetail\":{\"message\":\"" HUB_LIMIT "\"},\"error\":\"" HUB_LIMIT "\"}\n");
    } else if (strstr(request, "/images/create") != NULL && fake->mode == PULL_STREAM) {
        send_response(fd, "application/json", PULL_LINES);
    } else if (strstr(request, "/images/create") != NULL && fake->mode == PULL_STALL) {
        send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                     "{\"status\":\"Pulling from fake/x\",\"id\":\"1.0\"}\n");
        while (!fake->stop) sleep_ms(10);
    } else {
        send_response(fd, "application/json", "{\"Id\": tru");
    }
}

static void *fake_main(void *arg) {
    fake_daemon *fake = (fake_daemon *)arg;
    for (;;) {
        int fd = accept(fake->listener, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) continue;
            return NULL; /* shut down */
        }
        serve(fake, fd);
        close(fd);
    }
}

static fake_daemon *fake_start(fake_mode mode) {
    static int counter = 0;
    fake_daemon *fake = (fake_daemon *)calloc(1, sizeof *fake);
    fake->mode = mode;
    snprintf(fake->path, sizeof fake->path, "/tmp/dimgc-fake-%ld-%d.sock", (long)getpid(), counter++);
    unlink(fake->path);
    fake->listener = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(fake->listener >= 0);
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    snprintf(address.sun_path, sizeof address.sun_path, "%s", fake->path);
    CHECK(bind(fake->listener, (struct sockaddr *)&address, sizeof address) == 0);
    CHECK(listen(fake->listener, 16) == 0);
    if (mode != SILENT) CHECK(pthread_create(&fake->thread, NULL, fake_main, fake) == 0);
    return fake;
}

static void fake_stop(fake_daemon *fake) {
    fake->stop = 1;
    shutdown(fake->listener, SHUT_RDWR); /* wakes accept() */
    if (fake->mode != SILENT) CHECK(pthread_join(fake->thread, NULL) == 0);
    close(fake->listener);
    unlink(fake->path);
    free(fake);
}

static dimg_client *fake_client(const fake_daemon *fake, uint32_t timeout_ms) {
    dimg_client *client = NULL;
    CHECK_OK(dimg_client_new(fake->path, timeout_ms, &client));
    return client;
}

/* ---------------------------------------------------------------------------------------- */

static char message[1024];

static void ok_and_names(void) {
    dimg_client *client = test_client();
    dimg_ping *ping = NULL;
    CHECK_OK(dimg_client_ping(client, &ping));
    CHECK(dimg_last_error_code() == DIMG_RESULT_OK && dimg_last_error_http_status() == 0);
    CHECK(dimg_last_error_message(message, sizeof message) == 0 && message[0] == '\0');
    dimg_ping_free(ping);
    dimg_client_free(client);

    CHECK_STR(dimg_result_name(DIMG_RESULT_OK), "DIMG_RESULT_OK");
    CHECK_STR(dimg_result_name(DIMG_RESULT_INVALID_ARGUMENT), "DIMG_RESULT_INVALID_ARGUMENT");
    CHECK_STR(dimg_result_name(DIMG_RESULT_UNSUPPORTED_OPTION), "DIMG_RESULT_UNSUPPORTED_OPTION");
    CHECK_STR(dimg_result_name(DIMG_RESULT_PANIC), "DIMG_RESULT_PANIC");
    CHECK_STR(dimg_result_name(DIMG_RESULT_UNAUTHORIZED), "DIMG_RESULT_UNAUTHORIZED");
    CHECK_STR(dimg_result_name(DIMG_RESULT_CREDENTIALS), "DIMG_RESULT_CREDENTIALS");
    CHECK_STR(dimg_result_name(DIMG_RESULT_TLS), "DIMG_RESULT_TLS");
    CHECK_STR(dimg_result_name(DIMG_RESULT_SSH), "DIMG_RESULT_SSH");
    CHECK_STR(dimg_result_name(DIMG_RESULT_RATE_LIMITED), "DIMG_RESULT_RATE_LIMITED");
    CHECK_STR(dimg_result_name(18), "DIMG_RESULT_UNKNOWN");
    CHECK_STR(dimg_result_name(-1), "DIMG_RESULT_UNKNOWN");
    /* The numbers are API. */
    CHECK(DIMG_RESULT_OK == 0 && DIMG_RESULT_INVALID_ARGUMENT == 1 && DIMG_RESULT_INVALID_REFERENCE == 2 &&
          DIMG_RESULT_CONNECT == 3 && DIMG_RESULT_TIMEOUT == 4 && DIMG_RESULT_NOT_FOUND == 5 &&
          DIMG_RESULT_CONFLICT == 6 && DIMG_RESULT_API == 7 && DIMG_RESULT_PULL_FAILED == 8 &&
          DIMG_RESULT_PROTOCOL == 9 && DIMG_RESULT_CANCELLED == 10 && DIMG_RESULT_REENTRANT == 11 &&
          DIMG_RESULT_UNSUPPORTED_OPTION == 12 && DIMG_RESULT_UNAUTHORIZED == 13 &&
          DIMG_RESULT_CREDENTIALS == 14 && DIMG_RESULT_TLS == 15 && DIMG_RESULT_SSH == 16 &&
          DIMG_RESULT_RATE_LIMITED == 17 && DIMG_RESULT_PANIC == 99);
    PASS("OK clears the last error; result names; stable numbers");
}

/* Addresses are read by dimg's one rule (the same in Rust and Python), as DOCKER_HOST is. */
static void host_forms(void) {
    static const char *const forms[][2] = {
        {"unix:///run/x.sock", "unix:///run/x.sock"}, {"unix://", "unix:///var/run/docker.sock"},
        {"/run/x.sock", "unix:///run/x.sock"},        {"./x.sock", "unix://./x.sock"},
        {"tcp://127.0.0.1", "tcp://127.0.0.1:2375"},  {"tcp://127.0.0.1:2375/", "tcp://127.0.0.1:2375"},
        {"127.0.0.1:4000", "tcp://127.0.0.1:4000"},   {"ssh://me@build-host:2222", "ssh://me@build-host:2222"},
        {"ssh://build-host/run/docker.sock", "ssh://build-host/run/docker.sock"},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        dimg_client *client = NULL;
        CHECK_OK(dimg_client_new(forms[i][0], 0, &client));
        CHECK_STR(dimg_client_host(client), forms[i][1]);
        dimg_client_free(client);
    }
    dimg_client *tcp = NULL;
    CHECK_OK(dimg_client_new("tcp://127.0.0.1:1", 0, &tcp));
    CHECK_STR(dimg_client_socket_path(tcp), "");
    CHECK(dimg_client_timeout_ms(tcp) == 120000); /* dimg::DEFAULT_TIMEOUT, as in Rust and Python */
    dimg_client_free(tcp);
    CHECK_OK(dimg_client_new("tcp://127.0.0.1:1", 1500, &tcp));
    CHECK(dimg_client_timeout_ms(tcp) == 1500);
    dimg_client_free(tcp);
    CHECK(dimg_client_timeout_ms(NULL) == 0);
    PASS("host forms and the default timeout as in Rust and Python");
}

static void invalid_argument(void) {
    dimg_client *client = NULL;
    CHECK_CODE(dimg_client_new("npipe:////./pipe/docker_engine", 0, &client), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(last_message(message, sizeof message), "npipe://");
    /* Nothing in an ssh:// address may reach ssh as an option. */
    CHECK_CODE(dimg_client_new("ssh://-oProxyCommand=x@host", 0, &client), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK(client == NULL);
    CHECK_CODE(dimg_client_new("tcp://127.0.0.1:99999", 0, &client), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_CODE(dimg_client_new("", 0, &client), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK(client == NULL);
    CHECK_CODE(dimg_client_new("/tmp/\xc3\x28.sock", 0, &client), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_STR(last_message(message, sizeof message), "socket_or_host is not valid UTF-8");
    CHECK_CODE(dimg_client_new(NULL, 0, NULL), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_STR(last_message(message, sizeof message), "client_out is NULL");
    CHECK(client == NULL);
    CHECK(dimg_last_error_http_status() == 0);

    client = test_client();
    dimg_search_results *results = NULL;
    CHECK_CODE(dimg_client_search(client, NULL, NULL, &results), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_STR(last_message(message, sizeof message), "term is NULL");
    CHECK_CODE(dimg_client_search(client, "tom\xff" "cat", NULL, &results), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_STR(last_message(message, sizeof message), "term is not valid UTF-8");
    CHECK(results == NULL);
    dimg_client_free(client);
    PASS("INVALID_ARGUMENT");
}

static void environment(void) {
    const char *host = need_env("DIMG_TEST_DOCKER_HOST");
    char *saved_host = getenv("DOCKER_HOST") ? fmt("%s", getenv("DOCKER_HOST")) : NULL;
    dimg_client *client = NULL;

    CHECK(setenv("DOCKER_HOST", host, 1) == 0);
    CHECK_OK(dimg_client_new(NULL, 0, &client)); /* NULL: DOCKER_HOST, as the docker CLI */
    CHECK_STR(dimg_client_socket_path(client), host + strlen("unix://"));
    dimg_ping *ping = NULL;
    CHECK_OK(dimg_client_ping(client, &ping));
    dimg_ping_free(ping);
    dimg_client_free(client);

    CHECK(setenv("DOCKER_API_VERSION", "1.30", 1) == 0); /* pins the version */
    client = NULL;
    CHECK_OK(dimg_client_new(NULL, 0, &client));
    uint16_t major = 0, minor = 0;
    CHECK_OK(dimg_client_api_version(client, &major, &minor));
    CHECK(major == 1 && minor == 30);
    dimg_list_options *options = dimg_list_options_new();
    CHECK_OK(dimg_list_options_set_reference(options, "dimgc-errors/*"));
    dimg_image_list *list = NULL;
    CHECK_OK(dimg_client_list_images(client, options, &list));
    dimg_image_list_free(list);
    dimg_list_options_free(options);
    dimg_client_free(client);
    CHECK(setenv("DOCKER_API_VERSION", "one.two", 1) == 0);
    client = NULL;
    CHECK_CODE(dimg_client_new(NULL, 0, &client), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(last_message(message, sizeof message), "DOCKER_API_VERSION");
    CHECK(unsetenv("DOCKER_API_VERSION") == 0);

    CHECK(setenv("DOCKER_HOST", "npipe:////./pipe/docker_engine", 1) == 0);
    CHECK_CODE(dimg_client_new(NULL, 0, &client), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK(client == NULL);
    CHECK(setenv("DOCKER_HOST", "ssh://me@example.invalid", 1) == 0); /* nothing is run yet */
    CHECK_OK(dimg_client_new(NULL, 0, &client));
    CHECK(dimg_client_endpoint_kind(client) == DIMG_ENDPOINT_KIND_SSH);
    CHECK_STR(dimg_client_host(client), "ssh://me@example.invalid");
    dimg_client_free(client);
    if (saved_host) {
        CHECK(setenv("DOCKER_HOST", saved_host, 1) == 0);
        free(saved_host);
    } else {
        CHECK(unsetenv("DOCKER_HOST") == 0);
    }
    PASS("NULL host reads DOCKER_HOST and DOCKER_API_VERSION");
}

static void invalid_reference(void) {
    dimg_client *client = test_client();
    dimg_image_inspect *image = NULL;
    CHECK_CODE(dimg_client_inspect_image(client, "Tiny", &image), DIMG_RESULT_INVALID_REFERENCE);
    CHECK_STR(last_message(message, sizeof message),
              "invalid reference format: repository name (library/Tiny) must be lowercase");
    CHECK_CODE(dimg_client_inspect_image(client, "tiny?force=1", &image), DIMG_RESULT_INVALID_REFERENCE);
    CHECK_CODE(dimg_client_tag_image(client, "tiny:1.0", "Bad/Name"), DIMG_RESULT_INVALID_REFERENCE);
    CHECK(image == NULL && dimg_last_error_http_status() == 0);
    dimg_client_free(client);
    PASS("INVALID_REFERENCE");
}

static void connect_error(void) {
    dimg_client *client = NULL;
    CHECK_OK(dimg_client_new("/nonexistent/dimgc.sock", 0, &client)); /* nothing sent yet */
    CHECK_STR(dimg_client_socket_path(client), "/nonexistent/dimgc.sock");
    dimg_image_list *list = NULL;
    CHECK_CODE(dimg_client_list_images(client, NULL, &list), DIMG_RESULT_CONNECT);
    CHECK(list == NULL && dimg_last_error_http_status() == 0);
    CHECK_CONTAINS(last_message(message, sizeof message), "/nonexistent/dimgc.sock");
    dimg_last_error_cli_message(message, sizeof message);
    CHECK_STR(message, "Cannot connect to the Docker daemon at unix:///nonexistent/dimgc.sock. Is the docker daemon running?");
    CHECK_CODE(dimg_client_pull(client, "tiny:1.0", NULL, NULL, NULL, NULL), DIMG_RESULT_CONNECT);
    dimg_client_free(client);
    PASS("CONNECT");
}

static void timeout(void) {
    fake_daemon *fake = fake_start(SILENT);
    dimg_client *client = fake_client(fake, 300);
    dimg_ping *ping = NULL;
    CHECK_CODE(dimg_client_ping(client, &ping), DIMG_RESULT_TIMEOUT);
    CHECK(ping == NULL);
    CHECK_STR(last_message(message, sizeof message), "no response from the Docker daemon within 300ms");
    dimg_client_free(client);
    fake_stop(fake);

    /* A pull stream that stops moving. */
    fake = fake_start(PULL_STALL);
    client = fake_client(fake, 300);
    dimg_pull_summary *summary = NULL;
    CHECK_CODE(dimg_client_pull(client, "fake/x:1.0", NULL, NULL, NULL, &summary), DIMG_RESULT_TIMEOUT);
    CHECK(summary == NULL);
    dimg_client_free(client);
    fake_stop(fake);
    PASS("TIMEOUT (a silent daemon, a stalled pull)");
}

static void not_found_and_conflict(void) {
    dimg_client *client = test_client();
    dimg_image_inspect *image = NULL;
    CHECK_CODE(dimg_client_inspect_image(client, "dimgc-errors/nosuch:1", &image), DIMG_RESULT_NOT_FOUND);
    CHECK(dimg_last_error_http_status() == 404);
    CHECK_CONTAINS(last_message(message, sizeof message),
                   BY_ENGINE("No such image: dimgc-errors/nosuch:1", "dimgc-errors/nosuch:1: No such image"));
    CHECK(image == NULL);

    /* An image with two names, removed by id: the daemon's 409. */
    char *id = import_image("errors", "dimgc-errors/conflict:a");
    CHECK_OK(dimg_client_tag_image(client, "dimgc-errors/conflict:a", "dimgc-errors/conflict:b"));
    dimg_removed_items *items = NULL;
    CHECK_CODE(dimg_client_remove_image(client, id, NULL, &items), DIMG_RESULT_CONFLICT);
    CHECK(dimg_last_error_http_status() == 409);
    CHECK_CONTAINS(last_message(message, sizeof message), BY_ENGINE("must be forced", "please force removal"));
    CHECK(items == NULL);

    dimg_remove_options *force = dimg_remove_options_new();
    CHECK_OK(dimg_remove_options_set_force(force, true));
    CHECK_OK(dimg_client_remove_image(client, id, force, &items));
    CHECK(dimg_removed_items_len(items) >= 3); /* two untags, then the deletes */
    CHECK(dimg_removed_item_kind(dimg_removed_items_get(items, 1)) == DIMG_REMOVED_KIND_UNTAGGED);
    CHECK(dimg_removed_item_kind(dimg_removed_items_get(items, 2)) == DIMG_REMOVED_KIND_DELETED);
    dimg_removed_items_free(items);
    dimg_remove_options_free(force);
    free(id);
    dimg_client_free(client);
    PASS("NOT_FOUND, CONFLICT");
}

static void api_error(void) {
    dimg_client *client = test_client();
    if (is_podman()) { /* Podman answers 200 and says it inside the stream */
        CHECK_CODE(dimg_client_pull(client, "127.0.0.1:1/x:1", NULL, NULL, NULL, NULL), DIMG_RESULT_PULL_FAILED);
        CHECK_CONTAINS(last_message(message, sizeof message), "connection refused");
        dimg_client_free(client);
        PASS("PULL_FAILED for an unreachable registry (Podman)");
        return;
    }
    CHECK_CODE(dimg_client_pull(client, "127.0.0.1:1/x:1", NULL, NULL, NULL, NULL), DIMG_RESULT_API);
    CHECK(dimg_last_error_http_status() == 500);
    dimg_last_error_cli_message(message, sizeof message);
    CHECK(strncmp(message, "Error response from daemon: ", 28) == 0);
    dimg_client_free(client);
    PASS("API (500)");
}

static int count_events(void *userdata, const dimg_pull_progress *p) {
    (void)p;
    ++*(int *)userdata;
    return 0;
}

static void pull_failed(void) {
    fake_daemon *fake = fake_start(PULL_ERROR);
    dimg_client *client = fake_client(fake, 5000);
    int events = 0;
    dimg_pull_summary *summary = NULL;
    CHECK_CODE(dimg_client_pull(client, "fake/x:1.0", NULL, count_events, &events, &summary),
               DIMG_RESULT_PULL_FAILED);
    CHECK_STR(last_message(message, sizeof message), "the registry went away");
    CHECK(events == 1 && summary == NULL && dimg_last_error_http_status() == 0);
    dimg_client_free(client);
    fake_stop(fake);
    PASS("PULL_FAILED (errorDetail inside a 200 stream)");
}

static void rate_limited(void) {
    fake_daemon *fake = fake_start(LIMIT_STATUS);
    dimg_client *client = fake_client(fake, 5000);
    CHECK_CODE(dimg_client_pull(client, "fake/x:1.0", NULL, NULL, NULL, NULL), DIMG_RESULT_RATE_LIMITED);
    CHECK_STR(last_message(message, sizeof message), HUB_LIMIT);
    CHECK(dimg_last_error_http_status() == 429);
    CHECK(dimg_last_error_cli_message(message, sizeof message) > 0);
    CHECK_STR(message, "Error response from daemon: " HUB_LIMIT);
    dimg_client_free(client);
    fake_stop(fake);

    fake = fake_start(LIMIT_STREAM);
    client = fake_client(fake, 5000);
    int events = 0;
    CHECK_CODE(dimg_client_pull(client, "fake/x:1.0", NULL, count_events, &events, NULL), DIMG_RESULT_RATE_LIMITED);
    CHECK_STR(last_message(message, sizeof message), HUB_LIMIT);
    CHECK(events == 1 && dimg_last_error_http_status() == 0);
    dimg_client_free(client);
    fake_stop(fake);
    PASS("RATE_LIMITED (the daemon's 429, and inside a pull stream)");
}

static void protocol(void) {
    fake_daemon *fake = fake_start(GARBAGE);
    dimg_client *client = fake_client(fake, 5000);
    dimg_image_list *list = NULL;
    CHECK_CODE(dimg_client_list_images(client, NULL, &list), DIMG_RESULT_PROTOCOL);
    CHECK_CONTAINS(last_message(message, sizeof message), "unexpected response from the Docker daemon");
    CHECK(list == NULL);
    dimg_client_free(client);
    fake_stop(fake);
    PASS("PROTOCOL (undecodable JSON)");
}

static int cancel_first(void *userdata, const dimg_pull_progress *p) {
    (void)p;
    ++*(int *)userdata;
    return 1;
}

typedef struct {
    dimg_client *client;
    int calls;
    dimg_result inner;
} reentry;

static int call_back_in(void *userdata, const dimg_pull_progress *p) {
    reentry *r = (reentry *)userdata;
    (void)p;
    if (r->calls++ == 0) {
        dimg_search_results *results = NULL;
        r->inner = dimg_client_search(r->client, "tomcat", NULL, &results);
        CHECK(results == NULL);
    }
    return 0;
}

static void cancelled_and_reentrant(void) {
    fake_daemon *fake = fake_start(PULL_STREAM);
    dimg_client *client = fake_client(fake, 5000);
    int calls = 0;
    CHECK_CODE(dimg_client_pull(client, "fake/x:1.0", NULL, cancel_first, &calls, NULL), DIMG_RESULT_CANCELLED);
    CHECK(calls == 1);

    reentry r = {client, 0, DIMG_RESULT_OK};
    dimg_pull_summary *summary = NULL;
    CHECK_OK(dimg_client_pull(client, "fake/x:1.0", NULL, call_back_in, &r, &summary));
    CHECK(r.inner == DIMG_RESULT_REENTRANT && r.calls == 6);
    CHECK(dimg_pull_summary_events(summary) == 6);
    CHECK(dimg_pull_summary_layers_pulled(summary) == 1);
    CHECK(dimg_pull_summary_outcome(summary) == DIMG_PULL_OUTCOME_DOWNLOADED);
    dimg_pull_summary_free(summary);
    dimg_client_free(client);
    fake_stop(fake);
    PASS("CANCELLED, REENTRANT");
}

static void unsupported_option(void) {
    dimg_client *client = test_client();
    dimg_list_options *options = dimg_list_options_new();
    CHECK_OK(dimg_list_options_set_shared_size(options, true));
    dimg_image_list *list = NULL;
    CHECK_CODE(dimg_client_list_images(client, options, &list), DIMG_RESULT_UNSUPPORTED_OPTION);
    CHECK_STR(last_message(message, sizeof message),
              "shared-size requires API version 1.42, but the Docker daemon API version is 1.41");
    dimg_list_options_free(options);
    dimg_client_free(client);
    PASS("UNSUPPORTED_OPTION");
}

/* A registry with htpasswd auth: no credentials or wrong ones are UNAUTHORIZED (never
 * NOT_FOUND, and the password never shows in the message); the right ones pull. */
static void unauthorized_and_credentials(void) {
    const char *registry = need_env("DIMG_TEST_AUTH_REGISTRY");
    const char *user = need_env("DIMG_TEST_AUTH_USER");
    const char *password = need_env("DIMG_TEST_AUTH_PASSWORD");
    char reference[256];
    snprintf(reference, sizeof reference, "%s/t/p38:1.0", registry);
    dimg_client *client = test_client();
    dimg_pull_options *options = dimg_pull_options_new();
    CHECK_OK(dimg_pull_options_set_credentials(options, NULL, NULL));
    CHECK_CODE(dimg_client_pull(client, reference, options, NULL, NULL, NULL), DIMG_RESULT_UNAUTHORIZED);
    CHECK_OK(dimg_pull_options_set_credentials(options, user, "not-the-password"));
    CHECK_CODE(dimg_client_pull(client, reference, options, NULL, NULL, NULL), DIMG_RESULT_UNAUTHORIZED);
    CHECK(strstr(last_message(message, sizeof message), "not-the-password") == NULL);
    CHECK_CODE(dimg_pull_options_set_credentials(options, NULL, password), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_OK(dimg_pull_options_set_credentials(options, user, password));
    CHECK_OK(dimg_client_pull(client, reference, options, NULL, NULL, NULL));
    dimg_removed_items *removed = NULL;
    dimg_remove_options *force = dimg_remove_options_new();
    CHECK_OK(dimg_remove_options_set_force(force, true));
    CHECK_OK(dimg_client_remove_image(client, reference, force, &removed));
    dimg_removed_items_free(removed);
    dimg_remove_options_free(force);
    dimg_pull_options_free(options);
    CHECK(strncmp(dimg_client_host(client), "unix://", 7) == 0);
    dimg_client_free(client);
    PASS("UNAUTHORIZED and credentials");
}

/* daemon.json mirror edits: added once, removed, a broken file left alone. */
static void mirror_config(void) {
    char path[] = "/tmp/dimg-c-daemon-json-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *original = "{\"debug\": true}";
    CHECK(write(fd, original, strlen(original)) == (ssize_t)strlen(original));
    close(fd);
    bool changed = false;
    CHECK_OK(dimg_daemon_config_add_mirror(path, "https://mirror.example.com", &changed));
    CHECK(changed);
    CHECK_OK(dimg_daemon_config_add_mirror(path, "https://mirror.example.com/", &changed));
    CHECK(!changed);
    CHECK_OK(dimg_daemon_config_remove_mirror(path, "https://mirror.example.com", &changed));
    CHECK(changed);
    CHECK_CODE(dimg_daemon_config_add_mirror(path, "ftp://x", &changed), DIMG_RESULT_INVALID_ARGUMENT);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs("{broken", f);
    fclose(f);
    CHECK_CODE(dimg_daemon_config_add_mirror(path, "https://m.example.com", NULL), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(last_message(message, sizeof message), "not touching it") != NULL);
    f = fopen(path, "r");
    char text[64] = {0};
    CHECK(fgets(text, sizeof text, f) != NULL);
    fclose(f);
    CHECK_STR(text, "{broken");
    unlink(path);
    PASS("daemon.json mirror helpers");
}

/* Whether process `pid` is still there (an orphan's zombie, init's to reap, does not count),
 * after waiting up to a second for it to go. */
static int still_running(long pid) {
    for (int i = 0; i < 100; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE *stat = fopen(path, "r");
        if (stat == NULL) return 0;
        char line[512];
        size_t n = fread(line, 1, sizeof line - 1, stat);
        fclose(stat);
        line[n] = '\0';
        char state = 'R';
        long ppid = 0;
        const char *end = strrchr(line, ')');
        if (end != NULL && sscanf(end + 1, " %c %ld", &state, &ppid) == 2 && state == 'Z' && ppid != (long)getpid())
            return 0;
        sleep_ms(10);
    }
    return 1;
}

/* CREDENTIALS from a credential helper that never answers (it waits for a `sleep` it started):
 * killed, with its sleep, at dimg_client_options_set_credential_helper_timeout_ms. */
static void credential_helper_timeout(void) {
    const char *registry = need_env("DIMG_TEST_AUTH_REGISTRY");
    char dir[] = "/tmp/dimgc-credhelper-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char *bin = fmt("%s/bin", dir);
    CHECK(mkdir(bin, 0755) == 0);
    char *pids = fmt("%s/pids", dir);
    char *helper = fmt("%s/docker-credential-dimgchang", bin);
    FILE *file = fopen(helper, "w");
    CHECK(file != NULL);
    fprintf(file, "#!/bin/sh\necho $$ >> %s\nsleep 1000 &\necho $! >> %s\nwait\n", pids, pids);
    CHECK(fclose(file) == 0);
    CHECK(chmod(helper, 0755) == 0);
    char *config = fmt("%s/config.json", dir);
    file = fopen(config, "w");
    CHECK(file != NULL);
    fprintf(file, "{\"credHelpers\":{\"%s\":\"dimgchang\"}}", registry);
    CHECK(fclose(file) == 0);
    const char *saved_path = getenv("PATH");
    char *old_path = fmt("%s", saved_path ? saved_path : "/usr/bin:/bin");
    char *path = fmt("%s:%s", bin, old_path);
    const char *saved_config = getenv("DOCKER_CONFIG");
    char *old_config = saved_config ? fmt("%s", saved_config) : NULL;
    CHECK(setenv("PATH", path, 1) == 0);
    CHECK(setenv("DOCKER_CONFIG", dir, 1) == 0);

    dimg_client_options *options = dimg_client_options_new();
    CHECK_OK(dimg_client_options_set_host(options, need_env("DIMG_TEST_DOCKER_HOST")));
    CHECK_OK(dimg_client_options_set_timeout_ms(options, 60000));
    CHECK_OK(dimg_client_options_set_credential_helper_timeout_ms(options, 1000));
    dimg_client *client = NULL;
    CHECK_OK(dimg_client_new_with_options(options, &client));
    dimg_client_options_free(options);
    char *reference = fmt("%s/t/p38:1.0", registry);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_CODE(dimg_client_pull(client, reference, NULL, NULL, NULL, NULL), DIMG_RESULT_CREDENTIALS);
    clock_gettime(CLOCK_MONOTONIC, &end);
    long took_ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
    long slack_ms = getenv("DIMG_TEST_VALGRIND") ? 6000 : 2000;
    if (took_ms >= 1000 + slack_ms) FAIL("the pull took %ld ms", took_ms);
    CHECK_STR(last_message(message, sizeof message),
              "credential helper docker-credential-dimgchang did not answer within 1s");
    dimg_client_free(client);

    FILE *started = fopen(pids, "r");
    CHECK(started != NULL);
    long pid = 0;
    int count = 0;
    while (fscanf(started, "%ld", &pid) == 1) {
        count++;
        if (still_running(pid)) FAIL("helper process %ld left running", pid);
    }
    fclose(started);
    CHECK(count == 2); /* the helper and its sleep */

    CHECK(setenv("PATH", old_path, 1) == 0);
    CHECK(old_config ? setenv("DOCKER_CONFIG", old_config, 1) == 0 : unsetenv("DOCKER_CONFIG") == 0);
    free(old_config);
    char *cleanup = fmt("rm -rf %s", dir);
    CHECK(system(cleanup) == 0);
    free(cleanup);
    free(reference);
    free(path);
    free(old_path);
    free(config);
    free(helper);
    free(pids);
    free(bin);
    PASS("CREDENTIALS (a credential helper that never answers, killed at its own timeout)");
}

int main(void) {
    need_env("DIMG_TEST_DOCKER_HOST");
    docker_quiet("rmi -f dimgc-errors/conflict:a dimgc-errors/conflict:b");

    ok_and_names();
    host_forms();
    invalid_argument();
    environment();
    invalid_reference();
    connect_error();
    timeout();
    not_found_and_conflict();
    api_error();
    pull_failed();
    rate_limited();
    protocol();
    cancelled_and_reentrant();
    unsupported_option();
    unauthorized_and_credentials();
    credential_helper_timeout();
    mirror_config();

    CHECK_OK(dimg_shutdown());
    PASS("errors.c");
    return 0;
}
