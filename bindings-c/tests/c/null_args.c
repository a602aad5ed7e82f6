/* Every function of dimg.h given NULL pointers, and every string parameter given invalid
 * UTF-8: fallible functions return DIMG_RESULT_INVALID_ARGUMENT and leave their outputs alone,
 * the others return NULL, 0 or false, and nothing crashes (ASan/UBSan and valgrind watch).
 * tests/c_api.rs checks that this file names every function of the header. */
#include "check.h"

#define BAD "bad\xc3\x28utf8" /* an invalid two-byte sequence */

/* An invalid argument, with the parameter named in the message. */
#define CHECK_INVALID(call, text)                                                         \
    do {                                                                                  \
        char m_[256];                                                                     \
        CHECK_CODE(call, DIMG_RESULT_INVALID_ARGUMENT);                                   \
        CHECK_STR(last_message(m_, sizeof m_), text);                                     \
        CHECK(dimg_last_error_http_status() == 0);                                        \
    } while (0)

static void client_and_daemon(void) {
    dimg_client *client = (dimg_client *)0x1; /* must stay untouched */
    CHECK_INVALID(dimg_client_new("/x.sock", 0, NULL), "client_out is NULL");
    CHECK_INVALID(dimg_client_new(BAD, 0, &client), "socket_or_host is not valid UTF-8");
    CHECK(client == (dimg_client *)0x1);
    dimg_client_free(NULL);
    CHECK(dimg_client_socket_path(NULL) == NULL);
    CHECK(dimg_client_timeout_ms(NULL) == 0);
    CHECK(dimg_client_host(NULL) == NULL);
    CHECK_INVALID(dimg_pull_options_set_credentials(NULL, "u", "p"), "options is NULL");
    bool changed = true;
    CHECK_INVALID(dimg_daemon_config_add_mirror(NULL, NULL, &changed), "url is NULL");
    CHECK_INVALID(dimg_daemon_config_remove_mirror(NULL, NULL, &changed), "url is NULL");
    CHECK_INVALID(dimg_daemon_config_add_mirror(BAD, "http://m.example", &changed), "path is not valid UTF-8");
    CHECK_INVALID(dimg_daemon_config_add_mirror("/tmp/x.json", BAD, &changed), "url is not valid UTF-8");
    CHECK(changed);

    client = test_client();
    dimg_ping *ping = NULL;
    CHECK_INVALID(dimg_client_ping(NULL, &ping), "client is NULL");
    CHECK_INVALID(dimg_client_ping(client, NULL), "ping_out is NULL");
    CHECK(ping == NULL);
    dimg_ping_free(NULL);
    CHECK(dimg_ping_api_version(NULL) == NULL && dimg_ping_os_type(NULL) == NULL);
    CHECK(dimg_ping_server(NULL) == NULL && dimg_ping_builder_version(NULL) == NULL);
    CHECK(dimg_ping_libpod_api_version(NULL) == NULL);
    CHECK(!dimg_ping_experimental(NULL) && !dimg_ping_is_podman(NULL));

    uint16_t major = 7, minor = 7;
    CHECK_INVALID(dimg_client_api_version(NULL, &major, &minor), "client is NULL");
    CHECK_INVALID(dimg_client_api_version(client, NULL, &minor), "major_out or minor_out is NULL");
    CHECK_INVALID(dimg_client_api_version(client, &major, NULL), "major_out or minor_out is NULL");
    CHECK(major == 7 && minor == 7);

    dimg_daemon_version *version = NULL;
    CHECK_INVALID(dimg_client_version(NULL, &version), "client is NULL");
    CHECK_INVALID(dimg_client_version(client, NULL), "version_out is NULL");
    CHECK(version == NULL);
    dimg_daemon_version_free(NULL);
    CHECK(dimg_daemon_version_version(NULL) == NULL && dimg_daemon_version_api_version(NULL) == NULL);
    CHECK(dimg_daemon_version_min_api_version(NULL) == NULL && dimg_daemon_version_os(NULL) == NULL);
    CHECK(dimg_daemon_version_arch(NULL) == NULL && dimg_daemon_version_kernel_version(NULL) == NULL);
    CHECK(dimg_daemon_version_git_commit(NULL) == NULL && dimg_daemon_version_go_version(NULL) == NULL);
    CHECK(dimg_daemon_version_components(NULL) == NULL);

    dimg_daemon_info *info = NULL;
    CHECK_INVALID(dimg_client_info(NULL, &info), "client is NULL");
    CHECK_INVALID(dimg_client_info(client, NULL), "info_out is NULL");
    CHECK(info == NULL);
    dimg_daemon_info_free(NULL);
    CHECK(dimg_daemon_info_server_version(NULL) == NULL && dimg_daemon_info_driver(NULL) == NULL);
    CHECK(dimg_daemon_info_docker_root_dir(NULL) == NULL && dimg_daemon_info_index_server_address(NULL) == NULL);
    CHECK(dimg_daemon_info_operating_system(NULL) == NULL);
    CHECK(dimg_daemon_info_images(NULL) == 0 && dimg_daemon_info_containers(NULL) == 0);
    CHECK(dimg_daemon_info_registry_mirrors(NULL) == NULL && dimg_daemon_info_insecure_registry_cidrs(NULL) == NULL);

    CHECK(dimg_strings_len(NULL) == 0 && dimg_strings_get(NULL, 0) == NULL);
    CHECK(dimg_labels_len(NULL) == 0 && dimg_labels_key(NULL, 0) == NULL && dimg_labels_value(NULL, 0) == NULL);
    CHECK(dimg_labels_find(NULL, "k") == NULL);
    dimg_client_free(client);
    PASS("client, ping, version, info, strings, labels");
}

/* The client options and the endpoint accessors (contexts, TLS, ssh). */
static void client_options(void) {
    dimg_client *client = (dimg_client *)0x1; /* must stay untouched */
    CHECK_INVALID(dimg_client_new_with_options(NULL, &client), "options is NULL");
    CHECK(client == (dimg_client *)0x1);
    dimg_client_options_free(NULL);
    dimg_client_options *options = dimg_client_options_new();
    CHECK(options != NULL);
    CHECK_INVALID(dimg_client_new_with_options(options, NULL), "client_out is NULL");

    CHECK_INVALID(dimg_client_options_set_host(NULL, "tcp://127.0.0.1:1"), "options is NULL");
    CHECK_INVALID(dimg_client_options_set_host(options, NULL), "host is NULL");
    CHECK_INVALID(dimg_client_options_set_host(options, BAD), "host is not valid UTF-8");
    CHECK_INVALID(dimg_client_options_set_context(NULL, "x"), "options is NULL");
    CHECK_INVALID(dimg_client_options_set_context(options, NULL), "name is NULL");
    CHECK_INVALID(dimg_client_options_set_context(options, BAD), "name is not valid UTF-8");
    CHECK_INVALID(dimg_client_options_set_config_dir(NULL, "/tmp"), "options is NULL");
    CHECK_INVALID(dimg_client_options_set_config_dir(options, NULL), "dir is NULL");
    CHECK_INVALID(dimg_client_options_set_config_dir(options, BAD), "dir is not valid UTF-8");
    CHECK_INVALID(dimg_client_options_set_tls_ca_cert(NULL, "/ca.pem"), "options is NULL");
    CHECK_INVALID(dimg_client_options_set_tls_ca_cert(options, NULL), "path is NULL");
    CHECK_INVALID(dimg_client_options_set_tls_ca_cert(options, BAD), "path is not valid UTF-8");
    CHECK_INVALID(dimg_client_options_set_tls_client_cert(NULL, "/c.pem", "/k.pem"), "options is NULL");
    CHECK_INVALID(dimg_client_options_set_tls_client_cert(options, NULL, "/k.pem"), "cert is NULL");
    CHECK_INVALID(dimg_client_options_set_tls_client_cert(options, "/c.pem", NULL), "key is NULL");
    CHECK_INVALID(dimg_client_options_set_tls_client_cert(options, BAD, "/k.pem"), "cert is not valid UTF-8");
    CHECK_INVALID(dimg_client_options_set_tls_client_cert(options, "/c.pem", BAD), "key is not valid UTF-8");
    CHECK_INVALID(dimg_client_options_set_tls_verify(NULL, true), "options is NULL");
    CHECK_INVALID(dimg_client_options_set_timeout_ms(NULL, 1000), "options is NULL");
    CHECK_INVALID(dimg_client_options_set_connect_timeout_ms(NULL, 1000), "options is NULL");
    CHECK_INVALID(dimg_client_options_set_credential_helper_timeout_ms(NULL, 1000), "options is NULL");
    CHECK_OK(dimg_client_options_set_credential_helper_timeout_ms(options, 0)); /* the answer timeout */

    /* Nothing refused was kept: with a host of its own the options build a plain client. */
    CHECK_OK(dimg_client_options_set_host(options, need_env("DIMG_TEST_DOCKER_HOST")));
    client = NULL;
    CHECK_OK(dimg_client_new_with_options(options, &client));
    CHECK(dimg_client_endpoint_kind(client) == DIMG_ENDPOINT_KIND_UNIX);
    CHECK_STR(dimg_client_context_name(client), "default");
    dimg_client_free(client);
    dimg_client_options_free(options);
    dimg_client_options_free(dimg_client_options_from_env());

    CHECK(dimg_client_endpoint_kind(NULL) == DIMG_ENDPOINT_KIND_UNKNOWN);
    CHECK(dimg_client_context_name(NULL) == NULL);
    PASS("client options, endpoint kind, context name");
}

static void errors_and_format(void) {
    CHECK_INVALID(dimg_client_new(NULL, 0, NULL), "client_out is NULL");
    CHECK(dimg_last_error_message(NULL, 0) == strlen("client_out is NULL"));
    CHECK(dimg_last_error_message(NULL, 100) == strlen("client_out is NULL")); /* NULL buf: nothing written */
    CHECK(dimg_last_error_cli_message(NULL, 0) == strlen("client_out is NULL"));
    char small[4] = "xyz";
    CHECK(dimg_last_error_message(small, 0) == strlen("client_out is NULL"));
    CHECK_STR(small, "xyz"); /* len 0: untouched */
    CHECK(dimg_last_error_message(small, sizeof small) == strlen("client_out is NULL"));
    CHECK_STR(small, "cli");
    CHECK(dimg_last_error_code() == DIMG_RESULT_INVALID_ARGUMENT);
    CHECK(dimg_result_name(12345) != NULL);

    char buf[16] = "unchanged";
    CHECK(dimg_format_short_id(NULL, buf, sizeof buf) == 0 && buf[0] == '\0');
    strcpy(buf, "unchanged");
    CHECK(dimg_format_short_id(BAD, buf, sizeof buf) == 0 && buf[0] == '\0');
    CHECK(dimg_format_short_id("sha256:abc", NULL, 0) == 3);
    CHECK(dimg_format_image_size(1000, NULL, 0) == 3); /* "1kB" */
    CHECK(dimg_format_created_since(0, NULL, 0) > 0);
    CHECK(dimg_format_search_description(NULL, false, buf, sizeof buf) == 0 && buf[0] == '\0');
    CHECK(dimg_format_search_description(BAD, true, NULL, 0) == 0);

    dimg_table_free(NULL);
    CHECK(dimg_table_text(NULL) == NULL);
    const char *cells[] = {"a", NULL};
    const char *bad_cells[] = {"a", BAD};
    CHECK_INVALID(dimg_table_add_row(NULL, cells, 1), "table is NULL");
    dimg_table *table = dimg_table_new();
    CHECK_INVALID(dimg_table_add_row(table, NULL, 2), "cells is NULL");
    CHECK_INVALID(dimg_table_add_row(table, cells, 2), "cells[1] is NULL");
    CHECK_INVALID(dimg_table_add_row(table, bad_cells, 2), "cells[1] is not valid UTF-8");
    CHECK_STR(dimg_table_text(table), ""); /* refused rows were not added */
    dimg_table_free(table);
    PASS("last error buffers, format helpers, table");
}

static void list(dimg_client *client) {
    dimg_list_options_free(NULL);
    CHECK_INVALID(dimg_list_options_set_all(NULL, true), "options is NULL");
    CHECK_INVALID(dimg_list_options_add_filter(NULL, "dangling=true"), "options is NULL");
    CHECK_INVALID(dimg_list_options_set_reference(NULL, "x"), "options is NULL");
    CHECK_INVALID(dimg_list_options_set_shared_size(NULL, true), "options is NULL");
    CHECK_INVALID(dimg_list_options_set_manifests(NULL, true), "options is NULL");
    dimg_list_options *options = dimg_list_options_new();
    CHECK(options != NULL);
    CHECK_INVALID(dimg_list_options_add_filter(options, NULL), "key_value is NULL");
    CHECK_INVALID(dimg_list_options_add_filter(options, "label=" BAD), "key_value is not valid UTF-8");
    CHECK_INVALID(dimg_list_options_set_reference(options, BAD), "pattern is not valid UTF-8");

    dimg_image_list *images = (dimg_image_list *)0x1;
    CHECK_INVALID(dimg_client_list_images(NULL, options, &images), "client is NULL");
    CHECK_INVALID(dimg_client_list_images(client, options, NULL), "list_out is NULL");
    CHECK(images == (dimg_image_list *)0x1);
    dimg_list_options_free(options);

    dimg_image_list_free(NULL);
    CHECK(dimg_image_list_len(NULL) == 0 && dimg_image_list_get(NULL, 0) == NULL);
    CHECK(dimg_image_id(NULL) == NULL && dimg_image_parent_id(NULL) == NULL);
    CHECK(dimg_image_repo_tags(NULL) == NULL && dimg_image_repo_digests(NULL) == NULL);
    CHECK(dimg_image_labels(NULL) == NULL);
    CHECK(dimg_image_created(NULL) == 0 && dimg_image_size(NULL) == 0);
    CHECK(dimg_image_shared_size(NULL) == 0 && dimg_image_containers(NULL) == 0);
    CHECK(!dimg_image_is_dangling(NULL));
    CHECK(dimg_image_manifests_len(NULL) == 0 && dimg_image_manifest(NULL, 0) == NULL);
    CHECK(dimg_manifest_id(NULL) == NULL && dimg_manifest_kind(NULL) == NULL && !dimg_manifest_available(NULL));
    PASS("list");
}

static void search(dimg_client *client) {
    dimg_search_options_free(NULL);
    CHECK_INVALID(dimg_search_options_set_limit(NULL, 3), "options is NULL");
    CHECK_INVALID(dimg_search_options_add_filter(NULL, "stars=1"), "options is NULL");
    dimg_search_options *options = dimg_search_options_new();
    CHECK_INVALID(dimg_search_options_add_filter(options, NULL), "key_value is NULL");
    CHECK_INVALID(dimg_search_options_add_filter(options, BAD), "key_value is not valid UTF-8");

    dimg_search_results *results = NULL;
    CHECK_INVALID(dimg_client_search(NULL, "tomcat", options, &results), "client is NULL");
    CHECK_INVALID(dimg_client_search(client, NULL, options, &results), "term is NULL");
    CHECK_INVALID(dimg_client_search(client, BAD, options, &results), "term is not valid UTF-8");
    CHECK_INVALID(dimg_client_search(client, "tomcat", options, NULL), "results_out is NULL");
    CHECK(results == NULL);
    dimg_search_options_free(options);

    dimg_search_results_free(NULL);
    CHECK(dimg_search_results_len(NULL) == 0 && dimg_search_results_get(NULL, 0) == NULL);
    CHECK(dimg_search_result_name(NULL) == NULL && dimg_search_result_description(NULL) == NULL);
    CHECK(dimg_search_result_star_count(NULL) == 0);
    CHECK(!dimg_search_result_is_official(NULL) && !dimg_search_result_is_automated(NULL));
    PASS("search");
}

static int never(void *userdata, const dimg_pull_progress *progress) {
    (void)userdata;
    (void)progress;
    FAIL("the callback must not be called for refused arguments");
}

static void pull(dimg_client *client) {
    dimg_pull_options_free(NULL);
    CHECK_INVALID(dimg_pull_options_set_all_tags(NULL, true), "options is NULL");
    CHECK_INVALID(dimg_pull_options_set_platform(NULL, "linux"), "options is NULL");
    CHECK_INVALID(dimg_pull_options_set_policy(NULL, DIMG_PULL_POLICY_MISSING), "options is NULL");
    dimg_pull_options *options = dimg_pull_options_new();
    CHECK_INVALID(dimg_pull_options_set_policy(options, -1), "-1 is not a dimg_pull_policy");
    CHECK_INVALID(dimg_pull_options_set_platform(options, BAD), "platform is not valid UTF-8");

    dimg_pull_summary *summary = NULL;
    CHECK_INVALID(dimg_client_pull(NULL, "tiny:1.0", options, never, NULL, &summary), "client is NULL");
    CHECK_INVALID(dimg_client_pull(client, NULL, options, never, NULL, &summary), "reference is NULL");
    CHECK_INVALID(dimg_client_pull(client, BAD, options, never, NULL, &summary), "reference is not valid UTF-8");
    CHECK(summary == NULL);
    dimg_pull_options_free(options);

    dimg_pull_summary_free(NULL);
    CHECK(dimg_pull_summary_reference(NULL) == NULL && dimg_pull_summary_digest(NULL) == NULL);
    CHECK(dimg_pull_summary_status(NULL) == NULL);
    CHECK(dimg_pull_summary_outcome(NULL) == DIMG_PULL_OUTCOME_UNKNOWN);
    CHECK(dimg_pull_summary_layers_pulled(NULL) == 0 && dimg_pull_summary_layers_existing(NULL) == 0);
    CHECK(dimg_pull_summary_events(NULL) == 0);
    PASS("pull");
}

static int never_many(void *userdata, const dimg_pull_many_progress *progress) {
    (void)userdata;
    (void)progress;
    FAIL("the callback must not be called for refused arguments");
}

/* Timeouts, retry policies and pull_many: refused before anything is sent. */
static void timeouts_retries_pull_many(dimg_client *client) {
    dimg_timeouts limits = {0, 0, 0};
    dimg_client_options *options = dimg_client_options_new();
    CHECK_INVALID(dimg_client_options_set_timeouts(NULL, &limits), "options is NULL");
    CHECK_INVALID(dimg_client_options_set_timeouts(options, NULL), "timeouts is NULL");
    CHECK_INVALID(dimg_client_options_set_retry(NULL, NULL), "options is NULL");
    CHECK_OK(dimg_client_options_set_retry(options, NULL)); /* no retries */
    dimg_client_options_free(options);

    dimg_client *other = (dimg_client *)0x1; /* must stay untouched */
    CHECK_INVALID(dimg_client_with_timeouts(NULL, &limits, &other), "client is NULL");
    CHECK_INVALID(dimg_client_with_timeouts(client, NULL, &other), "timeouts is NULL");
    CHECK_INVALID(dimg_client_with_timeouts(client, &limits, NULL), "client_out is NULL");
    CHECK_INVALID(dimg_client_with_retry(NULL, NULL, &other), "client is NULL");
    CHECK_INVALID(dimg_client_with_retry(client, NULL, NULL), "client_out is NULL");
    CHECK(other == (dimg_client *)0x1);
    dimg_timeouts read = {7, 7, 7};
    CHECK_INVALID(dimg_client_timeouts(NULL, &read), "client is NULL");
    CHECK_INVALID(dimg_client_timeouts(client, NULL), "timeouts_out is NULL");
    CHECK(read.connect_ms == 7 && read.total_ms == 7 && read.idle_ms == 7);

    dimg_retry_policy_free(NULL);
    CHECK_INVALID(dimg_retry_policy_set_initial_backoff_ms(NULL, 1), "policy is NULL");
    CHECK_INVALID(dimg_retry_policy_set_multiplier(NULL, 2.0), "policy is NULL");
    CHECK_INVALID(dimg_retry_policy_set_max_backoff_ms(NULL, 1), "policy is NULL");
    CHECK_INVALID(dimg_retry_policy_set_max_elapsed_ms(NULL, 1), "policy is NULL");
    CHECK_INVALID(dimg_retry_policy_set_jitter(NULL, 0.5), "policy is NULL");
    dimg_retry_policy_free(dimg_retry_policy_new(2));
    CHECK(dimg_last_error_attempts() == 1); /* the last refused call, tried once */

    dimg_pull_many_result *result = (dimg_pull_many_result *)0x1; /* must stay untouched */
    const char *refs[] = {"tiny:1.0", NULL};
    const char *bad[] = {"tiny:1.0", BAD};
    CHECK_INVALID(dimg_client_pull_many(NULL, refs, 1, NULL, 1, never_many, NULL, &result), "client is NULL");
    CHECK_INVALID(dimg_client_pull_many(client, NULL, 1, NULL, 1, never_many, NULL, &result), "references is NULL");
    CHECK_INVALID(dimg_client_pull_many(client, refs, 2, NULL, 1, never_many, NULL, &result),
                  "references[1] is NULL");
    CHECK_INVALID(dimg_client_pull_many(client, bad, 2, NULL, 1, never_many, NULL, &result),
                  "references[1] is not valid UTF-8");
    CHECK_INVALID(dimg_client_pull_many(client, refs, 1, NULL, 1, never_many, NULL, NULL), "result_out is NULL");
    CHECK_INVALID(dimg_client_pull_many(client, refs, 1, NULL, 0, never_many, NULL, &result),
                  "pull_many needs a concurrency of at least 1");
    CHECK(result == (dimg_pull_many_result *)0x1);
    dimg_pull_many_result_free(NULL);
    CHECK(dimg_pull_many_result_len(NULL) == 0);
    CHECK(dimg_pull_many_result_code(NULL, 0) == DIMG_RESULT_INVALID_ARGUMENT);
    CHECK(dimg_pull_many_result_message(NULL, 0) == NULL && dimg_pull_many_result_digest(NULL, 0) == NULL);
    CHECK(dimg_pull_many_result_http_status(NULL, 0) == 0 && dimg_pull_many_result_attempts(NULL, 0) == 0);
    CHECK(dimg_pull_many_result_outcome(NULL, 0) == DIMG_PULL_OUTCOME_UNKNOWN);
    CHECK(dimg_pull_many_result_totals(NULL) == NULL);
    PASS("timeouts, retry policies, pull_many");
}

static void remove_and_inspect(dimg_client *client) {
    dimg_remove_options_free(NULL);
    CHECK_INVALID(dimg_remove_options_set_force(NULL, true), "options is NULL");
    CHECK_INVALID(dimg_remove_options_set_noprune(NULL, true), "options is NULL");
    dimg_remove_options *options = dimg_remove_options_new();
    CHECK(options != NULL);
    CHECK_OK(dimg_remove_options_set_force(options, false));

    dimg_removed_items *items = NULL;
    CHECK_INVALID(dimg_client_remove_image(NULL, "x:1", options, &items), "client is NULL");
    CHECK_INVALID(dimg_client_remove_image(client, NULL, NULL, &items), "name is NULL");
    CHECK_INVALID(dimg_client_remove_image(client, BAD, NULL, &items), "name is not valid UTF-8");
    CHECK_INVALID(dimg_client_remove_image(client, "dimgc-null/x:1", NULL, NULL), "items_out is NULL");
    CHECK(items == NULL);
    dimg_remove_options_free(options);
    dimg_removed_items_free(NULL);
    CHECK(dimg_removed_items_len(NULL) == 0 && dimg_removed_items_get(NULL, 0) == NULL);
    CHECK(dimg_removed_item_kind(NULL) == DIMG_REMOVED_KIND_UNKNOWN);
    CHECK(dimg_removed_item_value(NULL) == NULL && dimg_removed_item_line(NULL) == NULL);

    const char *names[] = {"dimgc-null/x:1", BAD};
    dimg_remove_report *report = NULL;
    CHECK_INVALID(dimg_client_remove_images(NULL, names, 1, NULL, &report), "client is NULL");
    CHECK_INVALID(dimg_client_remove_images(client, NULL, 1, NULL, &report), "names is NULL");
    CHECK_INVALID(dimg_client_remove_images(client, names, 2, NULL, &report), "names[1] is not valid UTF-8");
    CHECK_INVALID(dimg_client_remove_images(client, names, 1, NULL, NULL), "report_out is NULL");
    CHECK(report == NULL);
    dimg_remove_report_free(NULL);
    CHECK(dimg_remove_report_exit_code(NULL) == 1);
    CHECK(dimg_remove_report_len(NULL) == 0 && dimg_remove_report_get(NULL, 0) == NULL);
    CHECK(dimg_remove_outcome_target(NULL) == NULL);
    CHECK(dimg_remove_outcome_result(NULL) == DIMG_RESULT_INVALID_ARGUMENT);
    CHECK(dimg_remove_outcome_message(NULL) == NULL && dimg_remove_outcome_cli_message(NULL) == NULL);
    CHECK(dimg_remove_outcome_http_status(NULL) == 0 && dimg_remove_outcome_items(NULL) == NULL);

    dimg_image_inspect *image = NULL;
    CHECK_INVALID(dimg_client_inspect_image(NULL, "x:1", &image), "client is NULL");
    CHECK_INVALID(dimg_client_inspect_image(client, NULL, &image), "name is NULL");
    CHECK_INVALID(dimg_client_inspect_image(client, BAD, &image), "name is not valid UTF-8");
    CHECK_INVALID(dimg_client_inspect_image(client, "x:1", NULL), "image_out is NULL");
    CHECK(image == NULL);
    dimg_image_inspect_free(NULL);
    CHECK(dimg_image_inspect_id(NULL) == NULL && dimg_image_inspect_repo_tags(NULL) == NULL);
    CHECK(dimg_image_inspect_repo_digests(NULL) == NULL && dimg_image_inspect_parent(NULL) == NULL);
    CHECK(dimg_image_inspect_comment(NULL) == NULL && dimg_image_inspect_created(NULL) == NULL);
    int64_t seconds = 42;
    CHECK(!dimg_image_inspect_created_unix(NULL, &seconds) && seconds == 42);
    CHECK(!dimg_image_inspect_created_unix(NULL, NULL));
    CHECK(dimg_image_inspect_architecture(NULL) == NULL && dimg_image_inspect_variant(NULL) == NULL);
    CHECK(dimg_image_inspect_os(NULL) == NULL && dimg_image_inspect_size(NULL) == 0);
    CHECK(dimg_image_inspect_labels(NULL) == NULL && dimg_image_inspect_env(NULL) == NULL);
    CHECK(dimg_image_inspect_cmd(NULL) == NULL && dimg_image_inspect_entrypoint(NULL) == NULL);
    CHECK(dimg_image_inspect_working_dir(NULL) == NULL && dimg_image_inspect_layers(NULL) == NULL);

    CHECK_INVALID(dimg_client_tag_image(NULL, "a:1", "b:1"), "client is NULL");
    CHECK_INVALID(dimg_client_tag_image(client, NULL, "b:1"), "source is NULL");
    CHECK_INVALID(dimg_client_tag_image(client, "a:1", NULL), "target is NULL");
    CHECK_INVALID(dimg_client_tag_image(client, BAD, "b:1"), "source is not valid UTF-8");
    CHECK_INVALID(dimg_client_tag_image(client, "a:1", BAD), "target is not valid UTF-8");
    PASS("remove, inspect, tag");
}

static void prune(dimg_client *client) {
    dimg_prune_options_free(NULL);
    CHECK_INVALID(dimg_prune_options_set_all(NULL, true), "options is NULL");
    CHECK_INVALID(dimg_prune_options_add_filter(NULL, "until=1h"), "options is NULL");
    dimg_prune_options *options = dimg_prune_options_new();
    CHECK(options != NULL);
    CHECK_INVALID(dimg_prune_options_add_filter(options, NULL), "key_value is NULL");
    CHECK_INVALID(dimg_prune_options_add_filter(options, "label=" BAD), "key_value is not valid UTF-8");
    CHECK_INVALID(dimg_prune_options_add_filter(options, "dangling=false"), "invalid filter 'dangling'");
    CHECK_INVALID(dimg_prune_options_add_filter(options, "nosuch=1"), "invalid filter 'nosuch'");
    CHECK_INVALID(dimg_prune_options_add_filter(options, "until"), "bad format of filter (expected name=value): \"until\"");

    dimg_prune_report *report = (dimg_prune_report *)0x1; /* must stay untouched */
    CHECK_INVALID(dimg_client_prune_images(NULL, options, &report), "client is NULL");
    CHECK_INVALID(dimg_client_prune_images(client, options, NULL), "report_out is NULL");
    CHECK_INVALID(dimg_client_prune_images(client, NULL, NULL), "report_out is NULL");
    CHECK(report == (dimg_prune_report *)0x1);
    dimg_prune_options_free(options);

    dimg_prune_report_free(NULL);
    CHECK(dimg_prune_report_len(NULL) == 0 && dimg_prune_report_get(NULL, 0) == NULL);
    CHECK(dimg_prune_report_space_reclaimed(NULL) == 0);
    PASS("prune");
}

int main(void) {
    need_env("DIMG_TEST_DOCKER_HOST");
    client_and_daemon();
    client_options();
    errors_and_format();
    dimg_client *client = test_client();
    list(client);
    search(client);
    pull(client);
    timeouts_retries_pull_many(client);
    remove_and_inspect(client);
    prune(client);
    dimg_client_free(client);
    CHECK_OK(dimg_shutdown());
    PASS("null_args.c");
    return 0;
}
