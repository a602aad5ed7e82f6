/* docker search through libdimg, against the v1 search index of the private engine
 * ($DIMG_TEST_INDEX, queried by the daemon): limit, every filter, refused arguments, an
 * unreachable index, and the docker CLI's table rebuilt with the format helpers. */
#include "check.h"

static dimg_search_results *search(dimg_client *client, const char *term, const dimg_search_options *options) {
    dimg_search_results *results = NULL;
    CHECK_OK(dimg_client_search(client, term, options, &results));
    CHECK(results != NULL);
    return results;
}

static dimg_search_options *options_with(unsigned limit, const char *filter1, const char *filter2) {
    dimg_search_options *options = dimg_search_options_new();
    CHECK(options != NULL);
    CHECK_OK(dimg_search_options_set_limit(options, limit));
    if (filter1) CHECK_OK(dimg_search_options_add_filter(options, filter1));
    if (filter2) CHECK_OK(dimg_search_options_add_filter(options, filter2));
    return options;
}

static void defaults_and_accessors(dimg_client *client, const char *term) {
    dimg_search_results *results = search(client, term, NULL);
    CHECK(dimg_search_results_len(results) == 25); /* the index's page; no limit sent */
    const dimg_search_result *first = dimg_search_results_get(results, 0);
    /* Docker names a result relative to the index; Podman prefixes the index. */
    char *tomcat = fmt("%s/library/tomcat", need_env("DIMG_TEST_INDEX"));
    CHECK_STR(dimg_search_result_name(first), BY_ENGINE("library/tomcat", tomcat));
    free(tomcat);
    CHECK_STR(dimg_search_result_description(first), "Apache Tomcat is an open source implementation of the Java Servlet");
    CHECK(dimg_search_result_star_count(first) == 2464);
    CHECK(dimg_search_result_is_official(first));
    CHECK(!dimg_search_result_is_automated(first));
    CHECK(dimg_search_results_get(results, 25) == NULL);
    dimg_search_results_free(results);

    dimg_search_options *options = dimg_search_options_new();
    results = search(client, term, options); /* fresh options = defaults */
    CHECK(dimg_search_results_len(results) == 25);
    dimg_search_results_free(results);
    dimg_search_options_free(options);
    PASS("search defaults and accessors");
}

static void limit_and_filters(dimg_client *client, const char *term) {
    dimg_search_options *options = options_with(3, NULL, NULL);
    dimg_search_results *results = search(client, term, options);
    CHECK(dimg_search_results_len(results) == 3);
    dimg_search_results_free(results);
    CHECK_OK(dimg_search_options_set_limit(options, 0)); /* back to the default */
    results = search(client, term, options);
    CHECK(dimg_search_results_len(results) == 25);
    dimg_search_results_free(results);
    dimg_search_options_free(options);

    options = options_with(0, "stars=50", NULL);
    results = search(client, term, options);
    CHECK(dimg_search_results_len(results) == 3);
    for (size_t i = 0; i < dimg_search_results_len(results); i++)
        CHECK(dimg_search_result_star_count(dimg_search_results_get(results, i)) >= 50);
    dimg_search_results_free(results);
    dimg_search_options_free(options);

    options = options_with(0, "is-official=true", NULL);
    results = search(client, term, options);
    CHECK(dimg_search_results_len(results) >= 2);
    for (size_t i = 0; i < dimg_search_results_len(results); i++)
        CHECK(dimg_search_result_is_official(dimg_search_results_get(results, i)));
    dimg_search_results_free(results);
    dimg_search_options_free(options);

    options = options_with(0, "is-automated=true", NULL);
    results = search(client, term, options);
    CHECK(dimg_search_results_len(results) >= 2);
    for (size_t i = 0; i < dimg_search_results_len(results); i++)
        CHECK(dimg_search_result_is_automated(dimg_search_results_get(results, i)));
    dimg_search_results_free(results);
    dimg_search_options_free(options);

    /* The index applies the limit first, then the daemon the filters (all of them). */
    options = options_with(3, "stars=50", "is-official=false");
    results = search(client, term, options);
    CHECK(dimg_search_results_len(results) == 1);
    char *dordoka = fmt("%s/dordoka/tomcat", need_env("DIMG_TEST_INDEX"));
    CHECK_STR(dimg_search_result_name(dimg_search_results_get(results, 0)), BY_ENGINE("dordoka/tomcat", dordoka));
    free(dordoka);
    dimg_search_results_free(results);
    dimg_search_options_free(options);
    PASS("search limit and filters");
}

static void refused(dimg_client *client, const char *term) {
    char message[512];
    dimg_search_options *options = dimg_search_options_new();
    CHECK_CODE(dimg_search_options_add_filter(options, "stars=many"), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_CODE(dimg_search_options_add_filter(options, "is-official=yes"), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_CODE(dimg_search_options_add_filter(options, "is-automated"), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_CODE(dimg_search_options_add_filter(options, "colour=blue"), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_STR(last_message(message, sizeof message), "invalid filter 'colour'");

    dimg_search_results *results = NULL;
    CHECK_OK(dimg_search_options_set_limit(options, 101));
    CHECK_CODE(dimg_client_search(client, term, options, &results), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_STR(last_message(message, sizeof message), "Limit 101 is outside the range of [1, 100]");
    CHECK(results == NULL);
    CHECK_OK(dimg_search_options_set_limit(options, 100));
    CHECK_OK(dimg_client_search(client, term, options, &results)); /* refused filters were not kept */
    CHECK(dimg_search_results_len(results) == 25);
    dimg_search_results_free(results);
    results = NULL;

    CHECK_CODE(dimg_client_search(client, "", NULL, &results), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_CODE(dimg_client_search(client, "   ", NULL, &results), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK(results == NULL);
    dimg_search_options_free(options);

    /* An index nobody listens on: the daemon's 500. */
    CHECK_CODE(dimg_client_search(client, "127.0.0.1:1/tomcat", NULL, &results), DIMG_RESULT_API);
    CHECK(dimg_last_error_http_status() == 500);
    CHECK_CONTAINS(last_message(message, sizeof message), "127.0.0.1:1");
    CHECK(results == NULL);
    PASS("search refusals and an unreachable index");
}

/* docker search's table, rebuilt with dimg_table and the format helpers, is byte for byte what
 * the docker CLI prints. */
static void table_like_the_cli(dimg_client *client, const char *term) {
    dimg_search_results *results = search(client, term, NULL);
    dimg_table *table = dimg_table_new();
    const char *header[] = {"NAME", "DESCRIPTION", "STARS", "OFFICIAL"};
    CHECK_OK(dimg_table_add_row(table, header, 4));
    for (size_t i = 0; i < dimg_search_results_len(results); i++) {
        const dimg_search_result *hit = dimg_search_results_get(results, i);
        char description[256], stars[32];
        CHECK(dimg_format_search_description(dimg_search_result_description(hit), false, description,
                                             sizeof description) < sizeof description);
        snprintf(stars, sizeof stars, "%llu", (unsigned long long)dimg_search_result_star_count(hit));
        const char *row[] = {dimg_search_result_name(hit), description, stars,
                             dimg_search_result_is_official(hit) ? "[OK]" : ""};
        CHECK_OK(dimg_table_add_row(table, row, 4));
    }
    if (is_podman()) {
        /* The docker CLI reads Podman's `Stars`/`Official` fields as missing (0 stars, never
         * [OK]): no docker-identical output to compare with. dimg reads them. */
        CHECK_CONTAINS(dimg_table_text(table), "2464      [OK]");
    } else {
        char *args = fmt("search %s", term);
        char *cli = docker_cli_output(args);
        CHECK_STR(dimg_table_text(table), cli);
        free(cli);
        free(args);
    }
    dimg_table_free(table);
    dimg_search_results_free(results);
    PASS("search table = docker search");
}

int main(void) {
    const char *index = need_env("DIMG_TEST_INDEX");
    need_env("DIMG_TEST_DOCKER_HOST");
    char *term = fmt("%s/tomcat", index);
    dimg_client *client = test_client();

    defaults_and_accessors(client, term);
    limit_and_filters(client, term);
    refused(client, term);
    table_like_the_cli(client, term);

    dimg_client_free(client);
    free(term);
    CHECK_OK(dimg_shutdown());
    PASS("search.c");
    return 0;
}
