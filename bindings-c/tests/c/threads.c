/* One client shared by several pthreads (and clients of their own), with per-thread last
 * errors; the daemon accessors (ping, version, info); fork(); dimg_shutdown and restart.
 *
 * Read-only against the engine: it pulls and removes nothing. */
#include "check.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

enum { THREADS = 8, ROUNDS = 4 };

typedef struct {
    dimg_client *shared;
    int index;
    const char *term;
    int failures;
    char failure[512];
} job;

#define JOB_CHECK(j, cond)                                                                  \
    do {                                                                                    \
        if (!(cond) && (j)->failures++ == 0) {                                              \
            char m_[256];                                                                   \
            dimg_last_error_message(m_, sizeof m_);                                         \
            snprintf((j)->failure, sizeof (j)->failure, "thread %d, line %d: %s (last error: %s)", \
                     (j)->index, __LINE__, #cond, m_);                                      \
        }                                                                                   \
    } while (0)

static void *worker(void *arg) {
    job *j = (job *)arg;
    dimg_client *own = NULL;
    dimg_client *client = j->shared;
    if (j->index % 4 == 3) { /* some threads use a client of their own */
        JOB_CHECK(j, dimg_client_new(need_env("DIMG_TEST_DOCKER_HOST"), 60000, &own) == DIMG_RESULT_OK);
        client = own;
    }
    char name[64], expected[128], message[256];
    for (int round = 0; round < ROUNDS; round++) {
        dimg_ping *ping = NULL;
        JOB_CHECK(j, dimg_client_ping(client, &ping) == DIMG_RESULT_OK);
        JOB_CHECK(j, strcmp(dimg_ping_api_version(ping), "1.41") == 0);
        dimg_ping_free(ping);

        dimg_list_options *options = dimg_list_options_new();
        JOB_CHECK(j, dimg_list_options_add_filter(options, "dangling=false") == DIMG_RESULT_OK);
        dimg_image_list *list = NULL;
        JOB_CHECK(j, dimg_client_list_images(client, options, &list) == DIMG_RESULT_OK);
        for (size_t i = 0; i < dimg_image_list_len(list); i++)
            JOB_CHECK(j, !dimg_image_is_dangling(dimg_image_list_get(list, i)));
        dimg_image_list_free(list);
        dimg_list_options_free(options);

        /* Each thread's own failure stays its own, whatever the others do meanwhile. */
        snprintf(name, sizeof name, "dimgc-threads/nosuch-%d-%d:1", j->index, round);
        snprintf(expected, sizeof expected, is_podman() ? "%s: No such image" : "No such image: %s", name);
        dimg_image_inspect *image = NULL;
        JOB_CHECK(j, dimg_client_inspect_image(client, name, &image) == DIMG_RESULT_NOT_FOUND);
        JOB_CHECK(j, image == NULL);
        dimg_last_error_message(message, sizeof message);
        JOB_CHECK(j, strstr(message, expected) != NULL);
        JOB_CHECK(j, dimg_last_error_http_status() == 404);
        dimg_search_options *search_options = dimg_search_options_new();
        /* any call returning a dimg_result clears the thread's last error, setters too */
        JOB_CHECK(j, dimg_search_options_set_limit(search_options, (uint32_t)(j->index % 5 + 1)) == DIMG_RESULT_OK);
        JOB_CHECK(j, dimg_last_error_code() == DIMG_RESULT_OK && dimg_last_error_http_status() == 0);

        dimg_search_results *results = NULL;
        JOB_CHECK(j, dimg_client_search(client, j->term, search_options, &results) == DIMG_RESULT_OK);
        JOB_CHECK(j, dimg_search_results_len(results) == (size_t)(j->index % 5 + 1));
        dimg_search_results_free(results);
        dimg_search_options_free(search_options);
        JOB_CHECK(j, dimg_last_error_code() == DIMG_RESULT_OK);
    }
    dimg_client_free(own);
    return NULL;
}

static void shared_client(dimg_client *client, const char *term) {
    pthread_t threads[THREADS];
    job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].shared = client;
        jobs[i].index = i;
        jobs[i].term = term;
        CHECK(pthread_create(&threads[i], NULL, worker, &jobs[i]) == 0);
    }
    /* Meanwhile, a failure on the main thread. */
    dimg_image_inspect *image = NULL;
    CHECK_CODE(dimg_client_inspect_image(client, "dimgc-threads/main:1", &image), DIMG_RESULT_NOT_FOUND);
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        if (jobs[i].failures) FAIL("%s", jobs[i].failure);
    }
    char message[256];
    CHECK_CONTAINS(last_message(message, sizeof message), "dimgc-threads/main:1");
    PASS("one client, eight threads (two with clients of their own), per-thread last errors");
}

/* Ping, version and info; Podman answers with its own versions and headers, and has fewer
 * daemon-wide settings. */
static void daemon_accessors(dimg_client *client) {
    dimg_ping *ping = NULL;
    CHECK_OK(dimg_client_ping(client, &ping));
    CHECK_STR(dimg_ping_api_version(ping), "1.41");
    CHECK_CONTAINS(dimg_ping_server(ping), BY_ENGINE("Docker/20.10", "Libpod/4."));
    CHECK(dimg_ping_is_podman(ping) == is_podman());
    if (is_podman()) {
        CHECK(dimg_ping_libpod_api_version(ping)[0] == '4');
    } else {
        CHECK_STR(dimg_ping_os_type(ping), "linux");
        CHECK(dimg_ping_builder_version(ping) != NULL);
        CHECK_STR(dimg_ping_libpod_api_version(ping), "");
        CHECK(!dimg_ping_experimental(ping));
    }
    dimg_ping_free(ping);

    uint16_t major = 0, minor = 0;
    CHECK_OK(dimg_client_api_version(client, &major, &minor));
    CHECK(major == 1 && minor == 41);

    dimg_daemon_version *version = NULL;
    CHECK_OK(dimg_client_version(client, &version));
    const char *release = BY_ENGINE("20.10", "4.");
    CHECK(strncmp(dimg_daemon_version_version(version), release, strlen(release)) == 0);
    CHECK_STR(dimg_daemon_version_api_version(version), "1.41");
    CHECK_STR(dimg_daemon_version_os(version), "linux");
    if (is_podman()) {
        dimg_daemon_version_free(version);
        dimg_daemon_info *info = NULL;
        CHECK_OK(dimg_client_info(client, &info));
        CHECK_STR(dimg_daemon_info_driver(info), "vfs");
        CHECK(dimg_daemon_info_images(info) >= 0);
        dimg_daemon_info_free(info);
        PASS("ping, API version, version, info (Podman)");
        return;
    }
    CHECK_STR(dimg_daemon_version_min_api_version(version), "1.12");
    CHECK_STR(dimg_daemon_version_arch(version), "amd64");
    CHECK(dimg_daemon_version_kernel_version(version)[0] != '\0');
    CHECK(dimg_daemon_version_git_commit(version) != NULL);
    CHECK(strncmp(dimg_daemon_version_go_version(version), "go", 2) == 0);
    const dimg_labels *components = dimg_daemon_version_components(version);
    CHECK(dimg_labels_len(components) >= 1);
    CHECK_STR(dimg_labels_key(components, 0), "Engine");
    CHECK_STR(dimg_labels_find(components, "Engine"), dimg_daemon_version_version(version));
    dimg_daemon_version_free(version);

    dimg_daemon_info *info = NULL;
    CHECK_OK(dimg_client_info(client, &info));
    CHECK_STR(dimg_daemon_info_driver(info), "vfs");
    char *root = fmt("%s/root", need_env("DIMG_ENGINE_DIR"));
    CHECK_STR(dimg_daemon_info_docker_root_dir(info), root);
    free(root);
    CHECK_STR(dimg_daemon_info_index_server_address(info), "https://index.docker.io/v1/");
    CHECK(strncmp(dimg_daemon_info_server_version(info), "20.10", 5) == 0);
    CHECK(dimg_daemon_info_operating_system(info)[0] != '\0');
    CHECK(dimg_daemon_info_images(info) >= 0 && dimg_daemon_info_containers(info) >= 0);
    const dimg_strings *mirrors = dimg_daemon_info_registry_mirrors(info);
    char *mirror = fmt("http://%s/", need_env("DIMG_TEST_MIRROR"));
    CHECK(dimg_strings_len(mirrors) == 1);
    CHECK_STR(dimg_strings_get(mirrors, 0), mirror);
    free(mirror);
    const dimg_strings *insecure = dimg_daemon_info_insecure_registry_cidrs(info);
    CHECK(dimg_strings_len(insecure) >= 1);
    CHECK_STR(dimg_strings_get(insecure, 0), "127.0.0.0/8");
    dimg_daemon_info_free(info);
    PASS("ping, API version, version, info");
}

/* A child of fork() uses libdimg with a client of its own (libdimg has no threads or global
 * state to lose in the child). With `live` the parent holds clients at fork() time; the child
 * leaves with _exit (no LeakSanitizer report of the parent's objects), and the valgrind run
 * (DIMG_TEST_VALGRIND=1, which also checks children) only forks once the parent freed its
 * clients. dimg_shutdown is kept for programs written against earlier versions and does nothing. */
static void fork_child(int live) {
    if (!live) CHECK_OK(dimg_shutdown());
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dimg_client *client = test_client();
        dimg_image_list *list = NULL;
        int ok = dimg_client_list_images(client, NULL, &list) == DIMG_RESULT_OK;
        dimg_image_list_free(list);
        dimg_client_free(client);
        ok &= dimg_shutdown() == DIMG_RESULT_OK;
        if (live) _exit(ok ? 0 : 3);
        exit(ok ? 0 : 3);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    PASS(live ? "a fork() child of a running libdimg, with a client of its own"
              : "a fork() child after dimg_shutdown, with a client of its own");
}

/* One daemon.json edited at once by threads and by forked processes: every mirror lands. */
enum { MIRROR_THREADS = 6, MIRROR_PROCESSES = 6 };
static char mirror_file[128];

static void *add_mirror(void *arg) {
    char url[64];
    snprintf(url, sizeof url, "https://t%d.example.com", (int)(intptr_t)arg);
    bool changed = false;
    return (void *)(intptr_t)(dimg_daemon_config_add_mirror(mirror_file, url, &changed) == DIMG_RESULT_OK && changed);
}

static void concurrent_mirror_edits(void) {
    /* Under valgrind (which follows children) a child of this process, whose client is alive,
     * would report the parent's allocations at its _exit: threads only there. */
    const char *valgrind = getenv("DIMG_TEST_VALGRIND");
    int processes = valgrind != NULL && strcmp(valgrind, "1") == 0 ? 0 : MIRROR_PROCESSES;
    snprintf(mirror_file, sizeof mirror_file, "/tmp/dimg-c-mirror-%d.json", (int)getpid());
    FILE *f = fopen(mirror_file, "w");
    CHECK(f != NULL);
    fputs("{\"debug\": true}\n", f);
    fclose(f);
    pid_t children[MIRROR_PROCESSES];
    for (int i = 0; i < processes; i++) {
        children[i] = fork();
        CHECK(children[i] >= 0);
        if (children[i] == 0) {
            char url[64];
            snprintf(url, sizeof url, "https://p%d.example.com", i);
            _exit(dimg_daemon_config_add_mirror(mirror_file, url, NULL) == DIMG_RESULT_OK ? 0 : 1);
        }
    }
    pthread_t threads[MIRROR_THREADS];
    for (int i = 0; i < MIRROR_THREADS; i++)
        CHECK(pthread_create(&threads[i], NULL, add_mirror, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < MIRROR_THREADS; i++) {
        void *ok = NULL;
        CHECK(pthread_join(threads[i], &ok) == 0 && ok != NULL);
    }
    for (int i = 0; i < processes; i++) {
        int status = 0;
        CHECK(waitpid(children[i], &status, 0) == children[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    char text[4096] = {0};
    f = fopen(mirror_file, "r");
    CHECK(f != NULL);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    CHECK(n > 0 && strstr(text, "\"debug\": true") != NULL);
    for (int i = 0; i < MIRROR_THREADS + processes; i++) {
        char url[64];
        snprintf(url, sizeof url, "\"https://%c%d.example.com/\"", i < MIRROR_THREADS ? 't' : 'p',
                 i < MIRROR_THREADS ? i : i - MIRROR_THREADS);
        CHECK(strstr(text, url) != NULL);
    }
    remove(mirror_file);
    char lock[160];
    snprintf(lock, sizeof lock, "/tmp/.dimg-c-mirror-%d.json.lock", (int)getpid());
    remove(lock);
    PASS(processes ? "6 threads and 6 processes add mirrors to one daemon.json at once: none is lost"
                   : "6 threads add mirrors to one daemon.json at once: none is lost");
}

static void shutdown_and_restart(void) {
    CHECK_OK(dimg_shutdown());
    CHECK_OK(dimg_shutdown()); /* twice is fine */
    dimg_client *client = test_client();
    dimg_ping *ping = NULL;
    CHECK_OK(dimg_client_ping(client, &ping));
    dimg_ping_free(ping);
    dimg_client_free(client);
    PASS("dimg_shutdown, then use again");
}

int main(void) {
    need_env("DIMG_TEST_DOCKER_HOST");
    char *term = fmt("%s/tomcat", need_env("DIMG_TEST_INDEX"));
    dimg_client *client = test_client();

    daemon_accessors(client);
    shared_client(client, term);
    concurrent_mirror_edits();
    const char *valgrind = getenv("DIMG_TEST_VALGRIND");
    if (valgrind == NULL || strcmp(valgrind, "1") != 0) fork_child(1);
    dimg_client_free(client);
    fork_child(0);

    free(term);
    shutdown_and_restart();
    CHECK_OK(dimg_shutdown());
    PASS("threads.c");
    return 0;
}
