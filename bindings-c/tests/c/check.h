/* Tiny test helpers shared by the C test programs (header-only: each program is one file).
 *
 * The programs run against the private engine of scripts/engine.sh; they read
 * DIMG_TEST_DOCKER_HOST, DIMG_TEST_REGISTRY and DIMG_TEST_INDEX, and fail (not skip) when one is
 * missing. A failed check prints where it failed and the last dimg error, then exits 1. */
#ifndef DIMG_TEST_CHECK_H
#define DIMG_TEST_CHECK_H

#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dimg.h"

static inline void dump_last_error(void) {
    char message[1024];
    dimg_last_error_message(message, sizeof message);
    fprintf(stderr, "  last dimg error: %s (HTTP %u): %s\n",
            dimg_result_name((int32_t)dimg_last_error_code()),
            (unsigned)dimg_last_error_http_status(), message);
}

#define FAIL(...)                                                                     \
    do {                                                                              \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                               \
        fprintf(stderr, __VA_ARGS__);                                                 \
        fputc('\n', stderr);                                                          \
        dump_last_error();                                                            \
        exit(1);                                                                      \
    } while (0)

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) FAIL("CHECK(%s) failed", #cond);                                 \
    } while (0)

/* `call` must return `expected` (a dimg_result), and the thread's last error must agree. */
#define CHECK_CODE(call, expected)                                                    \
    do {                                                                              \
        dimg_result got_ = (call);                                                    \
        if (got_ != (expected))                                                       \
            FAIL("%s returned %s, expected %s", #call, dimg_result_name((int32_t)got_), \
                 dimg_result_name((int32_t)(expected)));                              \
        if (dimg_last_error_code() != got_)                                           \
            FAIL("%s: last error code %s disagrees", #call,                           \
                 dimg_result_name((int32_t)dimg_last_error_code()));                  \
    } while (0)

#define CHECK_OK(call) CHECK_CODE(call, DIMG_RESULT_OK)

#define CHECK_STR(actual, expected)                                                   \
    do {                                                                              \
        const char *a_ = (actual), *e_ = (expected);                                  \
        if (a_ == NULL || strcmp(a_, e_) != 0)                                        \
            FAIL("%s is \"%s\", expected \"%s\"", #actual, a_ ? a_ : "(NULL)", e_);   \
    } while (0)

#define CHECK_CONTAINS(haystack, needle)                                              \
    do {                                                                              \
        const char *h_ = (haystack), *n_ = (needle);                                  \
        if (h_ == NULL || strstr(h_, n_) == NULL)                                     \
            FAIL("%s is \"%s\", which lacks \"%s\"", #haystack, h_ ? h_ : "(NULL)", n_); \
    } while (0)

/* The message of this thread's last error, in a buffer owned by the caller. */
static inline const char *last_message(char *buf, size_t len) {
    dimg_last_error_message(buf, len);
    return buf;
}

static inline const char *need_env(const char *name) {
    const char *value = getenv(name);
    if (value == NULL || value[0] == '\0') {
        fprintf(stderr,
                "%s is not set: the C tests need the private engine. Run scripts/test.sh, or\n"
                "  eval \"$(scripts/engine.sh env)\" and then cargo test -p dimg-c\n",
                name);
        exit(1);
    }
    return value;
}

/* printf into a new heap string (free it). */
static inline char *fmt(const char *format, ...) {
    va_list args, copy;
    va_start(args, format);
    va_copy(copy, args);
    int n = vsnprintf(NULL, 0, format, copy);
    va_end(copy);
    char *out = (char *)malloc((size_t)n + 1);
    if (out == NULL) abort();
    vsnprintf(out, (size_t)n + 1, format, args);
    va_end(args);
    return out;
}

/* "$DIMG_TEST_REGISTRY/name" (free it). */
static inline char *registry_image(const char *name) {
    return fmt("%s/%s", need_env("DIMG_TEST_REGISTRY"), name);
}

/* Whether this run is the suite's second pass, against the private Podman service
 * (DIMG_TEST_ENGINE=podman with DIMG_TEST_DOCKER_HOST set to its socket; see scripts/test.sh).
 * dimg's result codes are the same on both; the daemons' wording and a few answers are not. */
static inline int is_podman(void) {
    const char *engine = getenv("DIMG_TEST_ENGINE");
    return engine != NULL && strcmp(engine, "podman") == 0;
}

/* `docker` on Docker, `podman` on Podman: what each engine answers. */
#define BY_ENGINE(docker, podman) (is_podman() ? (podman) : (docker))

/* Runs a shell command and returns its whole output (free it), or exits when it fails. */
static inline char *shell_output(const char *command) {
    FILE *pipe = popen(command, "r");
    if (pipe == NULL) FAIL("cannot run: %s", command);
    size_t len = 0, cap = 4096;
    char *out = (char *)malloc(cap);
    if (out == NULL) abort();
    size_t n;
    while ((n = fread(out + len, 1, cap - len - 1, pipe)) > 0) {
        len += n;
        if (cap - len < 1024) {
            cap *= 2;
            out = (char *)realloc(out, cap);
            if (out == NULL) abort();
        }
    }
    out[len] = '\0';
    int status = pclose(pipe);
    if (status != 0) FAIL("`%s` failed (%d): %s", command, status, out);
    return out;
}

/* Runs the docker CLI against the private engine (setup dimg does not offer: containers,
 * imports) and returns its whole output (free it), or exits when it fails. */
static inline char *docker_cli_output(const char *args) {
    char *command = fmt("DOCKER_HOST='%s' docker %s 2>&1", need_env("DIMG_TEST_DOCKER_HOST"), args);
    char *out = shell_output(command);
    free(command);
    return out;
}

/* Like docker_cli_output, only the first line. */
static inline char *docker_cli(const char *args) {
    char *out = docker_cli_output(args);
    out[strcspn(out, "\r\n")] = '\0';
    return out;
}

/* Like docker_cli, ignoring failure and output (cleanup of what may not exist). */
static inline void docker_quiet(const char *args) {
    char *command = fmt("DOCKER_HOST='%s' docker %s >/dev/null 2>&1", need_env("DIMG_TEST_DOCKER_HOST"), args);
    if (system(command) == -1) FAIL("cannot run: %s", command);
    free(command);
}

/* Imports a one-file image holding `content`, labelled `label` (KEY=VALUE), named `name` (NULL:
 * a dangling image), with the docker CLI. Returns its id (free it). */
static inline char *import_labelled(const char *content, const char *label, const char *name) {
    char dir[] = "/tmp/dimgc-import-XXXXXX";
    if (mkdtemp(dir) == NULL) FAIL("mkdtemp failed");
    char *command = fmt("printf '%s' > %s/file.txt && tar -C %s -cf %s/image.tar file.txt", content, dir, dir, dir);
    if (system(command) != 0) FAIL("cannot run: %s", command);
    free(command);
    char *args = fmt("import -c 'LABEL %s' %s/image.tar %s", label, dir, name ? name : "");
    char *output = docker_cli(args);
    free(args);
    /* Docker prints the id; against Podman the CLI prints `sha256:ID: sha256:ID`. */
    char *last = strrchr(output, ' ');
    char *id = fmt("%s", last ? last + 1 : output);
    free(output);
    command = fmt("rm -rf %s", dir);
    if (system(command) != 0) FAIL("cannot run: %s", command);
    free(command);
    return id;
}

/* Imports a one-file image labelled org.example.dimgc=LABEL (and holding LABEL), named `name`
 * (NULL: a dangling image). Returns its id (free it). */
static inline char *import_image(const char *label, const char *name) {
    char *key_value = fmt("org.example.dimgc=%s", label);
    char *id = import_labelled(label, key_value, name);
    free(key_value);
    return id;
}

/* Tells the engine's fault proxy ($DIMG_TEST_FAULT_PROXY, scripts/fault_proxy.py) to add the
 * rules of `json` (POST, a JSON list of rules) or to drop the rules whose path contains the
 * `path` of `json` (DELETE, {"path": ...}): each test drops only its own. `json` must not hold
 * a single quote (it goes to curl through the shell). */
static inline void fault_rules(const char *method, const char *json) {
    char *command = fmt("curl -sf -X %s --data-binary '%s' http://%s/__faults", method, json,
                        need_env("DIMG_TEST_FAULT_PROXY"));
    free(shell_output(command));
    free(command);
}

/* A client of the private engine. */
static inline dimg_client *test_client(void) {
    dimg_client *client = NULL;
    CHECK_OK(dimg_client_new(need_env("DIMG_TEST_DOCKER_HOST"), 60000, &client));
    CHECK(client != NULL);
    return client;
}

/* Whether `list` holds an image tagged `reference`. */
static inline int list_has_tag(const dimg_image_list *list, const char *reference) {
    for (size_t i = 0; i < dimg_image_list_len(list); i++) {
        const dimg_strings *tags = dimg_image_repo_tags(dimg_image_list_get(list, i));
        for (size_t t = 0; t < dimg_strings_len(tags); t++)
            if (strcmp(dimg_strings_get(tags, t), reference) == 0) return 1;
    }
    return 0;
}

/* Whether `list` holds the image `id`. */
static inline int list_has_id(const dimg_image_list *list, const char *id) {
    for (size_t i = 0; i < dimg_image_list_len(list); i++)
        if (strcmp(dimg_image_id(dimg_image_list_get(list, i)), id) == 0) return 1;
    return 0;
}

#define PASS(name) printf("ok %s\n", name)

#endif
