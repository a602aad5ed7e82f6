/* dimg_client_prune_images against the real engine (and Podman in its pass): dangling images
 * by default, every unused one with all, the report's items and reclaimed space. Every image
 * here carries a label of this process (dimgc-prune=<pid>), and every prune filters on it, so
 * nothing else on the engine is touched. */
#include "check.h"

#include <unistd.h>

/* The ids of every image (intermediate ones too) labelled `label`, how many there are. */
static size_t count_labelled(dimg_client *client, const char *label, const char *id) {
    dimg_list_options *options = dimg_list_options_new();
    CHECK_OK(dimg_list_options_set_all(options, true));
    char *filter = fmt("label=%s", label);
    CHECK_OK(dimg_list_options_add_filter(options, filter));
    free(filter);
    dimg_image_list *list = NULL;
    CHECK_OK(dimg_client_list_images(client, options, &list));
    size_t n = dimg_image_list_len(list);
    if (id != NULL) CHECK(n == 0 || list_has_id(list, id));
    dimg_image_list_free(list);
    dimg_list_options_free(options);
    return n;
}

/* Whether the report deleted `id`. */
static int report_deleted(const dimg_prune_report *report, const char *id) {
    for (size_t i = 0; i < dimg_prune_report_len(report); i++) {
        const dimg_removed_item *item = dimg_prune_report_get(report, i);
        if (dimg_removed_item_kind(item) == DIMG_REMOVED_KIND_DELETED && strcmp(dimg_removed_item_value(item), id) == 0)
            return 1;
    }
    return 0;
}

int main(void) {
    int pid = (int)getpid();
    char *label = fmt("dimgc-prune=%d", pid);
    char *other_label = fmt("dimgc-prune=other-%d", pid);
    char *tag = fmt("dimgc-prune/tagged:%d", pid);
    char *content = fmt("dangling %d", pid);
    char *dangling = import_labelled(content, label, NULL);
    free(content);
    content = fmt("tagged %d", pid);
    char *tagged = import_labelled(content, label, tag);
    free(content);
    content = fmt("other %d", pid);
    char *other = import_labelled(content, other_label, NULL);
    free(content);
    char message[512];

    dimg_client *client = test_client();
    CHECK(count_labelled(client, label, NULL) == 2);

    /* Dangling only, and only what carries the label. */
    dimg_prune_options *options = dimg_prune_options_new();
    char *filter = fmt("label=%s", label);
    CHECK_OK(dimg_prune_options_add_filter(options, filter));
    free(filter);
    dimg_prune_report *report = NULL;
    CHECK_OK(dimg_client_prune_images(client, options, &report));
    CHECK(report_deleted(report, dangling));
    for (size_t i = 0; i < dimg_prune_report_len(report); i++) {
        const dimg_removed_item *item = dimg_prune_report_get(report, i);
        CHECK(dimg_removed_item_kind(item) == DIMG_REMOVED_KIND_DELETED); /* nothing tagged went */
        CHECK(strncmp(dimg_removed_item_line(item), "Deleted: sha256:", 16) == 0);
    }
    CHECK(dimg_prune_report_get(report, dimg_prune_report_len(report)) == NULL);
    dimg_prune_report_free(report);
    report = NULL;
    CHECK(count_labelled(client, label, tagged) == 1);
    CHECK(count_labelled(client, other_label, other) == 1); /* not ours: it stays */

    /* NULL options: the defaults, refused arguments before anything is sent. */
    CHECK_CODE(dimg_client_prune_images(client, NULL, NULL), DIMG_RESULT_INVALID_ARGUMENT);

    if (is_podman()) {
        /* Its compatible endpoint prunes dangling images only, and ignores label!: refused,
         * nothing removed. */
        CHECK_OK(dimg_prune_options_set_all(options, true));
        CHECK_CODE(dimg_client_prune_images(client, options, &report), DIMG_RESULT_UNSUPPORTED_OPTION);
        CHECK_CONTAINS(last_message(message, sizeof message), "Podman");
        CHECK(report == NULL);
        CHECK_OK(dimg_prune_options_set_all(options, false));
        CHECK_OK(dimg_prune_options_add_filter(options, "label!=dimgc-keep"));
        CHECK_CODE(dimg_client_prune_images(client, options, &report), DIMG_RESULT_UNSUPPORTED_OPTION);
        CHECK(report == NULL);
        CHECK(count_labelled(client, label, tagged) == 1);
    } else {
        /* With all: the tagged one too, its untag first. */
        CHECK_OK(dimg_prune_options_set_all(options, true));
        CHECK_OK(dimg_client_prune_images(client, options, &report));
        CHECK(dimg_prune_report_len(report) >= 2);
        const dimg_removed_item *first = dimg_prune_report_get(report, 0);
        CHECK(dimg_removed_item_kind(first) == DIMG_REMOVED_KIND_UNTAGGED);
        CHECK_STR(dimg_removed_item_value(first), tag);
        char *line = fmt("Untagged: %s", tag);
        CHECK_STR(dimg_removed_item_line(first), line);
        free(line);
        CHECK(report_deleted(report, tagged));
        CHECK(dimg_prune_report_space_reclaimed(report) > 0);
        dimg_prune_report_free(report);
        report = NULL;
        CHECK(count_labelled(client, label, NULL) == 0);
        CHECK(count_labelled(client, other_label, other) == 1);

        /* Nothing left: an empty report, not an error. */
        CHECK_OK(dimg_client_prune_images(client, options, &report));
        CHECK(dimg_prune_report_len(report) == 0 && dimg_prune_report_space_reclaimed(report) == 0);
        CHECK(dimg_prune_report_get(report, 0) == NULL);
        dimg_prune_report_free(report);
        report = NULL;

        /* What the daemon refuses is its error, with its status. */
        CHECK_OK(dimg_prune_options_add_filter(options, "until=not-a-time"));
        dimg_result refused = dimg_client_prune_images(client, options, &report);
        CHECK(refused == DIMG_RESULT_API);
        CHECK(dimg_last_error_http_status() >= 400);
        CHECK(report == NULL);
    }
    dimg_prune_options_free(options);

    char *cleanup = fmt("rmi -f %s %s %s", tagged, other, dangling);
    docker_quiet(cleanup);
    free(cleanup);
    CHECK(count_labelled(client, label, NULL) == 0);
    CHECK(count_labelled(client, other_label, NULL) == 0);
    dimg_client_free(client);
    free(label);
    free(other_label);
    free(tag);
    free(dangling);
    free(tagged);
    free(other);
    CHECK_OK(dimg_shutdown());
    PASS("prune.c");
    return 0;
}
