/* 200 concurrent operations (list, inspect, search, pull of distinct images, remove) from 16
 * pthreads on one shared client: all succeed, and no connection is left open afterwards.
 * Uses the seeded images load/l001 .. load/l030. */
#include "check.h"

#include <dirent.h>
#include <pthread.h>

enum { THREADS = 16, OPS = 200, PULLS = 20, REMOVES = 10 };

static dimg_client *shared;
static const char *stable;
static const char *term;
static char *pulls[PULLS];
static char *removes[REMOVES];
static int next_op;
static int failures;
static char failure[512];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int open_fds(void) {
    int n = 0;
    DIR *dir = opendir("/proc/self/fd");
    CHECK(dir != NULL);
    while (readdir(dir) != NULL) n++;
    closedir(dir);
    return n;
}

static void fail(int op, dimg_result code) {
    pthread_mutex_lock(&lock);
    if (failures++ == 0) {
        char m[256];
        dimg_last_error_message(m, sizeof m);
        snprintf(failure, sizeof failure, "operation %d: %s: %s", op, dimg_result_name(code), m);
    }
    pthread_mutex_unlock(&lock);
}

static void run(int op) {
    dimg_result code;
    if (op < PULLS) {
        code = dimg_client_pull(shared, pulls[op], NULL, NULL, NULL, NULL);
    } else if (op < PULLS + REMOVES) {
        dimg_removed_items *removed = NULL;
        code = dimg_client_remove_image(shared, removes[op - PULLS], NULL, &removed);
        dimg_removed_items_free(removed);
    } else if (op % 3 == 0) {
        dimg_image_list *list = NULL;
        code = dimg_client_list_images(shared, NULL, &list);
        dimg_image_list_free(list);
    } else if (op % 3 == 1) {
        dimg_image_inspect *image = NULL;
        code = dimg_client_inspect_image(shared, stable, &image);
        dimg_image_inspect_free(image);
    } else {
        dimg_search_options *options = dimg_search_options_new();
        dimg_search_options_set_limit(options, 5);
        dimg_search_results *results = NULL;
        code = dimg_client_search(shared, term, options, &results);
        dimg_search_results_free(results);
        dimg_search_options_free(options);
    }
    if (code != DIMG_RESULT_OK) fail(op, code);
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&lock);
        int op = next_op < OPS ? next_op++ : -1;
        pthread_mutex_unlock(&lock);
        if (op < 0) return NULL;
        run(op);
    }
}

int main(void) {
    need_env("DIMG_TEST_DOCKER_HOST");
    char *stable_ref = registry_image("tiny:1.0");
    char *search_term = fmt("%s/tomcat", need_env("DIMG_TEST_INDEX"));
    stable = stable_ref;
    term = search_term;
    dimg_remove_options *force = dimg_remove_options_new();
    CHECK_OK(dimg_remove_options_set_force(force, true));

    /* Set up the images the load pulls and removes, before the descriptor count is taken. */
    dimg_client *warm = test_client();
    CHECK_OK(dimg_client_pull(warm, stable, NULL, NULL, NULL, NULL));
    for (int i = 0; i < PULLS; i++) {
        pulls[i] = fmt("%s/load/l%03d:1.0", need_env("DIMG_TEST_REGISTRY"), i + 1);
        dimg_removed_items *removed = NULL;
        dimg_client_remove_image(warm, pulls[i], force, &removed);
        dimg_removed_items_free(removed);
    }
    for (int i = 0; i < REMOVES; i++) {
        removes[i] = fmt("%s/load/l%03d:1.0", need_env("DIMG_TEST_REGISTRY"), PULLS + i + 1);
        CHECK_OK(dimg_client_pull(warm, removes[i], NULL, NULL, NULL, NULL));
    }
    dimg_client_free(warm);
    int baseline = open_fds();

    shared = test_client();
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, worker, NULL) == 0);
    for (int i = 0; i < THREADS; i++) CHECK(pthread_join(threads[i], NULL) == 0);
    if (failures) FAIL("%d of %d operations failed; first: %s", failures, OPS, failure);

    for (int i = 0; i < PULLS; i++) {
        dimg_removed_items *removed = NULL;
        CHECK_OK(dimg_client_remove_image(shared, pulls[i], NULL, &removed));
        dimg_removed_items_free(removed);
    }
    for (int i = 0; i < REMOVES; i++) {
        dimg_image_inspect *image = NULL;
        CHECK_CODE(dimg_client_inspect_image(shared, removes[i], &image), DIMG_RESULT_NOT_FOUND);
    }
    dimg_client_free(shared);
    /* The client is gone: its pooled connections are closed. */
    CHECK(open_fds() <= baseline);

    for (int i = 0; i < PULLS; i++) free(pulls[i]);
    for (int i = 0; i < REMOVES; i++) free(removes[i]);
    dimg_remove_options_free(force);
    free(stable_ref);
    free(search_term);
    CHECK_OK(dimg_shutdown());
    PASS("load.c: 200 concurrent operations on one client from 16 threads");
    return 0;
}
