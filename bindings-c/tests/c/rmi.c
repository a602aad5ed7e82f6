/* docker rmi through libdimg: single, many, force, noprune, conflicts (a container made with
 * the docker CLI), not found, and the removal report with docker's exit code.
 *
 * Owns $DIMG_TEST_REGISTRY/t/p39:1.0, the names dimgc-rmi/... and the container dimgc-rmi-ctr;
 * removes them all at the end. */
#include "check.h"

static const char *CONTAINER = "dimgc-rmi-ctr";

static void check_item(const dimg_removed_items *items, size_t index, dimg_removed_kind kind, const char *value) {
    const dimg_removed_item *item = dimg_removed_items_get(items, index);
    CHECK(item != NULL);
    CHECK(dimg_removed_item_kind(item) == kind);
    CHECK_STR(dimg_removed_item_value(item), value);
    char *line = fmt("%s: %s", kind == DIMG_REMOVED_KIND_UNTAGGED ? "Untagged" : "Deleted", value);
    CHECK_STR(dimg_removed_item_line(item), line);
    free(line);
}

static void single(dimg_client *client, const char *p39, const char *id) {
    char message[512];
    dimg_removed_items *items = NULL;
    CHECK_OK(dimg_client_remove_image(client, "dimgc-rmi/a:1", NULL, &items));
    CHECK(dimg_removed_items_len(items) == 1);
    check_item(items, 0, DIMG_REMOVED_KIND_UNTAGGED, "dimgc-rmi/a:1");
    CHECK(dimg_removed_items_get(items, 1) == NULL);
    dimg_removed_items_free(items);

    /* By id while two repositories reference it: the daemon's 409, nothing removed. */
    items = NULL;
    CHECK_CODE(dimg_client_remove_image(client, id, NULL, &items), DIMG_RESULT_CONFLICT);
    CHECK(items == NULL);
    CHECK(dimg_last_error_http_status() == 409);
    /* Podman answers 500 "... please force removal": the same conflict to dimg. */
    CHECK_CONTAINS(last_message(message, sizeof message),
                   BY_ENGINE("referenced in multiple repositories", "please force removal"));
    dimg_last_error_cli_message(message, sizeof message);
    CHECK(strncmp(message, "Error response from daemon: ", 28) == 0);

    CHECK_CODE(dimg_client_remove_image(client, "dimgc-rmi/nosuch:1", NULL, &items), DIMG_RESULT_NOT_FOUND);
    CHECK(dimg_last_error_http_status() == 404);
    const char *nosuch = BY_ENGINE("No such image: dimgc-rmi/nosuch:1",
                                   "failed to find image dimgc-rmi/nosuch:1: docker.io/dimgc-rmi/nosuch:1: image not known");
    CHECK_STR(last_message(message, sizeof message), nosuch);
    dimg_last_error_cli_message(message, sizeof message);
    CHECK(strncmp(message, "Error response from daemon: ", 28) == 0);
    CHECK_STR(message + 28, nosuch);

    CHECK_CODE(dimg_client_remove_image(client, "Dimgc-rmi", NULL, &items), DIMG_RESULT_INVALID_REFERENCE);
    CHECK_CODE(dimg_client_remove_image(client, "../../containers/json", NULL, &items),
               DIMG_RESULT_INVALID_REFERENCE);
    CHECK(items == NULL);

    /* The image is still there, by its remaining names. */
    dimg_image_inspect *image = NULL;
    CHECK_OK(dimg_client_inspect_image(client, p39, &image));
    CHECK(dimg_strings_len(dimg_image_inspect_repo_tags(image)) == 2);
    dimg_image_inspect_free(image);
    PASS("remove one: untag, conflict by id, not found, invalid reference");
}

static void many_with_a_container(dimg_client *client, const char *p39) {
    char *create = fmt("create --name %s dimgc-rmi/b:1 /nothing", CONTAINER);
    free(docker_cli(create));
    free(create);

    const char *names[] = {"dimgc-rmi/b:1", "dimgc-rmi/nosuch:2", p39};
    dimg_remove_report *report = NULL;
    CHECK_OK(dimg_client_remove_images(client, names, 3, NULL, &report));
    CHECK(dimg_remove_report_len(report) == 3);
    CHECK(dimg_remove_report_exit_code(report) == 1);

    /* another name remains: untagged even though a container uses the image */
    const dimg_remove_outcome *o = dimg_remove_report_get(report, 0);
    CHECK_STR(dimg_remove_outcome_target(o), "dimgc-rmi/b:1");
    CHECK(dimg_remove_outcome_result(o) == DIMG_RESULT_OK);
    CHECK_STR(dimg_remove_outcome_message(o), "");
    CHECK_STR(dimg_remove_outcome_cli_message(o), "");
    CHECK(dimg_remove_outcome_http_status(o) == 0);
    CHECK(dimg_removed_items_len(dimg_remove_outcome_items(o)) == 1);
    check_item(dimg_remove_outcome_items(o), 0, DIMG_REMOVED_KIND_UNTAGGED, "dimgc-rmi/b:1");

    o = dimg_remove_report_get(report, 1);
    CHECK_STR(dimg_remove_outcome_target(o), "dimgc-rmi/nosuch:2");
    CHECK(dimg_remove_outcome_result(o) == DIMG_RESULT_NOT_FOUND);
    CHECK(dimg_remove_outcome_http_status(o) == 404);
    if (is_podman()) { /* its own words, naming the image */
        CHECK_CONTAINS(dimg_remove_outcome_message(o), "dimgc-rmi/nosuch:2: image not known");
        CHECK_CONTAINS(dimg_remove_outcome_cli_message(o), "Error response from daemon: ");
    } else {
        CHECK_STR(dimg_remove_outcome_message(o), "No such image: dimgc-rmi/nosuch:2");
        CHECK_STR(dimg_remove_outcome_cli_message(o), "Error response from daemon: No such image: dimgc-rmi/nosuch:2");
    }
    CHECK(dimg_remove_outcome_items(o) != NULL && dimg_removed_items_len(dimg_remove_outcome_items(o)) == 0);

    /* the last name of an image a container uses: 409 */
    o = dimg_remove_report_get(report, 2);
    CHECK_STR(dimg_remove_outcome_target(o), p39);
    CHECK(dimg_remove_outcome_result(o) == DIMG_RESULT_CONFLICT);
    CHECK(dimg_remove_outcome_http_status(o) == 409);
    CHECK_CONTAINS(dimg_remove_outcome_message(o), "container");
    CHECK(dimg_remove_report_get(report, 3) == NULL);
    dimg_remove_report_free(report);

    /* every target failed with a "no such image" and no force: exit code 1 */
    const char *missing[] = {"dimgc-rmi/nosuch:3"};
    report = NULL;
    CHECK_OK(dimg_client_remove_images(client, missing, 1, NULL, &report));
    CHECK(dimg_remove_report_exit_code(report) == 1);
    dimg_remove_report_free(report);

    /* no targets at all */
    report = NULL;
    CHECK_OK(dimg_client_remove_images(client, NULL, 0, NULL, &report));
    CHECK(dimg_remove_report_len(report) == 0 && dimg_remove_report_exit_code(report) == 0);
    dimg_remove_report_free(report);

    /* a NULL name refuses the whole call before anything is removed */
    const char *with_null[] = {p39, NULL};
    report = NULL;
    CHECK_CODE(dimg_client_remove_images(client, with_null, 2, NULL, &report), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK(report == NULL);
    dimg_image_inspect *image = NULL;
    CHECK_OK(dimg_client_inspect_image(client, p39, &image));
    dimg_image_inspect_free(image);
    PASS("remove many: per-target outcomes, conflict with a container, exit codes");
}

static void forced(dimg_client *client, const char *p39, const char *id) {
    dimg_remove_options *options = dimg_remove_options_new();
    CHECK(options != NULL);
    CHECK_OK(dimg_remove_options_set_force(options, true));
    CHECK_OK(dimg_remove_options_set_noprune(options, true));
    const char *names[] = {p39, "dimgc-rmi/nosuch:4"};
    dimg_remove_report *report = NULL;
    CHECK_OK(dimg_client_remove_images(client, names, 2, options, &report));
    /* forced: "no such image" does not count */
    CHECK(dimg_remove_report_exit_code(report) == 0);
    const dimg_remove_outcome *o = dimg_remove_report_get(report, 0);
    CHECK(dimg_remove_outcome_result(o) == DIMG_RESULT_OK);
    const dimg_removed_items *items = dimg_remove_outcome_items(o);
    size_t n = dimg_removed_items_len(items);
    CHECK(n >= 2);
    check_item(items, 0, DIMG_REMOVED_KIND_UNTAGGED, p39);
    /* force removes the image although a stopped container uses it */
    int deleted_image = 0;
    for (size_t i = 0; i < n; i++) {
        const dimg_removed_item *item = dimg_removed_items_get(items, i);
        if (dimg_removed_item_kind(item) == DIMG_REMOVED_KIND_DELETED && strcmp(dimg_removed_item_value(item), id) == 0)
            deleted_image = 1;
    }
    CHECK(deleted_image);
    CHECK(dimg_remove_outcome_result(dimg_remove_report_get(report, 1)) == DIMG_RESULT_NOT_FOUND);
    dimg_remove_report_free(report);
    dimg_remove_options_free(options);

    char *rm = fmt("rm %s", CONTAINER);
    if (is_podman())
        docker_quiet(rm); /* Podman's forced removal removed the container too */
    else
        free(docker_cli(rm));
    free(rm);
    dimg_image_inspect *image = NULL;
    CHECK_CODE(dimg_client_inspect_image(client, id, &image), DIMG_RESULT_NOT_FOUND);
    PASS("remove with force and noprune");
}

int main(void) {
    need_env("DIMG_TEST_DOCKER_HOST");
    char *p39 = registry_image("t/p39:1.0");
    dimg_client *client = test_client();

    char *cleanup = fmt("rm -f %s", CONTAINER);
    docker_quiet(cleanup);
    free(cleanup);
    cleanup = fmt("rmi -f dimgc-rmi/a:1 dimgc-rmi/b:1 %s", p39);
    docker_quiet(cleanup);
    free(cleanup);

    dimg_pull_summary *summary = NULL;
    CHECK_OK(dimg_client_pull(client, p39, NULL, NULL, NULL, &summary));
    dimg_pull_summary_free(summary);
    CHECK_OK(dimg_client_tag_image(client, p39, "dimgc-rmi/a:1"));
    CHECK_OK(dimg_client_tag_image(client, p39, "dimgc-rmi/b:1"));
    dimg_image_inspect *image = NULL;
    CHECK_OK(dimg_client_inspect_image(client, p39, &image));
    char *id = fmt("%s", dimg_image_inspect_id(image));
    dimg_image_inspect_free(image);

    single(client, p39, id);
    many_with_a_container(client, p39);
    forced(client, p39, id);

    free(id);
    dimg_client_free(client);
    free(p39);
    CHECK_OK(dimg_shutdown());
    PASS("rmi.c");
    return 0;
}
