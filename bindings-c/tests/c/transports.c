/* The transports beyond a local socket, against the real things scripts/engine.sh starts: TLS
 * (dockerd #2 with --tlsverify), ssh:// (a private sshd whose logins reach dockerd #1 through
 * `docker system dial-stdio`), and docker contexts made by the real `docker context create` in
 * a temporary DOCKER_CONFIG, selected by dimg_client_options and by the environment with
 * dimg_client_new(NULL). Faults: wrong CA, no client certificate, name mismatch, plain HTTP to
 * the TLS port and TLS to a plain port (DIMG_RESULT_TLS); unreachable port, unauthorized key,
 * unknown host key, no docker on the remote host (DIMG_RESULT_SSH, with ssh's exit status); a
 * missing context (DIMG_RESULT_INVALID_ARGUMENT naming it). After each dimg_client_free, no
 * child of this process is left (no `ssh ... docker system dial-stdio`, no zombie).
 *
 * `ssh` must be the engine's wrapper (DIMG_TEST_SSH_BIN first on PATH; tests/c_api.rs sets it).
 * The DOCKER_* variables are set and unset here, before any thread exists.
 *
 * Owns $DIMG_TEST_REGISTRY/t/p28:1.0 on the TLS daemon and t/p29:1.0 on dockerd #1 (pulled
 * through ssh); removes both. Does not use DIMG_TEST_DOCKER_HOST (it is Podman in the second
 * pass of scripts/test.sh): dockerd #1 is set up through DIMG_TEST_TCP_HOST. */
#include "check.h"

#include <ctype.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static char message[2048];

/* The files of the client certificate directory `dir` (DOCKER_CERT_PATH layout). */
typedef struct {
    char ca[512], cert[512], key[512];
} cert_files;

static cert_files certs_in(const char *dir) {
    cert_files files;
    snprintf(files.ca, sizeof files.ca, "%s/ca.pem", dir);
    snprintf(files.cert, sizeof files.cert, "%s/cert.pem", dir);
    snprintf(files.key, sizeof files.key, "%s/key.pem", dir);
    return files;
}

/* Runs a shell command; exits when it fails. */
static void sh(const char *command) {
    int status = system(command);
    if (status != 0) FAIL("`%s` failed (%d)", command, status);
}

/* The docker CLI against `host` (a DOCKER_HOST), ignoring failure and output. */
static void docker_at_quiet(const char *host, const char *args) {
    char *command = fmt("DOCKER_HOST='%s' docker %s >/dev/null 2>&1", host, args);
    if (system(command) == -1) FAIL("cannot run: %s", command);
    free(command);
}

/* The unix:// address of the TLS daemon's own socket, for setup without TLS (free it). */
static char *tls_daemon_socket(void) {
    return fmt("unix://%s", need_env("DIMG_TEST_TLS_SOCKET"));
}

/* ---------------------------------------------------------------------------------------- */
/* Children of this process                                                                  */
/* ---------------------------------------------------------------------------------------- */

/* The children of this process that are zombies or run `... dial-stdio` (the ssh connections
 * of a client); with `show`, their command lines are printed. */
static int count_ssh_children(int show) {
    DIR *proc = opendir("/proc");
    CHECK(proc != NULL);
    long me = (long)getpid();
    int found = 0;
    struct dirent *entry;
    while ((entry = readdir(proc)) != NULL) {
        if (!isdigit((unsigned char)entry->d_name[0])) continue;
        char path[300], stat[1024] = "", cmdline[1024] = "";
        snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL) continue; /* gone meanwhile */
        size_t n = fread(stat, 1, sizeof stat - 1, f);
        fclose(f);
        stat[n] = '\0';
        /* "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'. */
        const char *rest = strrchr(stat, ')');
        char state = '?';
        long ppid = -1;
        if (rest == NULL || sscanf(rest + 1, " %c %ld", &state, &ppid) != 2 || ppid != me) continue;
        snprintf(path, sizeof path, "/proc/%s/cmdline", entry->d_name);
        f = fopen(path, "r");
        if (f != NULL) {
            n = fread(cmdline, 1, sizeof cmdline - 1, f);
            fclose(f);
            for (size_t i = 0; i < n; i++)
                if (cmdline[i] == '\0') cmdline[i] = ' ';
            cmdline[n] = '\0';
        }
        if (state == 'Z' || strstr(cmdline, "dial-stdio") != NULL) {
            if (show) fprintf(stderr, "  child %s (state %c): %s\n", entry->d_name, state, cmdline);
            found++;
        }
    }
    closedir(proc);
    return found;
}

/* The number of such children; when it is not `expected`, they are printed. */
static int ssh_children_are(int expected) {
    int found = count_ssh_children(0);
    if (found != expected) count_ssh_children(1);
    return found == expected;
}

/* ---------------------------------------------------------------------------------------- */
/* The environment                                                                           */
/* ---------------------------------------------------------------------------------------- */

static const char *const DOCKER_VARS[] = {"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_TLS",
                                          "DOCKER_CERT_PATH", "DOCKER_API_VERSION"};

/* Unsets every variable the docker CLI reads, and points DOCKER_CONFIG at `config_dir` (so that
 * the real ~/.docker is never read). */
static void clean_environment(const char *config_dir) {
    for (size_t i = 0; i < sizeof DOCKER_VARS / sizeof DOCKER_VARS[0]; i++) CHECK(unsetenv(DOCKER_VARS[i]) == 0);
    CHECK(setenv("DOCKER_CONFIG", config_dir, 1) == 0);
}

/* ---------------------------------------------------------------------------------------- */
/* Helpers                                                                                   */
/* ---------------------------------------------------------------------------------------- */

static dimg_client *build(const dimg_client_options *options) {
    dimg_client *client = NULL;
    CHECK_OK(dimg_client_new_with_options(options, &client));
    CHECK(client != NULL);
    return client;
}

/* Options that read no environment variable and no real config directory. */
static dimg_client_options *options_for(const char *host, const char *config_dir) {
    dimg_client_options *options = dimg_client_options_new();
    CHECK(options != NULL);
    CHECK_OK(dimg_client_options_set_config_dir(options, config_dir));
    if (host != NULL) CHECK_OK(dimg_client_options_set_host(options, host));
    return options;
}

/* TLS options for the TLS daemon with the files of `dir`. */
static dimg_client_options *tls_options(const char *host, const char *dir, const char *config_dir) {
    cert_files files = certs_in(dir);
    dimg_client_options *options = options_for(host, config_dir);
    CHECK_OK(dimg_client_options_set_tls_ca_cert(options, files.ca));
    CHECK_OK(dimg_client_options_set_tls_client_cert(options, files.cert, files.key));
    CHECK_OK(dimg_client_options_set_tls_verify(options, true));
    return options;
}

/* The images whose reference matches `pattern`, through `client`. */
static dimg_image_list *list_matching(dimg_client *client, const char *pattern) {
    dimg_list_options *options = dimg_list_options_new();
    CHECK_OK(dimg_list_options_set_reference(options, pattern));
    dimg_image_list *list = NULL;
    CHECK_OK(dimg_client_list_images(client, options, &list));
    dimg_list_options_free(options);
    return list;
}

static int count_events(void *userdata, const dimg_pull_progress *progress) {
    (void)progress;
    ++*(int *)userdata;
    return 0;
}

/* List, pull, list, remove, list `reference` (`repository:tag`) through `client`. */
static void list_pull_remove(dimg_client *client, const char *repository, const char *reference) {
    dimg_image_list *list = list_matching(client, repository);
    CHECK(!list_has_tag(list, reference));
    dimg_image_list_free(list);

    int events = 0;
    dimg_pull_summary *summary = NULL;
    CHECK_OK(dimg_client_pull(client, reference, NULL, count_events, &events, &summary));
    CHECK(events > 0 && dimg_pull_summary_events(summary) == (size_t)events);
    CHECK(dimg_pull_summary_outcome(summary) == DIMG_PULL_OUTCOME_DOWNLOADED);
    dimg_pull_summary_free(summary);

    list = list_matching(client, repository);
    CHECK(list_has_tag(list, reference));
    dimg_image_list_free(list);

    dimg_removed_items *items = NULL;
    CHECK_OK(dimg_client_remove_image(client, reference, NULL, &items));
    size_t removed = dimg_removed_items_len(items); /* the tag, the digest, then the deletes */
    CHECK(removed >= 2);
    CHECK(dimg_removed_item_kind(dimg_removed_items_get(items, 0)) == DIMG_REMOVED_KIND_UNTAGGED);
    CHECK_STR(dimg_removed_item_value(dimg_removed_items_get(items, 0)), reference);
    CHECK(dimg_removed_item_kind(dimg_removed_items_get(items, removed - 1)) == DIMG_REMOVED_KIND_DELETED);
    dimg_removed_items_free(items);

    list = list_matching(client, repository);
    CHECK(!list_has_tag(list, reference));
    dimg_image_list_free(list);
}

/* A ping through `client` fails with `code`; the message is left in `message`. */
static void ping_fails(dimg_client *client, dimg_result code) {
    dimg_ping *ping = NULL;
    CHECK_CODE(dimg_client_ping(client, &ping), code);
    CHECK(ping == NULL && dimg_last_error_http_status() == 0);
    last_message(message, sizeof message);
}

/* ---------------------------------------------------------------------------------------- */
/* TLS                                                                                       */
/* ---------------------------------------------------------------------------------------- */

static void tls_list_pull_remove(const char *config_dir) {
    const char *host = need_env("DIMG_TEST_TLS_HOST");
    char *repository = registry_image("t/p28");
    char *reference = fmt("%s:1.0", repository);
    char *socket = tls_daemon_socket();
    char *rmi = fmt("rmi -f %s", reference);
    docker_at_quiet(socket, rmi);

    dimg_client_options *options = tls_options(host, need_env("DIMG_TEST_TLS_CERTS"), config_dir);
    CHECK_OK(dimg_client_options_set_timeout_ms(options, 60000));
    CHECK_OK(dimg_client_options_set_connect_timeout_ms(options, 5000));
    dimg_client *client = build(options);
    dimg_client_options_free(options); /* the client keeps what it needs */
    CHECK(dimg_client_endpoint_kind(client) == DIMG_ENDPOINT_KIND_TLS);
    CHECK_STR(dimg_client_host(client), host);
    CHECK_STR(dimg_client_context_name(client), "default");
    CHECK_STR(dimg_client_socket_path(client), "");
    CHECK(dimg_client_timeout_ms(client) == 60000);
    list_pull_remove(client, repository, reference);
    dimg_client_free(client);

    /* The docker CLI's variables, through dimg_client_new(NULL). */
    CHECK(setenv("DOCKER_HOST", host, 1) == 0);
    CHECK(setenv("DOCKER_TLS_VERIFY", "1", 1) == 0);
    CHECK(setenv("DOCKER_CERT_PATH", need_env("DIMG_TEST_TLS_CERTS"), 1) == 0);
    client = NULL;
    CHECK_OK(dimg_client_new(NULL, 0, &client));
    CHECK(dimg_client_endpoint_kind(client) == DIMG_ENDPOINT_KIND_TLS);
    CHECK_STR(dimg_client_host(client), host);
    dimg_image_list *list = list_matching(client, repository);
    dimg_image_list_free(list);
    dimg_client_free(client);
    clean_environment(config_dir);

    free(rmi);
    free(socket);
    free(reference);
    free(repository);
    PASS("TLS: list, pull, remove with options; DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH");
}

static void tls_faults(const char *config_dir) {
    const char *host = need_env("DIMG_TEST_TLS_HOST");
    const char *certs = need_env("DIMG_TEST_TLS_CERTS");

    /* A CA that did not sign the daemon's certificate. */
    dimg_client_options *options = tls_options(host, need_env("DIMG_TEST_TLS_WRONG_CA"), config_dir);
    dimg_client *client = build(options);
    dimg_client_options_free(options);
    ping_fails(client, DIMG_RESULT_TLS);
    CHECK_CONTAINS(message, "unknown authority");
    CHECK_CONTAINS(message, host);
    dimg_last_error_cli_message(message, sizeof message);
    CHECK(strncmp(message, "error during connect: ", 22) == 0);
    dimg_image_list *list = NULL;
    CHECK_CODE(dimg_client_list_images(client, NULL, &list), DIMG_RESULT_TLS);
    CHECK(list == NULL);
    dimg_client_free(client);

    /* No client certificate: TLS 1.3 tells it after the handshake, still a TLS error. */
    cert_files files = certs_in(certs);
    options = options_for(host, config_dir);
    CHECK_OK(dimg_client_options_set_tls_ca_cert(options, files.ca));
    client = build(options);
    dimg_client_options_free(options);
    ping_fails(client, DIMG_RESULT_TLS);
    CHECK_CONTAINS(message, "requires a client certificate");
    dimg_client_free(client);

    /* The certificate is for 127.0.0.1 only. */
    char *localhost = fmt("tcp://localhost:%s", strrchr(host, ':') + 1);
    options = tls_options(localhost, certs, config_dir);
    client = build(options);
    dimg_client_options_free(options);
    ping_fails(client, DIMG_RESULT_TLS);
    CHECK_CONTAINS(message, "name mismatch");
    dimg_client_free(client);
    free(localhost);

    /* Plain HTTP to the TLS port, TLS to a plain port: never a fallback. */
    client = NULL;
    CHECK_OK(dimg_client_new(host, 0, &client));
    CHECK(dimg_client_endpoint_kind(client) == DIMG_ENDPOINT_KIND_TCP);
    ping_fails(client, DIMG_RESULT_TLS);
    CHECK_CONTAINS(message, "expects TLS");
    dimg_client_free(client);
    options = tls_options(need_env("DIMG_TEST_TCP_HOST"), certs, config_dir);
    client = build(options);
    dimg_client_options_free(options);
    ping_fails(client, DIMG_RESULT_TLS);
    CHECK_CONTAINS(message, "does not speak TLS");
    dimg_client_free(client);

    /* TLS files that cannot be read fail the build, naming the file. */
    options = options_for(host, config_dir);
    CHECK_OK(dimg_client_options_set_tls_ca_cert(options, "/nonexistent/dimgc/ca.pem"));
    client = NULL;
    CHECK_CODE(dimg_client_new_with_options(options, &client), DIMG_RESULT_TLS);
    CHECK_CONTAINS(last_message(message, sizeof message), "/nonexistent/dimgc/ca.pem");
    CHECK(client == NULL);
    /* TLS needs a tcp:// host. */
    CHECK_OK(dimg_client_options_set_host(options, "unix:///run/dimgc.sock"));
    CHECK_CODE(dimg_client_new_with_options(options, &client), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(last_message(message, sizeof message), "tcp://");
    CHECK(client == NULL);
    dimg_client_options_free(options);
    PASS("TLS faults: unknown authority, no client certificate, name mismatch, plain HTTP to TLS, TLS to "
         "plain, bad files");
}

/* ---------------------------------------------------------------------------------------- */
/* ssh                                                                                       */
/* ---------------------------------------------------------------------------------------- */

static void ssh_list_pull_remove(const char *config_dir) {
    const char *host = need_env("DIMG_TEST_SSH_HOST");
    char *repository = registry_image("t/p29");
    char *reference = fmt("%s:1.0", repository);
    char *rmi = fmt("rmi -f %s", reference);
    docker_at_quiet(need_env("DIMG_TEST_TCP_HOST"), rmi);
    CHECK(ssh_children_are(0));

    dimg_client *client = NULL;
    CHECK_OK(dimg_client_new(host, 60000, &client));
    CHECK(dimg_client_endpoint_kind(client) == DIMG_ENDPOINT_KIND_SSH);
    CHECK_STR(dimg_client_host(client), host);
    CHECK_STR(dimg_client_context_name(client), "default");
    CHECK_STR(dimg_client_socket_path(client), "");
    CHECK(ssh_children_are(0)); /* nothing runs before the first call */
    list_pull_remove(client, repository, reference);
    CHECK(count_ssh_children(0) >= 1);
    dimg_client_free(client);
    CHECK(ssh_children_are(0));

    /* A warm client keeps its ssh connection: calls one after another use one process. */
    dimg_client_options *options = options_for(host, config_dir);
    client = build(options);
    dimg_client_options_free(options);
    for (int i = 0; i < 5; i++) {
        dimg_ping *ping = NULL;
        CHECK_OK(dimg_client_ping(client, &ping));
        dimg_ping_free(ping);
        dimg_image_list *list = list_matching(client, repository);
        dimg_image_list_free(list);
    }
    CHECK(ssh_children_are(1));
    dimg_client_free(client);
    CHECK(ssh_children_are(0));

    free(rmi);
    free(reference);
    free(repository);
    PASS("ssh: list, pull, remove; one ssh process per pooled connection, none after free");
}

/* A ping through `host` fails with DIMG_RESULT_SSH naming `status` and `stderr_text`. */
static void ssh_fails(const char *variable, const char *status, const char *stderr_text) {
    const char *host = need_env(variable);
    dimg_client *client = NULL;
    CHECK_OK(dimg_client_new(host, 20000, &client));
    ping_fails(client, DIMG_RESULT_SSH);
    CHECK_CONTAINS(message, host);
    CHECK_CONTAINS(message, "system dial-stdio] has exited with exit status ");
    CHECK_CONTAINS(message, status);
    CHECK_CONTAINS(message, stderr_text);
    dimg_last_error_cli_message(message, sizeof message);
    CHECK(strncmp(message, "error during connect: command [ssh ", 35) == 0);
    /* Each call tries again, and fails the same way. */
    dimg_image_list *list = NULL;
    CHECK_CODE(dimg_client_list_images(client, NULL, &list), DIMG_RESULT_SSH);
    CHECK(list == NULL);
    dimg_client_free(client);
    CHECK(ssh_children_are(0));
}

static void ssh_faults(void) {
    ssh_fails("DIMG_TEST_SSH_UNREACHABLE", "exit status 255", "Connection refused");
    ssh_fails("DIMG_TEST_SSH_HOST_BAD_KEY", "exit status 255", "Permission denied (publickey)");
    ssh_fails("DIMG_TEST_SSH_HOST_UNKNOWN_KEY", "exit status 255", "Host key verification failed.");
    ssh_fails("DIMG_TEST_SSH_HOST_NO_DOCKER", "exit status 127", "docker: command not found");
    PASS("ssh faults: unreachable, unauthorized key, unknown host key, no docker; no child left");
}

/* ---------------------------------------------------------------------------------------- */
/* Contexts                                                                                  */
/* ---------------------------------------------------------------------------------------- */

/* The contents of `path` (free it), or NULL when it cannot be read. */
static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    char *text = (char *)calloc(1, 65536);
    if (text == NULL) abort();
    size_t n = fread(text, 1, 65535, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* A client of context `name` (options, no environment) lists images; returns its kind. */
static dimg_endpoint_kind list_through_context(const char *config_dir, const char *name) {
    dimg_client_options *options = dimg_client_options_new();
    CHECK_OK(dimg_client_options_set_config_dir(options, config_dir));
    CHECK_OK(dimg_client_options_set_context(options, name));
    dimg_client *client = build(options);
    dimg_client_options_free(options);
    CHECK_STR(dimg_client_context_name(client), name);
    dimg_image_list *list = list_matching(client, "dimgc-transports/*");
    dimg_image_list_free(list);
    dimg_endpoint_kind kind = dimg_client_endpoint_kind(client);
    dimg_client_free(client);
    CHECK(ssh_children_are(0));
    return kind;
}

/* dimg_client_new(NULL) with the environment as it is now: its context name and kind. */
static void from_env_is(const char *context, dimg_endpoint_kind kind, const char *host) {
    dimg_client *client = NULL;
    CHECK_OK(dimg_client_new(NULL, 0, &client));
    CHECK_STR(dimg_client_context_name(client), context);
    CHECK(dimg_client_endpoint_kind(client) == kind);
    if (host != NULL) CHECK_STR(dimg_client_host(client), host);
    dimg_ping *ping = NULL;
    CHECK_OK(dimg_client_ping(client, &ping));
    dimg_ping_free(ping);
    dimg_client_free(client);
    CHECK(ssh_children_are(0));
}

static void contexts(void) {
    char dir[] = "/tmp/dimgc-contexts-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    clean_environment(dir);
    const char *tls_host = need_env("DIMG_TEST_TLS_HOST");
    const char *ssh_host = need_env("DIMG_TEST_SSH_HOST");
    cert_files files = certs_in(need_env("DIMG_TEST_TLS_CERTS"));
    /* The real docker CLI writes the context store (meta.json, the TLS files). */
    char *command = fmt("docker --config '%s' context create dimgc-tls --docker 'host=%s,ca=%s,cert=%s,key=%s' "
                        ">/dev/null && docker --config '%s' context create dimgc-ssh --docker 'host=%s' >/dev/null",
                        dir, tls_host, files.ca, files.cert, files.key, dir, ssh_host);
    sh(command);
    free(command);

    CHECK(list_through_context(dir, "dimgc-tls") == DIMG_ENDPOINT_KIND_TLS);
    CHECK(list_through_context(dir, "dimgc-ssh") == DIMG_ENDPOINT_KIND_SSH);
    /* `default` is the built-in context: here the default socket (never used by the tests). */
    dimg_client_options *options = dimg_client_options_new();
    CHECK_OK(dimg_client_options_set_config_dir(options, dir));
    CHECK_OK(dimg_client_options_set_context(options, "default"));
    dimg_client *client = build(options);
    CHECK_STR(dimg_client_context_name(client), "default");
    CHECK_STR(dimg_client_host(client), "unix:///var/run/docker.sock");
    dimg_client_free(client);
    dimg_client_options_free(options);

    /* DOCKER_CONTEXT with dimg_client_new(NULL); DOCKER_HOST wins over it. */
    CHECK(setenv("DOCKER_CONTEXT", "dimgc-tls", 1) == 0);
    from_env_is("dimgc-tls", DIMG_ENDPOINT_KIND_TLS, tls_host);
    CHECK(setenv("DOCKER_CONTEXT", "dimgc-ssh", 1) == 0);
    from_env_is("dimgc-ssh", DIMG_ENDPOINT_KIND_SSH, ssh_host);
    CHECK(setenv("DOCKER_HOST", need_env("DIMG_TEST_TCP_HOST"), 1) == 0);
    from_env_is("default", DIMG_ENDPOINT_KIND_TCP, need_env("DIMG_TEST_TCP_HOST"));
    /* ... and a context of the options (--context) wins over DOCKER_HOST. */
    options = dimg_client_options_from_env();
    CHECK_OK(dimg_client_options_set_context(options, "dimgc-tls"));
    client = build(options);
    CHECK_STR(dimg_client_context_name(client), "dimgc-tls");
    dimg_client_free(client);
    dimg_client_options_free(options);
    clean_environment(dir);

    /* `docker context use`: the currentContext of config.json, from the environment's
     * DOCKER_CONFIG and from the options' config directory. */
    command = fmt("docker --config '%s' context use dimgc-ssh >/dev/null 2>&1", dir);
    sh(command);
    free(command);
    char *config_path = fmt("%s/config.json", dir);
    char *config_before = read_file(config_path);
    CHECK(config_before != NULL);
    CHECK_CONTAINS(config_before, "dimgc-ssh");
    from_env_is("dimgc-ssh", DIMG_ENDPOINT_KIND_SSH, ssh_host);
    char *other_dir = fmt("%s/other", dir);
    CHECK(mkdir(other_dir, 0700) == 0);
    CHECK(setenv("DOCKER_CONFIG", other_dir, 1) == 0); /* not this one: the options' wins */
    options = dimg_client_options_new();
    CHECK_OK(dimg_client_options_set_config_dir(options, dir));
    client = build(options);
    CHECK_STR(dimg_client_context_name(client), "dimgc-ssh");
    CHECK(dimg_client_endpoint_kind(client) == DIMG_ENDPOINT_KIND_SSH);
    dimg_client_free(client);
    dimg_client_options_free(options);
    clean_environment(dir);

    /* A context that does not exist: named in the message, from the options and from
     * DOCKER_CONTEXT. */
    options = dimg_client_options_new();
    CHECK_OK(dimg_client_options_set_config_dir(options, dir));
    CHECK_OK(dimg_client_options_set_context(options, "dimgc-nosuch"));
    client = NULL;
    CHECK_CODE(dimg_client_new_with_options(options, &client), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(last_message(message, sizeof message), "\"dimgc-nosuch\"");
    CHECK_CONTAINS(message, "context not found");
    CHECK(client == NULL);
    /* A host with a context, TLS settings with a context: refused as the docker CLI does. */
    CHECK_OK(dimg_client_options_set_host(options, tls_host));
    CHECK_CODE(dimg_client_new_with_options(options, &client), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_STR(last_message(message, sizeof message), "conflicting options: cannot specify both --host and --context");
    dimg_client_options_free(options);
    options = dimg_client_options_new();
    CHECK_OK(dimg_client_options_set_config_dir(options, dir));
    CHECK_OK(dimg_client_options_set_context(options, "dimgc-tls"));
    CHECK_OK(dimg_client_options_set_tls_verify(options, true));
    CHECK_CODE(dimg_client_new_with_options(options, &client), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(last_message(message, sizeof message), "context");
    CHECK(client == NULL);
    dimg_client_options_free(options);

    CHECK(setenv("DOCKER_CONTEXT", "dimgc-nosuch", 1) == 0);
    CHECK_CODE(dimg_client_new(NULL, 0, &client), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(last_message(message, sizeof message), "\"dimgc-nosuch\"");
    CHECK(client == NULL);
    clean_environment(dir);

    /* Reads never write the config directory. */
    char *config_after = read_file(config_path);
    CHECK(config_after != NULL);
    CHECK_STR(config_after, config_before);

    free(config_after);
    free(config_before);
    free(config_path);
    free(other_dir);
    command = fmt("rm -rf '%s'", dir);
    sh(command);
    free(command);
    PASS("contexts: docker context create/use, set_context + set_config_dir, DOCKER_CONTEXT, precedence, "
         "missing context");
}

int main(void) {
    char config_dir[] = "/tmp/dimgc-transports-XXXXXX"; /* an empty DOCKER_CONFIG */
    CHECK(mkdtemp(config_dir) != NULL);
    clean_environment(config_dir);
    /* The ssh on PATH must be the engine's wrapper (its private config and keys). */
    const char *path = getenv("PATH");
    CHECK(path != NULL && strncmp(path, need_env("DIMG_TEST_SSH_BIN"), strlen(need_env("DIMG_TEST_SSH_BIN"))) == 0);

    tls_list_pull_remove(config_dir);
    tls_faults(config_dir);
    ssh_list_pull_remove(config_dir);
    ssh_faults();
    contexts();

    CHECK(rmdir(config_dir) == 0); /* still empty: nothing was written there */
    CHECK(ssh_children_are(0));
    PASS("transports.c");
    return 0;
}
