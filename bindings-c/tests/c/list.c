/* docker images through libdimg: every list option, image accessors, inspect, tag, and the
 * format helpers checked against the real docker CLI.
 *
 * Owns $DIMG_TEST_REGISTRY/t/p38:1.0 and the images labelled org.example.dimgc=list-* it
 * imports; removes them all at the end. */
#include "check.h"

static const char *LABELLED = "dimgc-list/labelled:1";

static dimg_image_list *list_with(dimg_client *client, const dimg_list_options *options) {
    dimg_image_list *list = NULL;
    CHECK_OK(dimg_client_list_images(client, options, &list));
    CHECK(list != NULL);
    return list;
}

/* The images matching one filter. */
static dimg_image_list *list_filtered(dimg_client *client, const char *filter) {
    dimg_list_options *options = dimg_list_options_new();
    CHECK(options != NULL);
    CHECK_OK(dimg_list_options_add_filter(options, filter));
    dimg_image_list *list = list_with(client, options);
    dimg_list_options_free(options);
    return list;
}

static const dimg_image *find_tag(const dimg_image_list *list, const char *reference) {
    for (size_t i = 0; i < dimg_image_list_len(list); i++) {
        const dimg_image *image = dimg_image_list_get(list, i);
        const dimg_strings *tags = dimg_image_repo_tags(image);
        for (size_t t = 0; t < dimg_strings_len(tags); t++)
            if (strcmp(dimg_strings_get(tags, t), reference) == 0) return image;
    }
    return NULL;
}

static void default_list_and_accessors(dimg_client *client, const char *p38, const char *dangling_id) {
    dimg_image_list *list = list_with(client, NULL);
    const dimg_image *image = find_tag(list, p38);
    CHECK(image != NULL);
    CHECK(list_has_tag(list, LABELLED));
    CHECK(list_has_id(list, dangling_id)); /* docker images shows dangling top-level images */

    const char *id = dimg_image_id(image);
    CHECK(strncmp(id, "sha256:", 7) == 0 && strlen(id) == 71);
    CHECK_STR(dimg_image_parent_id(image), "");
    CHECK(dimg_image_created(image) == 1704236400); /* 2024-01-02T23:00:00Z, from the seed */
    CHECK(dimg_image_size(image) > 0);
    /* Docker says -1 (not computed); Podman counts. */
    CHECK(dimg_image_shared_size(image) == BY_ENGINE(-1, 0));
    CHECK(dimg_image_containers(image) == BY_ENGINE(-1, 0));
    CHECK(!dimg_image_is_dangling(image));
    CHECK(dimg_labels_len(dimg_image_labels(image)) == 0);
    CHECK(dimg_image_manifests_len(image) == 0);
    CHECK(dimg_image_manifest(image, 0) == NULL);
    const dimg_strings *digests = dimg_image_repo_digests(image);
    CHECK(dimg_strings_len(digests) == 1);
    char *digest_prefix = registry_image("t/p38@sha256:");
    CHECK(strncmp(dimg_strings_get(digests, 0), digest_prefix, strlen(digest_prefix)) == 0);
    free(digest_prefix);
    CHECK(dimg_strings_get(digests, 1) == NULL);
    CHECK(dimg_image_list_get(list, dimg_image_list_len(list)) == NULL);

    /* The format helpers render exactly what docker images prints. */
    char *args = fmt("images --format '{{.ID}}|{{.Size}}|{{.CreatedSince}}' %s", p38);
    char *cli = docker_cli(args);
    char mine[256], short_id[64], size[32], created[64];
    CHECK(dimg_format_short_id(id, short_id, sizeof short_id) == 12);
    dimg_format_image_size(dimg_image_size(image), size, sizeof size);
    dimg_format_created_since(dimg_image_created(image), created, sizeof created);
    snprintf(mine, sizeof mine, "%s|%s|%s", short_id, size, created);
    CHECK_STR(mine, cli);
    free(cli);
    free(args);

    /* snprintf semantics: the full length comes back, the copy is cut and terminated. */
    char tiny[5];
    CHECK(dimg_format_short_id(id, tiny, sizeof tiny) == 12);
    CHECK(strlen(tiny) == 4 && strncmp(tiny, short_id, 4) == 0);
    CHECK(dimg_format_short_id(id, NULL, 0) == 12);
    dimg_image_list_free(list);
    PASS("default list, image accessors, format helpers = docker CLI");
}

static void all_option(dimg_client *client, const char *p38, const char *dangling_id) {
    dimg_list_options *options = dimg_list_options_new();
    CHECK_OK(dimg_list_options_set_all(options, true));
    dimg_image_list *all = list_with(client, options);
    CHECK(find_tag(all, p38) != NULL && find_tag(all, LABELLED) != NULL && list_has_id(all, dangling_id));
    CHECK_OK(dimg_list_options_set_all(options, false));
    dimg_image_list_free(all);
    dimg_list_options_free(options);
    PASS("all");
}

static void dangling_filter(dimg_client *client, const char *p38, const char *dangling_id) {
    dimg_image_list *list = list_filtered(client, "dangling=true");
    CHECK(list_has_id(list, dangling_id));
    CHECK(!list_has_tag(list, p38));
    for (size_t i = 0; i < dimg_image_list_len(list); i++) {
        /* the daemon's "dangling" is "untagged"; a digest may remain (and is_dangling is false) */
        const dimg_image *image = dimg_image_list_get(list, i);
        CHECK(dimg_strings_len(dimg_image_repo_tags(image)) == 0);
        if (strcmp(dimg_image_id(image), dangling_id) == 0) CHECK(dimg_image_is_dangling(image));
    }
    dimg_image_list_free(list);
    list = list_filtered(client, " Dangling = FALSE "); /* parsed like the docker CLI */
    CHECK(list_has_tag(list, p38));
    CHECK(!list_has_id(list, dangling_id));
    dimg_image_list_free(list);
    PASS("filter dangling");
}

static void label_filter(dimg_client *client, const char *p38, const char *dangling_id) {
    dimg_image_list *list = list_filtered(client, "label=org.example.dimgc");
    CHECK(list_has_tag(list, LABELLED) && list_has_id(list, dangling_id) && !list_has_tag(list, p38));
    dimg_image_list_free(list);

    list = list_filtered(client, "label=org.example.dimgc=list-named");
    CHECK(dimg_image_list_len(list) == 1);
    const dimg_image *image = dimg_image_list_get(list, 0);
    const dimg_labels *labels = dimg_image_labels(image);
    CHECK(dimg_labels_len(labels) == 1);
    CHECK_STR(dimg_labels_key(labels, 0), "org.example.dimgc");
    CHECK_STR(dimg_labels_value(labels, 0), "list-named");
    CHECK_STR(dimg_labels_find(labels, "org.example.dimgc"), "list-named");
    CHECK(dimg_labels_find(labels, "org.example.nope") == NULL);
    CHECK(dimg_labels_key(labels, 1) == NULL && dimg_labels_value(labels, 1) == NULL);
    dimg_image_list_free(list);

    list = list_filtered(client, "label=org.example.dimgc=no-such-value");
    CHECK(dimg_image_list_len(list) == 0);
    CHECK(dimg_image_list_get(list, 0) == NULL);
    dimg_image_list_free(list);
    PASS("filter label");
}

static void before_and_since_filters(dimg_client *client, const char *p38) {
    char *before = fmt("before=%s", LABELLED); /* imported now, long after p38 (2024) */
    dimg_image_list *list = list_filtered(client, before);
    CHECK(list_has_tag(list, p38) && !list_has_tag(list, LABELLED));
    dimg_image_list_free(list);
    free(before);

    char *since = fmt("since=%s", p38);
    list = list_filtered(client, since);
    CHECK(list_has_tag(list, LABELLED) && !list_has_tag(list, p38));
    dimg_image_list_free(list);
    free(since);

    /* An image the daemon does not know: its 404. */
    dimg_list_options *options = dimg_list_options_new();
    CHECK_OK(dimg_list_options_add_filter(options, "before=dimgc-list/nosuch:1"));
    dimg_image_list *none = NULL;
    CHECK_CODE(dimg_client_list_images(client, options, &none), DIMG_RESULT_NOT_FOUND);
    CHECK(none == NULL);
    CHECK(dimg_last_error_http_status() == 404);
    dimg_list_options_free(options);
    PASS("filter before / since");
}

static void reference_option_and_filter(dimg_client *client, const char *p38) {
    char *repository = registry_image("t/p38");
    char *glob = registry_image("t/p3[8]:*");
    dimg_list_options *options = dimg_list_options_new();

    CHECK_OK(dimg_list_options_set_reference(options, repository));
    dimg_image_list *list = list_with(client, options);
    CHECK(dimg_image_list_len(list) == 1 && find_tag(list, p38) != NULL);
    dimg_image_list_free(list);

    CHECK_OK(dimg_list_options_set_reference(options, glob)); /* replaces the first */
    list = list_with(client, options);
    CHECK(dimg_image_list_len(list) == 1 && find_tag(list, p38) != NULL);
    dimg_image_list_free(list);

    CHECK_OK(dimg_list_options_set_reference(options, "dimgc-list/no-such-repo"));
    list = list_with(client, options);
    CHECK(dimg_image_list_len(list) == 0);
    dimg_image_list_free(list);

    CHECK_OK(dimg_list_options_set_reference(options, NULL)); /* removed again */
    list = list_with(client, options);
    CHECK(dimg_image_list_len(list) > 1);
    dimg_image_list_free(list);

    /* reference= filters with the same key are alternatives. */
    char *first = fmt("reference=%s", repository);
    CHECK_OK(dimg_list_options_add_filter(options, first));
    CHECK_OK(dimg_list_options_add_filter(options, "reference=dimgc-list/*"));
    list = list_with(client, options);
    CHECK(dimg_image_list_len(list) == 2 && find_tag(list, p38) && find_tag(list, LABELLED));
    dimg_image_list_free(list);
    /* different keys all apply */
    CHECK_OK(dimg_list_options_add_filter(options, "label=org.example.dimgc"));
    list = list_with(client, options);
    CHECK(dimg_image_list_len(list) == 1 && find_tag(list, LABELLED));
    dimg_image_list_free(list);

    free(first);
    free(glob);
    free(repository);
    dimg_list_options_free(options);
    PASS("reference option and reference filter");
}

static void refused_options(dimg_client *client) {
    char message[512];
    dimg_list_options *options = dimg_list_options_new();
    CHECK_CODE(dimg_list_options_add_filter(options, "colour=blue"), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_STR(last_message(message, sizeof message), "invalid filter 'colour'");
    CHECK_CODE(dimg_list_options_add_filter(options, "dangling"), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_CODE(dimg_list_options_add_filter(options, "dangling=maybe"), DIMG_RESULT_INVALID_ARGUMENT);
    CHECK_CODE(dimg_list_options_add_filter(options, "label=\xff"), DIMG_RESULT_INVALID_ARGUMENT);
    dimg_image_list *list = list_with(client, options); /* refused filters were not added */
    dimg_image_list_free(list);

    /* Options newer than the daemon's API (1.41) are refused before sending. */
    CHECK_OK(dimg_list_options_add_filter(options, "until=10m"));
    list = NULL;
    CHECK_CODE(dimg_client_list_images(client, options, &list), DIMG_RESULT_UNSUPPORTED_OPTION);
    CHECK(list == NULL);
    CHECK_CONTAINS(last_message(message, sizeof message), "until requires API version 1.44");
    dimg_list_options_free(options);

    options = dimg_list_options_new();
    CHECK_OK(dimg_list_options_set_shared_size(options, true));
    CHECK_CODE(dimg_client_list_images(client, options, &list), DIMG_RESULT_UNSUPPORTED_OPTION);
    CHECK_CONTAINS(last_message(message, sizeof message), "shared-size requires API version 1.42");
    CHECK_OK(dimg_list_options_set_shared_size(options, false));
    CHECK_OK(dimg_list_options_set_manifests(options, true));
    CHECK_CODE(dimg_client_list_images(client, options, &list), DIMG_RESULT_UNSUPPORTED_OPTION);
    CHECK_CONTAINS(last_message(message, sizeof message), "manifests requires API version 1.47");
    CHECK(list == NULL);
    dimg_list_options_free(options);
    PASS("refused filters and options");
}

static void inspect_and_tag(dimg_client *client, const char *p38) {
    dimg_image_inspect *image = NULL;
    CHECK_OK(dimg_client_inspect_image(client, p38, &image));
    CHECK(strncmp(dimg_image_inspect_id(image), "sha256:", 7) == 0);
    CHECK(dimg_strings_len(dimg_image_inspect_repo_tags(image)) == 1);
    CHECK_STR(dimg_strings_get(dimg_image_inspect_repo_tags(image), 0), p38);
    CHECK(dimg_strings_len(dimg_image_inspect_repo_digests(image)) == 1);
    CHECK_STR(dimg_image_inspect_created(image), "2024-01-02T23:00:00Z");
    int64_t created = 0;
    CHECK(dimg_image_inspect_created_unix(image, &created) && created == 1704236400);
    CHECK(!dimg_image_inspect_created_unix(image, NULL));
    CHECK_STR(dimg_image_inspect_architecture(image), "amd64");
    CHECK_STR(dimg_image_inspect_os(image), "linux");
    CHECK_STR(dimg_image_inspect_variant(image), "");
    CHECK(dimg_image_inspect_parent(image) != NULL && dimg_image_inspect_comment(image) != NULL);
    CHECK(dimg_image_inspect_size(image) > 0);
    CHECK(dimg_strings_len(dimg_image_inspect_layers(image)) == 1);
    CHECK_STR(dimg_strings_get(dimg_image_inspect_layers(image), 0),
              "sha256:1213a0696f560b906753e18669f8d9cf8d5dbff3dedc983b5eb8fa6810ad1ce2");
    CHECK(dimg_image_inspect_env(image) != NULL && dimg_image_inspect_cmd(image) != NULL);
    CHECK(dimg_image_inspect_entrypoint(image) != NULL && dimg_image_inspect_working_dir(image) != NULL);
    char *id = fmt("%s", dimg_image_inspect_id(image));
    dimg_image_inspect_free(image);

    /* by id and by short id */
    image = NULL;
    CHECK_OK(dimg_client_inspect_image(client, id + 7, &image));
    CHECK_STR(dimg_image_inspect_id(image), id);
    dimg_image_inspect_free(image);

    /* labels through inspect */
    image = NULL;
    CHECK_OK(dimg_client_inspect_image(client, LABELLED, &image));
    CHECK_STR(dimg_labels_find(dimg_image_inspect_labels(image), "org.example.dimgc"), "list-named");
    dimg_image_inspect_free(image);

    /* tag, then list by the new name, then remove the tag */
    CHECK_OK(dimg_client_tag_image(client, p38, "dimgc-list/p38"));
    dimg_image_list *list = NULL;
    dimg_list_options *options = dimg_list_options_new();
    CHECK_OK(dimg_list_options_set_reference(options, "dimgc-list/p38:latest"));
    CHECK_OK(dimg_client_list_images(client, options, &list));
    CHECK(dimg_image_list_len(list) == 1);
    CHECK_STR(dimg_image_id(dimg_image_list_get(list, 0)), id);
    dimg_image_list_free(list);
    dimg_list_options_free(options);
    dimg_removed_items *items = NULL;
    CHECK_OK(dimg_client_remove_image(client, "dimgc-list/p38", NULL, &items));
    CHECK(dimg_removed_items_len(items) == 1);
    CHECK_STR(dimg_removed_item_line(dimg_removed_items_get(items, 0)), "Untagged: dimgc-list/p38:latest");
    dimg_removed_items_free(items);

    image = NULL;
    CHECK_CODE(dimg_client_inspect_image(client, "dimgc-list/p38", &image), DIMG_RESULT_NOT_FOUND);
    CHECK(image == NULL);
    CHECK_CODE(dimg_client_tag_image(client, p38, "dimgc-list/x@sha256:1213a0696f560b906753e18669f8d9cf8d5dbff3dedc983b5eb8fa6810ad1ce2"),
               DIMG_RESULT_INVALID_REFERENCE);
    CHECK_CODE(dimg_client_tag_image(client, "dimgc-list/nosuch:1", "dimgc-list/x:1"), DIMG_RESULT_NOT_FOUND);
    free(id);
    PASS("inspect and tag");
}

static void table(void) {
    dimg_table *t = dimg_table_new();
    const char *header[] = {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"};
    const char *row[] = {"myrepo/tiny", "a", "4c34b7be319e", "15 minutes ago", "6B"};
    CHECK_OK(dimg_table_add_row(t, header, 5));
    CHECK_STR(dimg_table_text(t), "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n");
    CHECK_OK(dimg_table_add_row(t, row, 5));
    CHECK_STR(dimg_table_text(t),
              "REPOSITORY    TAG       IMAGE ID       CREATED          SIZE\n"
              "myrepo/tiny   a         4c34b7be319e   15 minutes ago   6B\n");
    CHECK_OK(dimg_table_add_row(t, NULL, 0));
    dimg_table_free(t);
    PASS("table");
}

int main(void) {
    need_env("DIMG_TEST_DOCKER_HOST");
    char *p38 = registry_image("t/p38:1.0");
    dimg_client *client = test_client();

    /* Leftovers of an interrupted run. */
    docker_quiet("rmi -f dimgc-list/labelled:1 dimgc-list/p38");
    docker_quiet("rmi -f $(DOCKER_HOST=$DIMG_TEST_DOCKER_HOST docker images -q --filter label=org.example.dimgc=list-dangling)");

    CHECK_OK(dimg_client_pull(client, p38, NULL, NULL, NULL, NULL));
    char *labelled_id = import_image("list-named", LABELLED);
    char *dangling_id = import_image("list-dangling", NULL);

    default_list_and_accessors(client, p38, dangling_id);
    all_option(client, p38, dangling_id);
    dangling_filter(client, p38, dangling_id);
    label_filter(client, p38, dangling_id);
    before_and_since_filters(client, p38);
    reference_option_and_filter(client, p38);
    refused_options(client);
    inspect_and_tag(client, p38);
    table();

    const char *targets[] = {p38, LABELLED, dangling_id};
    dimg_remove_report *report = NULL;
    CHECK_OK(dimg_client_remove_images(client, targets, 3, NULL, &report));
    CHECK(dimg_remove_report_exit_code(report) == 0);
    dimg_remove_report_free(report);
    dimg_image_list *list = list_with(client, NULL);
    CHECK(!list_has_tag(list, p38) && !list_has_id(list, dangling_id) && !list_has_id(list, labelled_id));
    dimg_image_list_free(list);

    free(labelled_id);
    free(dangling_id);
    dimg_client_free(client);
    free(p38);
    CHECK_OK(dimg_shutdown());
    PASS("list.c");
    return 0;
}
