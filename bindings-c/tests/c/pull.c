/* docker pull through libdimg: progress callbacks, summaries, cancellation, re-entry, all tags,
 * platform, digests, failures, and pulls from several threads at once.
 *
 * Owns $DIMG_TEST_REGISTRY/t/p40:1.0 (removed at the end). Also pulls $DIMG_TEST_REGISTRY/tiny,
 * which has no latest tag (a real 404, nothing is stored). */
#include "check.h"

#include <pthread.h>

static const char *P40_DIGEST = "sha256:d0ea81f1e24ee32b222c0195e878cab20b29d3af5a0cf388b35774056ec6eb6a";

enum { MAX_EVENTS = 64 };

typedef struct {
    size_t count;
    char status[MAX_EVENTS][160];
    char id[MAX_EVENTS][80];
    dimg_pull_phase phase[MAX_EVENTS];
    uint64_t current[MAX_EVENTS], total[MAX_EVENTS];
    size_t cancel_at; /* return non-zero for event number cancel_at (1-based); 0 = never */
    pthread_t caller;  /* the thread that called dimg_client_pull */
    int elsewhere;     /* callbacks that ran on another thread */
    /* re-entry probe */
    const dimg_client *client;
    dimg_result reentrant_list, reentrant_ping, reentrant_shutdown, code_after;
    int list_written;
} recorder;

static int record(void *userdata, const dimg_pull_progress *p) {
    recorder *r = (recorder *)userdata;
    CHECK(p != NULL && p->id != NULL && p->status != NULL);
    if (!pthread_equal(r->caller, pthread_self())) r->elsewhere++;
    if (r->count < MAX_EVENTS) {
        snprintf(r->status[r->count], sizeof r->status[0], "%s", p->status);
        snprintf(r->id[r->count], sizeof r->id[0], "%s", p->id);
        r->phase[r->count] = p->phase;
        r->current[r->count] = p->current;
        r->total[r->count] = p->total;
    }
    r->count++;
    return r->cancel_at != 0 && r->count >= r->cancel_at;
}

static int reenter(void *userdata, const dimg_pull_progress *p) {
    recorder *r = (recorder *)userdata;
    (void)p;
    if (r->count++ == 0) {
        dimg_image_list *list = NULL;
        r->reentrant_list = dimg_client_list_images(r->client, NULL, &list);
        r->list_written = list != NULL;
        dimg_ping *ping = NULL;
        r->reentrant_ping = dimg_client_ping(r->client, &ping);
        r->list_written |= ping != NULL;
        r->reentrant_shutdown = dimg_shutdown();
        r->code_after = dimg_last_error_code();
        /* what is allowed inside a callback */
        dimg_list_options *options = dimg_list_options_new();
        CHECK(dimg_list_options_set_all(options, true) == DIMG_RESULT_OK);
        dimg_list_options_free(options);
        char buf[8];
        CHECK(dimg_format_image_size(1000, buf, sizeof buf) == 3);
    }
    return 0;
}

static int has_phase(const recorder *r, dimg_pull_phase phase) {
    for (size_t i = 0; i < r->count && i < MAX_EVENTS; i++)
        if (r->phase[i] == phase) return 1;
    return 0;
}

static void remove_quietly(dimg_client *client, const char *name) {
    dimg_remove_options *force = dimg_remove_options_new();
    CHECK_OK(dimg_remove_options_set_force(force, true));
    const char *names[] = {name};
    dimg_remove_report *report = NULL;
    CHECK_OK(dimg_client_remove_images(client, names, 1, force, &report));
    dimg_remove_report_free(report);
    dimg_remove_options_free(force);
}

/* The whole of Docker's stream for a fresh pull of t/p40, and its summary. */
static void docker_progress(const recorder *r, dimg_pull_summary *summary, const char *p40) {
    CHECK(r->count >= 5 && r->count <= MAX_EVENTS);
    CHECK_STR(r->status[0], "Pulling from t/p40");
    CHECK_STR(r->id[0], "1.0");
    CHECK(r->phase[0] == DIMG_PULL_PHASE_PULLING_FROM);
    CHECK(has_phase(r, DIMG_PULL_PHASE_PULL_COMPLETE));
    CHECK(has_phase(r, DIMG_PULL_PHASE_DIGEST));
    int sized = 0;
    for (size_t i = 0; i < r->count; i++) {
        if (r->phase[i] == DIMG_PULL_PHASE_DOWNLOADING || r->phase[i] == DIMG_PULL_PHASE_EXTRACTING) {
            CHECK_STR(r->id[i], "b8ac15d4e748");
            CHECK(r->total[i] == 161 && r->current[i] <= r->total[i]);
            sized = 1;
        }
    }
    CHECK(sized);
    CHECK(r->phase[r->count - 1] == DIMG_PULL_PHASE_STATUS);
    CHECK_STR(r->id[r->count - 1], "");
    char *last = fmt("Status: Downloaded newer image for %s", p40);
    CHECK_STR(r->status[r->count - 1], last);
    free(last);

    CHECK_STR(dimg_pull_summary_reference(summary), p40);
    CHECK_STR(dimg_pull_summary_digest(summary), P40_DIGEST);
    CHECK(dimg_pull_summary_outcome(summary) == DIMG_PULL_OUTCOME_DOWNLOADED);
    CHECK_CONTAINS(dimg_pull_summary_status(summary), "Downloaded newer image for");
    CHECK(dimg_pull_summary_layers_pulled(summary) == 1);
    CHECK(dimg_pull_summary_layers_existing(summary) == 0);
    CHECK(dimg_pull_summary_events(summary) == r->count);
}

/* A pull of what is there already: up to date; then the same by digest. */
static void progress_again(dimg_client *client, const char *p40) {
    dimg_pull_summary *summary = NULL;
    CHECK_OK(dimg_client_pull(client, p40, NULL, NULL, NULL, &summary));
    CHECK(dimg_pull_summary_outcome(summary) == DIMG_PULL_OUTCOME_UP_TO_DATE);
    CHECK(dimg_pull_summary_layers_pulled(summary) == 0);
    CHECK_STR(dimg_pull_summary_digest(summary), P40_DIGEST);
    dimg_pull_summary_free(summary);

    /* By digest; no summary wanted. */
    char *by_digest = registry_image("t/p40@");
    char *reference = fmt("%s%s", by_digest, P40_DIGEST);
    CHECK_OK(dimg_client_pull(client, reference, NULL, NULL, NULL, NULL));
    dimg_image_inspect *image = NULL;
    CHECK_OK(dimg_client_inspect_image(client, reference, &image));
    CHECK_STR(dimg_strings_get(dimg_image_inspect_repo_digests(image), 0), reference);
    dimg_image_inspect_free(image);
    free(reference);
    free(by_digest);
    PASS("pull with progress, summary, up to date, by digest");
}

static void progress_and_summary(dimg_client *client, const char *p40) {
    remove_quietly(client, p40);
    recorder *r = (recorder *)calloc(1, sizeof *r);
    r->caller = pthread_self();
    dimg_pull_summary *summary = NULL;
    CHECK_OK(dimg_client_pull(client, p40, NULL, record, r, &summary));
    CHECK(summary != NULL);
    CHECK(r->elsewhere == 0); /* every callback ran on the calling thread */

    if (is_podman()) {
        /* Podman's stream: per layer `Pulling fs layer` and `Download complete`, no sizes, no
         * Digest:/Status: lines; the summary still has the digest and the outcome. */
        CHECK(r->count >= 2 && r->count <= MAX_EVENTS);
        CHECK(r->phase[0] == DIMG_PULL_PHASE_PULLING_FS_LAYER || r->phase[0] == DIMG_PULL_PHASE_ALREADY_EXISTS);
        CHECK(has_phase(r, DIMG_PULL_PHASE_DOWNLOAD_COMPLETE));
        CHECK_STR(dimg_pull_summary_digest(summary), P40_DIGEST);
        CHECK(dimg_pull_summary_outcome(summary) == DIMG_PULL_OUTCOME_DOWNLOADED);
        CHECK(dimg_pull_summary_status(summary) == NULL || dimg_pull_summary_status(summary)[0] == '\0');
        CHECK(dimg_pull_summary_events(summary) == r->count);
    } else {
        docker_progress(r, summary, p40);
    }
    dimg_pull_summary_free(summary);
    free(r);

    /* Again: up to date. No callback, and a summary. */
    progress_again(client, p40);
}

static void cancellation(dimg_client *client, const char *p40) {
    char message[512];
    for (size_t at = 1; at <= 3; at += 2) { /* on the first event, and on a later one */
        remove_quietly(client, p40);
        recorder *r = (recorder *)calloc(1, sizeof *r);
        r->caller = pthread_self();
        r->cancel_at = at;
        dimg_pull_summary *summary = NULL;
        CHECK_CODE(dimg_client_pull(client, p40, NULL, record, r, &summary), DIMG_RESULT_CANCELLED);
        CHECK(summary == NULL);
        CHECK(r->count == at); /* never called again after cancelling */
        CHECK_CONTAINS(last_message(message, sizeof message), "cancelled");
        CHECK(dimg_last_error_http_status() == 0);
        free(r);
    }
    /* The client is fine afterwards. */
    CHECK_OK(dimg_client_pull(client, p40, NULL, NULL, NULL, NULL));
    PASS("pull cancelled by its callback");
}

static void reentry(dimg_client *client, const char *p40) {
    remove_quietly(client, p40);
    recorder *r = (recorder *)calloc(1, sizeof *r);
    r->client = client;
    CHECK_OK(dimg_client_pull(client, p40, NULL, reenter, r, NULL));
    CHECK(r->count > 1);
    CHECK(r->reentrant_list == DIMG_RESULT_REENTRANT);
    CHECK(r->reentrant_ping == DIMG_RESULT_REENTRANT);
    CHECK(r->reentrant_shutdown == DIMG_RESULT_REENTRANT);
    CHECK(r->code_after == DIMG_RESULT_REENTRANT);
    CHECK(!r->list_written);
    CHECK(dimg_last_error_code() == DIMG_RESULT_OK); /* the pull itself succeeded */
    free(r);
    PASS("calls from inside the callback are refused with REENTRANT");
}

static void options(dimg_client *client, const char *p40) {
    char message[512];
    char *repository = registry_image("t/p40");
    dimg_pull_options *opts = dimg_pull_options_new();
    CHECK(opts != NULL);

    /* every tag of the repository (it has one) */
    remove_quietly(client, p40);
    CHECK_OK(dimg_pull_options_set_all_tags(opts, true));
    dimg_pull_summary *summary = NULL;
    if (is_podman()) {
        /* Podman's compatible endpoint would pull `latest` instead: refused before any request */
        CHECK_CODE(dimg_client_pull(client, repository, opts, NULL, NULL, &summary), DIMG_RESULT_UNSUPPORTED_OPTION);
        CHECK_CONTAINS(last_message(message, sizeof message), "not supported by Podman");
        CHECK_OK(dimg_client_pull(client, p40, NULL, NULL, NULL, NULL));
    } else {
        CHECK_OK(dimg_client_pull(client, repository, opts, NULL, NULL, &summary));
        CHECK_STR(dimg_pull_summary_reference(summary), repository);
    }
    dimg_pull_summary_free(summary);
    dimg_image_inspect *image = NULL;
    CHECK_OK(dimg_client_inspect_image(client, p40, &image));
    dimg_image_inspect_free(image);
    CHECK_CODE(dimg_client_pull(client, p40, opts, NULL, NULL, NULL), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_STR(last_message(message, sizeof message), "tag can't be used with --all-tags/-a");
    CHECK_OK(dimg_pull_options_set_all_tags(opts, false));

    /* platform, normalised like the CLI */
    CHECK_OK(dimg_pull_options_set_platform(opts, "Linux/AMD64"));
    summary = NULL;
    CHECK_OK(dimg_client_pull(client, p40, opts, NULL, NULL, &summary));
    CHECK(dimg_pull_summary_outcome(summary) == DIMG_PULL_OUTCOME_UP_TO_DATE);
    dimg_pull_summary_free(summary);
    CHECK_OK(dimg_pull_options_set_platform(opts, "linux//x"));
    CHECK_CODE(dimg_client_pull(client, p40, opts, NULL, NULL, NULL), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(last_message(message, sizeof message), "is an invalid component of \"linux//x\"");
    CHECK_CODE(dimg_pull_options_set_platform(opts, "linux/\xff"), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_OK(dimg_pull_options_set_platform(opts, NULL));
    CHECK_OK(dimg_client_pull(client, p40, opts, NULL, NULL, NULL));

    /* pull policies: present, a skipped pull has no events and the local digest */
    recorder *r = (recorder *)calloc(1, sizeof *r);
    r->caller = pthread_self();
    CHECK_OK(dimg_pull_options_set_policy(opts, DIMG_PULL_POLICY_MISSING));
    summary = NULL;
    CHECK_OK(dimg_client_pull(client, p40, opts, record, r, &summary));
    CHECK(dimg_pull_summary_outcome(summary) == DIMG_PULL_OUTCOME_SKIPPED);
    CHECK_STR(dimg_pull_summary_digest(summary), P40_DIGEST);
    CHECK(r->count == 0 && dimg_pull_summary_events(summary) == 0);
    dimg_pull_summary_free(summary);
    free(r);
    CHECK_CODE(dimg_pull_options_set_policy(opts, 7), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_STR(last_message(message, sizeof message), "7 is not a dimg_pull_policy");
    CHECK_OK(dimg_pull_options_set_all_tags(opts, true));
    CHECK_CODE(dimg_client_pull(client, repository, opts, NULL, NULL, NULL), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_STR(last_message(message, sizeof message), "--policy=missing can't be used with --all-tags/-a");
    CHECK_OK(dimg_pull_options_set_all_tags(opts, false));
    /* absent: NEVER is NOT_FOUND in docker's words, MISSING pulls */
    remove_quietly(client, p40);
    CHECK_OK(dimg_pull_options_set_policy(opts, DIMG_PULL_POLICY_NEVER));
    CHECK_CODE(dimg_client_pull(client, p40, opts, NULL, NULL, NULL), DIMG_RESULT_NOT_FOUND);
    char expected[256];
    snprintf(expected, sizeof expected, "No such image: %s", p40);
    CHECK_STR(last_message(message, sizeof message), expected);
    CHECK_OK(dimg_pull_options_set_policy(opts, DIMG_PULL_POLICY_MISSING));
    summary = NULL;
    CHECK_OK(dimg_client_pull(client, p40, opts, NULL, NULL, &summary));
    CHECK(dimg_pull_summary_outcome(summary) == DIMG_PULL_OUTCOME_DOWNLOADED);
    dimg_pull_summary_free(summary);
    CHECK_OK(dimg_pull_options_set_policy(opts, DIMG_PULL_POLICY_ALWAYS));

    dimg_pull_options_free(opts);
    free(repository);
    PASS("pull options: all tags, platform, policy");
}

static void failures(dimg_client *client) {
    char message[512];
    dimg_pull_summary *summary = NULL;
    recorder *r = (recorder *)calloc(1, sizeof *r);
    r->caller = pthread_self();

    char *tiny = registry_image("tiny"); /* tiny has 1.0 and 2.0, no latest */
    CHECK_CODE(dimg_client_pull(client, tiny, NULL, record, r, &summary), DIMG_RESULT_NOT_FOUND);
    CHECK(dimg_last_error_http_status() == 404);
    CHECK_CONTAINS(last_message(message, sizeof message), "tiny:latest");
    CHECK(summary == NULL && r->count == 0);
    free(tiny);

    char *nope = registry_image("t/p40:nope");
    CHECK_CODE(dimg_client_pull(client, nope, NULL, NULL, NULL, &summary), DIMG_RESULT_NOT_FOUND);
    free(nope);

    CHECK_CODE(dimg_client_pull(client, "Tiny", NULL, record, r, &summary), DIMG_RESULT_INVALID_REFERENCE);
    CHECK_STR(last_message(message, sizeof message),
              "invalid reference format: repository name (library/Tiny) must be lowercase");
    CHECK_CODE(dimg_client_pull(client, "tiny:1.0?fromImage=x", NULL, NULL, NULL, NULL),
               DIMG_RESULT_INVALID_REFERENCE);
    CHECK_CODE(dimg_client_pull(client, "", NULL, NULL, NULL, NULL), DIMG_RESULT_INVALID_REFERENCE);

    /* a registry nobody listens on: Docker's 500; Podman's 200 stream ending in the error */
    CHECK_CODE(dimg_client_pull(client, "127.0.0.1:1/x:1", NULL, record, r, &summary),
               BY_ENGINE(DIMG_RESULT_API, DIMG_RESULT_PULL_FAILED));
    CHECK(dimg_last_error_http_status() == BY_ENGINE(500u, 0u));
    CHECK_CONTAINS(last_message(message, sizeof message), "connection refused");
    CHECK(summary == NULL && r->count == 0);
    free(r);
    PASS("pull failures: 404, invalid reference, unreachable registry");
}

typedef struct {
    dimg_client *client;
    const char *reference;
    dimg_result result;
    size_t events;
    int elsewhere;
    char digest[80];
} pull_job;

static void *pull_thread(void *arg) {
    pull_job *job = (pull_job *)arg;
    recorder *r = (recorder *)calloc(1, sizeof *r);
    r->caller = pthread_self();
    dimg_pull_summary *summary = NULL;
    job->result = dimg_client_pull(job->client, job->reference, NULL, record, r, &summary);
    job->elsewhere = r->elsewhere;
    if (job->result == DIMG_RESULT_OK) {
        snprintf(job->digest, sizeof job->digest, "%s", dimg_pull_summary_digest(summary));
        job->events = r->count;
    }
    dimg_pull_summary_free(summary);
    free(r);
    return NULL;
}

static void concurrent(dimg_client *client, const char *p40) {
    remove_quietly(client, p40);
    enum { N = 4 };
    pthread_t threads[N];
    pull_job jobs[N];
    for (int i = 0; i < N; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].client = client;
        jobs[i].reference = p40;
        CHECK(pthread_create(&threads[i], NULL, pull_thread, &jobs[i]) == 0);
    }
    for (int i = 0; i < N; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        CHECK(jobs[i].result == DIMG_RESULT_OK);
        CHECK_STR(jobs[i].digest, P40_DIGEST);
        CHECK(jobs[i].events >= 3);
        CHECK(jobs[i].elsewhere == 0); /* each thread's callbacks ran on that thread */
    }
    PASS("pulls from several threads with one client");
}

int main(void) {
    need_env("DIMG_TEST_DOCKER_HOST");
    char *p40 = registry_image("t/p40:1.0");
    dimg_client *client = test_client();

    progress_and_summary(client, p40);
    cancellation(client, p40);
    reentry(client, p40);
    options(client, p40);
    failures(client);
    concurrent(client, p40);

    remove_quietly(client, p40);
    dimg_image_inspect *gone = NULL;
    CHECK_CODE(dimg_client_inspect_image(client, p40, &gone), DIMG_RESULT_NOT_FOUND);
    dimg_client_free(client);
    free(p40);
    CHECK_OK(dimg_shutdown());
    PASS("pull.c");
    return 0;
}
