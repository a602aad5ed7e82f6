/* dimg-images: `docker images` in C, on libdimg.
 *
 *   dimg-images [-a] [-f KEY=VALUE]... [REPOSITORY[:TAG]]
 *
 * Talks to DOCKER_HOST (or /var/run/docker.sock) and prints the docker CLI's table,
 * REPOSITORY TAG IMAGE ID CREATED SIZE, with the CLI's own layout and wording (dimg's format
 * helpers). Build it against an installed libdimg:
 *
 *   cc -std=c11 dimg-images.c $(pkg-config --cflags --libs dimg) -o dimg-images
 */
#include <dimg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void) {
    fprintf(stderr, "usage: dimg-images [-a] [-f KEY=VALUE]... [REPOSITORY[:TAG]]\n");
    return 2;
}

/* Prints the last dimg error the way docker does, and returns docker's exit code. */
static int fail(void) {
    char message[1024];
    dimg_last_error_cli_message(message, sizeof message);
    fprintf(stderr, "%s\n", message);
    return 1;
}

/* One table row: REPOSITORY TAG IMAGE ID CREATED SIZE. */
static dimg_result add_row(dimg_table *table, const dimg_image *image, const char *repository, const char *tag) {
    char id[16], created[64], size[32];
    dimg_format_short_id(dimg_image_id(image), id, sizeof id);
    dimg_format_created_since(dimg_image_created(image), created, sizeof created);
    dimg_format_image_size(dimg_image_size(image), size, sizeof size);
    const char *cells[] = {repository, tag, id, created[0] ? created : "N/A", size};
    return dimg_table_add_row(table, cells, 5);
}

/* Splits "name:tag" (the tag is after the last ':' that follows the last '/') into `name`;
 * returns the tag, or NULL when there is none. */
static const char *split_tag(const char *reference, char *name, size_t len) {
    const char *slash = strrchr(reference, '/');
    const char *colon = strrchr(reference, ':');
    if (colon == NULL || (slash != NULL && colon < slash)) colon = NULL;
    size_t n = colon ? (size_t)(colon - reference) : strlen(reference);
    snprintf(name, len, "%.*s", (int)n, reference);
    return colon ? colon + 1 : NULL;
}

/* Whether `repository` already has a row for this image (from a tag). */
static int has_tag_in(const dimg_strings *tags, const char *repository) {
    char name[512];
    for (size_t t = 0; t < dimg_strings_len(tags); t++) {
        split_tag(dimg_strings_get(tags, t), name, sizeof name);
        if (strcmp(name, repository) == 0) return 1;
    }
    return 0;
}

/* The rows of one image, as the docker CLI makes them: one per tag; one per repository known
 * only by digest, with tag <none>; <none> <none> for a dangling image. */
static dimg_result add_image(dimg_table *table, const dimg_image *image) {
    const dimg_strings *tags = dimg_image_repo_tags(image);
    const dimg_strings *digests = dimg_image_repo_digests(image);
    char name[512];
    dimg_result r = DIMG_RESULT_OK;
    for (size_t t = 0; t < dimg_strings_len(tags) && r == DIMG_RESULT_OK; t++) {
        const char *tag = split_tag(dimg_strings_get(tags, t), name, sizeof name);
        r = add_row(table, image, name, tag ? tag : "<none>");
    }
    for (size_t d = 0; d < dimg_strings_len(digests) && r == DIMG_RESULT_OK; d++) {
        const char *digest = dimg_strings_get(digests, d);
        const char *at = strchr(digest, '@');
        snprintf(name, sizeof name, "%.*s", (int)(at ? (size_t)(at - digest) : strlen(digest)), digest);
        int seen = has_tag_in(tags, name);
        for (size_t e = 0; e < d && !seen; e++) /* one row per repository */
            seen = strncmp(dimg_strings_get(digests, e), name, strlen(name)) == 0 &&
                   dimg_strings_get(digests, e)[strlen(name)] == '@';
        if (!seen) r = add_row(table, image, name, "<none>");
    }
    if (dimg_strings_len(tags) == 0 && dimg_strings_len(digests) == 0 && r == DIMG_RESULT_OK)
        r = add_row(table, image, "<none>", "<none>");
    return r;
}

int main(int argc, char **argv) {
    dimg_list_options *options = dimg_list_options_new();
    if (options == NULL) return 1;
    int status = 0;
    for (int i = 1; i < argc && status == 0; i++) {
        if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "--all") == 0) {
            if (dimg_list_options_set_all(options, true) != DIMG_RESULT_OK) status = fail();
        } else if ((strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--filter") == 0) && i + 1 < argc) {
            if (dimg_list_options_add_filter(options, argv[++i]) != DIMG_RESULT_OK) status = fail();
        } else if (argv[i][0] == '-') {
            status = usage();
        } else if (dimg_list_options_set_reference(options, argv[i]) != DIMG_RESULT_OK) {
            status = fail();
        }
    }

    dimg_client *client = NULL;
    dimg_image_list *images = NULL;
    dimg_table *table = NULL;
    if (status == 0 && dimg_client_new(NULL, 0, &client) != DIMG_RESULT_OK) status = fail();
    if (status == 0 && dimg_client_list_images(client, options, &images) != DIMG_RESULT_OK) status = fail();
    if (status == 0) {
        table = dimg_table_new();
        const char *header[] = {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"};
        if (dimg_table_add_row(table, header, 5) != DIMG_RESULT_OK) status = fail();
        for (size_t i = 0; i < dimg_image_list_len(images) && status == 0; i++)
            if (add_image(table, dimg_image_list_get(images, i)) != DIMG_RESULT_OK) status = fail();
        if (status == 0) fputs(dimg_table_text(table), stdout);
    }

    dimg_table_free(table);
    dimg_image_list_free(images);
    dimg_client_free(client);
    dimg_list_options_free(options);
    dimg_shutdown();
    return status;
}
