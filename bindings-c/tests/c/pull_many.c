/* dimg_client_pull_many (totals over every image, per-image results, a stop from the callback,
 * refused input), and, through the engine's fault proxy, retries (a 503 retried into success, a
 * policy that gives up, a rate limit never retried) and a per-call idle limit against a stall.
 *
 * Owns $DIMG_TEST_REGISTRY/many-c/m1..m8:1.0, seeded by scripts/seed_registry.py (one 256 KiB
 * base layer shared by all eight, and a 64 KiB layer of each image's own; digests and sizes are
 * read from $DIMG_TEST_SEED), the same images through the proxy
 * ($DIMG_TEST_FAULT_PROXY/many-c/...), whose rules it scopes to /many-c/, and the missing
 * many-c/m9. Everything it pulled is removed at the end. */
#include "check.h"

#include <pthread.h>
#include <time.h>

enum { SET = 8, IMAGES = SET + 1, CONCURRENCY = 4 };

/* What the seed says about many-c/m1..m8. */
typedef struct {
    size_t images, layers;
    unsigned long long bytes; /* the sizes of the distinct layers, summed */
    char digest[SET][80];     /* manifest digests, m1 first */
} seed_set;

static seed_set read_seed(void) {
    char *command = fmt(
        "python3 -c 'import json, sys\n"
        "imgs = sorted((e for e in json.load(open(sys.argv[1])) if e[\"name\"].startswith(\"many-c/\")),"
        " key=lambda e: e[\"name\"])\n"
        "layers = {l[\"digest\"]: l[\"size\"] for e in imgs for l in e[\"layers\"]}\n"
        "print(len(imgs), len(layers), sum(layers.values()), *[e[\"manifest_digest\"] for e in imgs])' '%s'",
        need_env("DIMG_TEST_SEED"));
    char *out = shell_output(command);
    free(command);
    seed_set seed;
    memset(&seed, 0, sizeof seed);
    int used = 0;
    CHECK(sscanf(out, "%zu %zu %llu%n", &seed.images, &seed.layers, &seed.bytes, &used) == 3);
    CHECK(seed.images == SET);
    const char *rest = out + used;
    for (int i = 0; i < SET; i++) {
        int n = 0;
        CHECK(sscanf(rest, " %79s%n", seed.digest[i], &n) == 1);
        rest += n;
    }
    free(out);
    return seed;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------------------------------- */
/* What the pull_many callback saw                                                            */
/* ---------------------------------------------------------------------------------------- */

typedef struct {
    size_t updates;
    size_t stop_at; /* return non-zero for update number stop_at (1-based); 0 = never */
    size_t started[IMAGES], finished[IMAGES], events[IMAGES];
    dimg_result result[IMAGES];
    char reference[IMAGES][160];
    char message[IMAGES][512];
    size_t running, max_running;
    int out_of_order; /* an event or an end before the start, or anything after the end */
    int went_back;    /* a count of the totals that went down */
    size_t retries;   /* messages of phase RETRY */
    char retry_status[512];
    dimg_pull_totals last;
    pthread_t caller;
    int elsewhere; /* updates on another thread than the caller's */
    const dimg_client *client;
    dimg_result reentrant;
} recorder;

static recorder *new_recorder(void) {
    recorder *r = (recorder *)calloc(1, sizeof *r);
    if (r == NULL) abort();
    r->caller = pthread_self();
    return r;
}

static int record(void *userdata, const dimg_pull_many_progress *p) {
    recorder *r = (recorder *)userdata;
    CHECK(p != NULL && p->reference != NULL && p->message != NULL && p->index < IMAGES);
    if (!pthread_equal(r->caller, pthread_self())) r->elsewhere++;
    size_t i = p->index;
    if (r->finished[i] || (p->kind != DIMG_PULL_MANY_KIND_STARTED && !r->started[i])) r->out_of_order++;
    switch (p->kind) {
    case DIMG_PULL_MANY_KIND_STARTED:
        CHECK(p->event == NULL && p->result == DIMG_RESULT_OK);
        r->started[i]++;
        snprintf(r->reference[i], sizeof r->reference[i], "%s", p->reference);
        if (++r->running > r->max_running) r->max_running = r->running;
        break;
    case DIMG_PULL_MANY_KIND_EVENT:
        CHECK(p->event != NULL && p->event->id != NULL && p->event->status != NULL);
        CHECK(p->result == DIMG_RESULT_OK && p->message[0] == '\0');
        r->events[i]++;
        if (p->event->phase == DIMG_PULL_PHASE_RETRY) {
            r->retries++;
            CHECK_STR(p->event->id, "");
            snprintf(r->retry_status, sizeof r->retry_status, "%s", p->event->status);
        }
        break;
    case DIMG_PULL_MANY_KIND_FINISHED:
        CHECK(p->event == NULL);
        r->finished[i]++;
        r->running--;
        r->result[i] = p->result;
        CHECK((p->result == DIMG_RESULT_OK) == (p->message[0] == '\0'));
        snprintf(r->message[i], sizeof r->message[i], "%s", p->message);
        break;
    default:
        FAIL("unknown kind %d", (int)p->kind);
    }
    const dimg_pull_totals *t = &p->totals, *before = &r->last;
    if (r->updates > 0 &&
        (t->images != before->images || t->images_done < before->images_done ||
         t->images_failed < before->images_failed || t->layers < before->layers ||
         t->layers_done < before->layers_done || t->bytes_total < before->bytes_total ||
         t->elapsed_ms < before->elapsed_ms))
        r->went_back++;
    CHECK(t->layers_done <= t->layers && t->images_done + t->images_failed <= t->images);
    r->last = *t;
    if (r->client != NULL && r->updates == 0) {
        dimg_ping *ping = NULL;
        r->reentrant = dimg_client_ping(r->client, &ping);
        CHECK(ping == NULL);
    }
    r->updates++;
    return r->stop_at != 0 && r->updates >= r->stop_at;
}

static int never(void *userdata, const dimg_pull_many_progress *p) {
    (void)userdata;
    (void)p;
    FAIL("the callback must not be called when nothing is pulled");
}

/* ---------------------------------------------------------------------------------------- */
/* Images                                                                                      */
/* ---------------------------------------------------------------------------------------- */

/* "$DIMG_TEST_REGISTRY/many-c/mN:1.0" for N = 1..9, the last one missing from the registry. */
static char *refs[IMAGES];
/* The same through the fault proxy (m1 only is used). */
static char *proxied_m1;

static void remove_quietly(dimg_client *client, const char *const *names, size_t count) {
    dimg_remove_options *force = dimg_remove_options_new();
    CHECK_OK(dimg_remove_options_set_force(force, true));
    dimg_remove_report *report = NULL;
    CHECK_OK(dimg_client_remove_images(client, names, count, force, &report));
    dimg_remove_report_free(report);
    dimg_remove_options_free(force);
}

/* Removes every image of the set, so that none of its layers is present any more. */
static void remove_all(dimg_client *client) {
    remove_quietly(client, (const char *const *)refs, SET);
    const char *proxied[] = {proxied_m1};
    remove_quietly(client, proxied, 1);
}

static int present(dimg_client *client, const char *reference) {
    dimg_image_inspect *image = NULL;
    dimg_result rc = dimg_client_inspect_image(client, reference, &image);
    CHECK(rc == DIMG_RESULT_OK || rc == DIMG_RESULT_NOT_FOUND);
    dimg_image_inspect_free(image);
    return rc == DIMG_RESULT_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* pull_many                                                                                  */
/* ---------------------------------------------------------------------------------------- */

static void refused_before_anything_is_sent(dimg_client *client) {
    char message[512];
    remove_all(client);
    dimg_pull_many_result *result = NULL;
    const char *bad[] = {refs[0], "127.0.0.1:1/Many-C/Upper:1.0", refs[1]};
    CHECK_CODE(dimg_client_pull_many(client, bad, 3, NULL, CONCURRENCY, never, NULL, &result),
               DIMG_RESULT_INVALID_REFERENCE);
    CHECK_CONTAINS(last_message(message, sizeof message), "must be lowercase");
    const char *null_entry[] = {refs[0], NULL};
    CHECK_CODE(dimg_client_pull_many(client, null_entry, 2, NULL, CONCURRENCY, never, NULL, &result),
               DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_STR(last_message(message, sizeof message), "references[1] is NULL");
    const char *bad_utf8[] = {refs[0], "many-c/\xff"};
    CHECK_CODE(dimg_client_pull_many(client, bad_utf8, 2, NULL, CONCURRENCY, never, NULL, &result),
               DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_STR(last_message(message, sizeof message), "references[1] is not valid UTF-8");
    CHECK_CODE(dimg_client_pull_many(client, (const char *const *)refs, 2, NULL, 0, never, NULL, &result),
               DIMG_RESULT_INVALID_ARGUMENT);
    CHECK(result == NULL);
    CHECK(!present(client, refs[0]) && !present(client, refs[1])); /* nothing was pulled */

    /* Options pull_many checks for every reference first, as dimg_client_pull does. */
    dimg_pull_options *options = dimg_pull_options_new();
    CHECK_OK(dimg_pull_options_set_all_tags(options, true));
    CHECK_CODE(dimg_client_pull_many(client, (const char *const *)refs, 2, options, 2, never, NULL, &result),
               DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_STR(last_message(message, sizeof message), "tag can't be used with --all-tags/-a");
    dimg_pull_options_free(options);
    CHECK(result == NULL);
    PASS("pull_many: a bad reference, a NULL or non-UTF-8 one, concurrency 0: refused, nothing pulled");
}

static void eight_images_and_a_missing_one(dimg_client *client, const seed_set *seed) {
    remove_all(client);
    recorder *r = new_recorder();
    dimg_pull_many_result *result = NULL;
    CHECK_OK(dimg_client_pull_many(client, (const char *const *)refs, IMAGES, NULL, CONCURRENCY, record, r, &result));
    CHECK(result != NULL);
    CHECK(r->elsewhere == 0 && r->out_of_order == 0 && r->went_back == 0);
    CHECK(r->max_running == CONCURRENCY && r->running == 0);
    for (size_t i = 0; i < IMAGES; i++) {
        CHECK(r->started[i] == 1 && r->finished[i] == 1);
        CHECK_STR(r->reference[i], refs[i]);
        CHECK(r->result[i] == dimg_pull_many_result_code(result, i));
    }

    /* The totals, exactly what the seed says: 9 images, 8 pulled, 1 missing; 9 distinct layers
     * (the shared base once); on Docker every byte of them (Podman says no sizes). */
    const dimg_pull_totals *t = &r->last;
    printf("  totals: %zu images, %zu done, %zu failed, %zu/%zu layers, %llu/%llu bytes, %llu ms, "
           "%.0f B/s, eta %lld ms\n",
           t->images, t->images_done, t->images_failed, t->layers_done, t->layers,
           (unsigned long long)t->bytes_done, (unsigned long long)t->bytes_total,
           (unsigned long long)t->elapsed_ms, t->rate, (long long)t->eta_ms);
    CHECK(t->images == IMAGES && t->images_done == SET && t->images_failed == 1);
    if (is_podman()) {
        /* Podman's stream also names each image's config blob like a layer ("Pulling fs layer",
         * "Download complete" under the image id), and says no sizes. */
        CHECK(t->layers == seed->layers + SET && t->layers_done == seed->layers + SET);
        CHECK(t->bytes_done == 0 && t->bytes_total == 0 && t->rate == 0.0 && t->eta_ms == -1);
    } else {
        CHECK(t->layers == seed->layers && t->layers_done == seed->layers);
        CHECK(t->bytes_total == seed->bytes && t->bytes_done == seed->bytes);
        CHECK(t->rate > 0.0 && t->eta_ms == 0);
    }
    CHECK(t->elapsed_ms > 0);
    const dimg_pull_totals *end = dimg_pull_many_result_totals(result);
    CHECK(end != NULL && memcmp(end, t, sizeof *t) == 0); /* the last update's */

    /* Per image, in the order given. */
    CHECK(dimg_pull_many_result_len(result) == IMAGES);
    for (size_t i = 0; i < SET; i++) {
        CHECK(dimg_pull_many_result_code(result, i) == DIMG_RESULT_OK);
        CHECK_STR(dimg_pull_many_result_message(result, i), "");
        CHECK(dimg_pull_many_result_http_status(result, i) == 0 && dimg_pull_many_result_attempts(result, i) == 1);
        CHECK(dimg_pull_many_result_outcome(result, i) == DIMG_PULL_OUTCOME_DOWNLOADED);
        CHECK_STR(dimg_pull_many_result_digest(result, i), seed->digest[i]);
        CHECK(r->events[i] >= 2);
        CHECK(present(client, refs[i]));
    }
    CHECK(dimg_pull_many_result_code(result, SET) == DIMG_RESULT_NOT_FOUND);
    CHECK(dimg_pull_many_result_http_status(result, SET) == 404);
    CHECK_CONTAINS(dimg_pull_many_result_message(result, SET), "many-c/m9");
    CHECK_STR(r->message[SET], dimg_pull_many_result_message(result, SET));
    CHECK(dimg_pull_many_result_attempts(result, SET) == 1);
    CHECK(dimg_pull_many_result_outcome(result, SET) == DIMG_PULL_OUTCOME_UNKNOWN);
    CHECK_STR(dimg_pull_many_result_digest(result, SET), "");
    /* Out of range. */
    CHECK(dimg_pull_many_result_code(result, IMAGES) == DIMG_RESULT_INVALID_ARGUMENT);
    CHECK(dimg_pull_many_result_message(result, IMAGES) == NULL && dimg_pull_many_result_digest(result, IMAGES) == NULL);
    dimg_pull_many_result_free(result);
    free(r);

    /* Again, without a callback: everything is there already. */
    result = NULL;
    CHECK_OK(dimg_client_pull_many(client, (const char *const *)refs, SET, NULL, CONCURRENCY, NULL, NULL, &result));
    end = dimg_pull_many_result_totals(result);
    CHECK(end->images == SET && end->images_done == SET && end->images_failed == 0);
    CHECK(end->bytes_done == 0 && end->bytes_total == 0 && end->eta_ms == -1);
    for (size_t i = 0; i < SET; i++) {
        CHECK(dimg_pull_many_result_code(result, i) == DIMG_RESULT_OK);
        CHECK(dimg_pull_many_result_outcome(result, i) == DIMG_PULL_OUTCOME_UP_TO_DATE);
        CHECK_STR(dimg_pull_many_result_digest(result, i), seed->digest[i]);
    }
    dimg_pull_many_result_free(result);
    PASS("pull_many of 8 images and a missing one: exact totals, results in order");
}

static void stopped_by_the_callback(dimg_client *client) {
    char message[512];
    for (size_t at = 1; at <= 7; at += 6) { /* on the first start, and inside the pulls */
        remove_all(client);
        recorder *r = new_recorder();
        r->stop_at = at;
        r->client = client;
        dimg_pull_many_result *result = NULL;
        CHECK_CODE(dimg_client_pull_many(client, (const char *const *)refs, IMAGES, NULL, CONCURRENCY, record, r, &result),
                   DIMG_RESULT_CANCELLED);
        CHECK(result == NULL);
        CHECK(r->updates == at); /* never called again after stopping */
        CHECK(r->reentrant == DIMG_RESULT_REENTRANT);
        CHECK_CONTAINS(last_message(message, sizeof message), "cancelled");
        CHECK(dimg_last_error_http_status() == 0 && dimg_last_error_attempts() == 1);
        free(r);
    }
    /* The client is fine afterwards. */
    dimg_pull_many_result *result = NULL;
    CHECK_OK(dimg_client_pull_many(client, (const char *const *)refs, 2, NULL, 1, NULL, NULL, &result));
    CHECK(dimg_pull_many_result_code(result, 0) == DIMG_RESULT_OK && dimg_pull_many_result_code(result, 1) == DIMG_RESULT_OK);
    dimg_pull_many_result_free(result);
    PASS("pull_many stopped by its callback: CANCELLED, no result, no further call; REENTRANT inside");
}

/* ---------------------------------------------------------------------------------------- */
/* Through the fault proxy: per-call timeouts and retries                                     */
/* ---------------------------------------------------------------------------------------- */

static const char *MY_RULES = "{\"path\": \"/many-c/\"}";

/* What dimg_client_pull's callback saw of retries. */
typedef struct {
    size_t events, retries;
    char retry_status[512];
} pull_recorder;

static int record_pull(void *userdata, const dimg_pull_progress *p) {
    pull_recorder *r = (pull_recorder *)userdata;
    r->events++;
    if (p->phase == DIMG_PULL_PHASE_RETRY) {
        r->retries++;
        CHECK_STR(p->id, "");
        snprintf(r->retry_status, sizeof r->retry_status, "%s", p->status);
    }
    return 0;
}

static dimg_client *with_retry(dimg_client *client, uint32_t attempts, uint32_t backoff_ms) {
    dimg_retry_policy *policy = dimg_retry_policy_new(attempts);
    CHECK_OK(dimg_retry_policy_set_initial_backoff_ms(policy, backoff_ms));
    CHECK_OK(dimg_retry_policy_set_jitter(policy, 0.0));
    CHECK_OK(dimg_retry_policy_set_max_elapsed_ms(policy, 60000));
    dimg_client *patient = NULL;
    CHECK_OK(dimg_client_with_retry(client, policy, &patient));
    dimg_retry_policy_free(policy); /* the client has its copy */
    return patient;
}

static void idle_limit_against_a_stall(dimg_client *client) {
    char message[512];
    remove_all(client); /* no layer present: the pull must fetch the blobs */
    /* Stalled for 5 s, then forwarded: dockerd keeps the blob downloads the cancelled pull
     * started and lets the next pull of m1 wait for them, so they must end soon. */
    fault_rules("POST", "[{\"path\": \"/many-c/m1/blobs/\", \"action\": \"stall\", \"seconds\": 5, \"times\": 10}]");
    dimg_timeouts limits;
    CHECK_OK(dimg_client_timeouts(client, &limits));
    limits.idle_ms = 1500;
    dimg_client *impatient = NULL;
    CHECK_OK(dimg_client_with_timeouts(client, &limits, &impatient));
    dimg_timeouts read;
    CHECK_OK(dimg_client_timeouts(impatient, &read));
    CHECK(read.idle_ms == 1500 && read.total_ms == 60000 && read.connect_ms == 5000);

    pull_recorder r = {0, 0, {0}};
    double started = now_s();
    CHECK_CODE(dimg_client_pull(impatient, proxied_m1, NULL, record_pull, &r, NULL), DIMG_RESULT_TIMEOUT);
    double took = now_s() - started;
    printf("  stalled pull gave up after %.1fs (idle limit 1.5s, %zu messages before)\n", took, r.events);
    CHECK(took >= 1.4 && took < 15.0);
    CHECK(r.events >= 1); /* the stream had started: the idle limit, not the total one, ended it */
    CHECK_CONTAINS(last_message(message, sizeof message), "within 1.5s");
    dimg_client_free(impatient);
    /* The client it came from keeps its own limits. */
    CHECK_OK(dimg_client_timeouts(client, &read));
    CHECK(read.idle_ms == 60000);
    fault_rules("DELETE", MY_RULES);
    PASS("with_timeouts: an idle limit of 1.5 s against a stalled blob is TIMEOUT, quickly");
}

static void retried_503_then_success(dimg_client *client) {
    char message[512];
    /* One daemon attempt asks for the manifest twice (HEAD, then GET): both answered 503, the
     * pull fails, as it does without a retry policy. */
    const char *two_503 = "[{\"path\": \"/many-c/m1/manifests\", \"action\": \"503\", \"times\": 2}]";
    fault_rules("POST", two_503);
    pull_recorder r = {0, 0, {0}};
    dimg_result failed = dimg_client_pull(client, proxied_m1, NULL, record_pull, &r, NULL);
    CHECK(failed != DIMG_RESULT_OK && failed == dimg_last_error_code());
    CHECK_CONTAINS(last_message(message, sizeof message), "503 Service Unavailable");
    CHECK(dimg_last_error_attempts() == 1 && r.retries == 0);

    /* The same with a retry policy: the second attempt succeeds, and the retry was said. */
    fault_rules("POST", two_503);
    dimg_client *patient = with_retry(client, 3, 100);
    memset(&r, 0, sizeof r);
    dimg_pull_summary *summary = NULL;
    CHECK_OK(dimg_client_pull(patient, proxied_m1, NULL, record_pull, &r, &summary));
    CHECK(r.retries == 1);
    CHECK_CONTAINS(r.retry_status, "Attempt 2 of 3 in 0.1s after: ");
    CHECK_CONTAINS(r.retry_status, "503 Service Unavailable");
    CHECK(dimg_pull_summary_outcome(summary) == DIMG_PULL_OUTCOME_DOWNLOADED);
    CHECK(dimg_pull_summary_events(summary) >= 3);
    dimg_pull_summary_free(summary);
    CHECK(present(client, proxied_m1));
    dimg_client_free(patient);
    fault_rules("DELETE", MY_RULES);
    PASS("a 503 (twice, one daemon attempt) retried by the policy: success, a RETRY message");
}

static void a_policy_that_gives_up(dimg_client *client) {
    char message[512];
    fault_rules("POST", "[{\"path\": \"/many-c/m1/manifests\", \"action\": \"503\", \"times\": 20}]");
    dimg_client *patient = with_retry(client, 2, 50);
    pull_recorder r = {0, 0, {0}};
    dimg_result code = dimg_client_pull(patient, proxied_m1, NULL, record_pull, &r, NULL);
    /* The last attempt's code (the daemon's 500 naming the registry's 503), the whole story in
     * the message. */
    CHECK_CODE(code, DIMG_RESULT_API);
    CHECK(dimg_last_error_http_status() == 500);
    CHECK(dimg_last_error_attempts() == 2);
    CHECK_CONTAINS(last_message(message, sizeof message), "gave up after 2 attempts: ");
    CHECK(strncmp(message, "gave up after 2 attempts: ", 26) == 0);
    CHECK(r.retries == 1);

    /* pull_many: the image's own result says the same; the retry is one of its messages. */
    recorder *many = new_recorder();
    const char *one[] = {proxied_m1};
    dimg_pull_many_result *result = NULL;
    CHECK_OK(dimg_client_pull_many(patient, one, 1, NULL, 1, record, many, &result));
    CHECK(dimg_pull_many_result_code(result, 0) == DIMG_RESULT_API);
    CHECK(dimg_pull_many_result_http_status(result, 0) == 500);
    CHECK(dimg_pull_many_result_attempts(result, 0) == 2);
    CHECK(strncmp(dimg_pull_many_result_message(result, 0), "gave up after 2 attempts: ", 26) == 0);
    CHECK(many->retries == 1 && many->result[0] == DIMG_RESULT_API);
    CHECK_CONTAINS(many->retry_status, "Attempt 2 of 2 in 0.1s after: ");
    CHECK(dimg_pull_many_result_totals(result)->images_failed == 1);
    dimg_pull_many_result_free(result);
    free(many);
    dimg_client_free(patient);
    fault_rules("DELETE", MY_RULES);
    PASS("a policy that gives up: the last attempt's code, \"gave up after 2 attempts\", attempts 2");
}

static void rate_limit_is_never_retried(dimg_client *client) {
    char message[512];
    const char *proxied[] = {proxied_m1};
    remove_quietly(client, proxied, 1);
    fault_rules("POST", "[{\"path\": \"/many-c/m1/manifests\", \"action\": \"429\", \"times\": 20}]");
    dimg_client *patient = with_retry(client, 3, 50);
    pull_recorder r = {0, 0, {0}};
    CHECK_CODE(dimg_client_pull(patient, proxied_m1, NULL, record_pull, &r, NULL), DIMG_RESULT_RATE_LIMITED);
    CHECK(dimg_last_error_attempts() == 1);
    CHECK(r.retries == 0);
    CHECK_CONTAINS(last_message(message, sizeof message), "pull rate limit");
    CHECK(strstr(message, "gave up") == NULL);
    dimg_client_free(patient);
    fault_rules("DELETE", MY_RULES);
    CHECK(!present(client, proxied_m1));
    PASS("a 429 with a retry policy: RATE_LIMITED on the first attempt, no retry");
}

int main(void) {
    need_env("DIMG_TEST_DOCKER_HOST");
    seed_set seed = read_seed();
    for (int i = 0; i < IMAGES; i++) {
        char *name = fmt("many-c/m%d:1.0", i + 1);
        refs[i] = registry_image(name);
        free(name);
    }
    proxied_m1 = fmt("%s/many-c/m1:1.0", need_env("DIMG_TEST_FAULT_PROXY"));

    /* A client whose limits are its own (60 s), not the defaults. */
    dimg_client *client = test_client();
    refused_before_anything_is_sent(client);
    eight_images_and_a_missing_one(client, &seed);
    stopped_by_the_callback(client);

    if (is_podman()) {
        /* As core/tests/registry_faults.rs: Podman's registries.conf (scripts/engine.sh) does
         * not list the fault proxy as an insecure registry, so Podman cannot pull through it. */
        printf("fault proxy sections: Docker only\n");
    } else {
        fault_rules("DELETE", MY_RULES); /* what an interrupted earlier run may have left */
        idle_limit_against_a_stall(client);
        retried_503_then_success(client);
        a_policy_that_gives_up(client);
        rate_limit_is_never_retried(client);
    }

    remove_all(client);
    CHECK(!present(client, refs[0]));
    dimg_client_free(client);
    for (int i = 0; i < IMAGES; i++) free(refs[i]);
    free(proxied_m1);
    CHECK_OK(dimg_shutdown());
    PASS("pull_many.c");
    return 0;
}
