/* The C API against Podman's Docker-compatible service (DIMG_TEST_PODMAN_HOST): the same
 * calls and result codes as against dockerd; what Podman lacks is refused with a code.
 * Uses the seeded image t/p34. */
#include "check.h"

int main(void) {
    const char *host = need_env("DIMG_TEST_PODMAN_HOST");
    char *reference = registry_image("t/p34:1.0");
    char *repository = registry_image("t/p34");
    char *missing = registry_image("tiny");
    char *all = registry_image("alltags");
    char message[512];

    dimg_client *client = NULL;
    CHECK_OK(dimg_client_new(host, 0, &client));
    dimg_ping *ping = NULL;
    CHECK_OK(dimg_client_ping(client, &ping));
    CHECK(dimg_ping_is_podman(ping));
    CHECK_STR(dimg_ping_api_version(ping), "1.41");
    dimg_ping_free(ping);

    dimg_remove_options *force = dimg_remove_options_new();
    CHECK_OK(dimg_remove_options_set_force(force, true));
    dimg_removed_items *removed = NULL;
    dimg_result gone = dimg_client_remove_image(client, reference, force, &removed);
    CHECK(gone == DIMG_RESULT_OK || gone == DIMG_RESULT_NOT_FOUND);
    dimg_removed_items_free(removed);
    removed = NULL;

    /* Pull: no Digest:/Status: lines on Podman; the summary still has the digest, and the
     * outcome from the local image before and after. */
    dimg_pull_summary *summary = NULL;
    CHECK_OK(dimg_client_pull(client, reference, NULL, NULL, NULL, &summary));
    CHECK(dimg_pull_summary_outcome(summary) == DIMG_PULL_OUTCOME_DOWNLOADED);
    CHECK(strncmp(dimg_pull_summary_digest(summary), "sha256:", 7) == 0);
    CHECK_STR(dimg_pull_summary_reference(summary), reference);
    dimg_pull_summary_free(summary);

    /* List and inspect. */
    dimg_list_options *options = dimg_list_options_new();
    CHECK_OK(dimg_list_options_set_reference(options, repository));
    dimg_image_list *list = NULL;
    CHECK_OK(dimg_client_list_images(client, options, &list));
    CHECK(dimg_image_list_len(list) == 1);
    CHECK_STR(dimg_strings_get(dimg_image_repo_tags(dimg_image_list_get(list, 0)), 0), reference);
    dimg_image_list_free(list);
    dimg_list_options_free(options);
    dimg_image_inspect *inspect = NULL;
    CHECK_OK(dimg_client_inspect_image(client, reference, &inspect));
    CHECK(strncmp(dimg_image_inspect_id(inspect), "sha256:", 7) == 0);
    dimg_image_inspect_free(inspect);

    /* A missing tag: a 200 stream ending in errorDetail on Podman, NOT_FOUND all the same. */
    CHECK_CODE(dimg_client_pull(client, missing, NULL, NULL, NULL, NULL), DIMG_RESULT_NOT_FOUND);
    /* All tags: the compatible endpoint would pull `latest`; refused. */
    dimg_pull_options *every = dimg_pull_options_new();
    CHECK_OK(dimg_pull_options_set_all_tags(every, true));
    CHECK_CODE(dimg_client_pull(client, all, every, NULL, NULL, NULL), DIMG_RESULT_UNSUPPORTED_OPTION);
    CHECK(strstr(last_message(message, sizeof message), "Podman") != NULL);
    dimg_pull_options_free(every);

    /* Remove: Untagged first and `sha256:` ids, as on Docker. */
    CHECK_OK(dimg_client_remove_image(client, reference, NULL, &removed));
    CHECK(dimg_removed_items_len(removed) >= 2);
    CHECK(dimg_removed_item_kind(dimg_removed_items_get(removed, 0)) == DIMG_REMOVED_KIND_UNTAGGED);
    CHECK_STR(dimg_removed_item_value(dimg_removed_items_get(removed, 0)), reference);
    CHECK(strncmp(dimg_removed_item_value(dimg_removed_items_get(removed, 1)), "sha256:", 7) == 0);
    dimg_removed_items_free(removed);
    CHECK_CODE(dimg_client_remove_image(client, reference, NULL, &removed), DIMG_RESULT_NOT_FOUND);

    dimg_remove_options_free(force);
    dimg_client_free(client);
    free(reference);
    free(repository);
    free(missing);
    free(all);
    CHECK_OK(dimg_shutdown());
    PASS("podman.c");
    return 0;
}
