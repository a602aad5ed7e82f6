//! Every exported function given NULL pointers: `INVALID_ARGUMENT` (outputs untouched), NULL, 0
//! or false, never a crash. A last test checks that this file names every exported function.

use std::ffi::{CStr, c_char};
use std::ptr::{null, null_mut};

use crate::*;

const INVALID: dimg_result = dimg_result::InvalidArgument;

/// A client that is never used for I/O here (every call below fails its argument checks first).
fn client() -> *mut dimg_client {
    let mut client = null_mut();
    assert_eq!(
        dimg_client_new(c"/nonexistent/dimg-c-null.sock".as_ptr(), 0, &mut client),
        dimg_result::Ok
    );
    client
}

fn message() -> String {
    let mut buf = [0u8; 256];
    let n = dimg_last_error_message(buf.as_mut_ptr().cast(), buf.len());
    String::from_utf8(buf[..n.min(255)].to_vec()).unwrap()
}

fn assert_invalid(code: dimg_result, text: &str) {
    assert_eq!(code, INVALID, "{text}");
    assert_eq!(dimg_last_error_code(), INVALID);
    assert_eq!(message(), text);
}

#[test]
fn client_daemon_and_views() {
    assert_invalid(dimg_client_new(null(), 0, null_mut()), "client_out is NULL");
    dimg_client_free(null_mut());
    assert!(dimg_client_socket_path(null()).is_null());
    assert_eq!(dimg_client_timeout_ms(null()), 0);
    assert!(dimg_client_host(null()).is_null());
    assert_invalid(
        dimg_pull_options_set_credentials(null_mut(), null(), null()),
        "options is NULL",
    );
    assert_invalid(dimg_daemon_config_add_mirror(null(), null(), null_mut()), "url is NULL");
    assert_invalid(
        dimg_daemon_config_remove_mirror(null(), null(), null_mut()),
        "url is NULL",
    );
    let c = client();
    assert_invalid(dimg_client_ping(null(), &mut null_mut()), "client is NULL");
    assert_invalid(dimg_client_ping(c, null_mut()), "ping_out is NULL");
    dimg_ping_free(null_mut());
    assert!(dimg_ping_api_version(null()).is_null());
    assert!(dimg_ping_os_type(null()).is_null());
    assert!(dimg_ping_server(null()).is_null());
    assert!(dimg_ping_builder_version(null()).is_null());
    assert!(dimg_ping_libpod_api_version(null()).is_null());
    assert!(!dimg_ping_experimental(null()));
    assert!(!dimg_ping_is_podman(null()));
    let (mut major, mut minor) = (7u16, 7u16);
    assert_invalid(
        dimg_client_api_version(null(), &mut major, &mut minor),
        "client is NULL",
    );
    assert_invalid(
        dimg_client_api_version(c, null_mut(), &mut minor),
        "major_out or minor_out is NULL",
    );
    assert_invalid(
        dimg_client_api_version(c, &mut major, null_mut()),
        "major_out or minor_out is NULL",
    );
    assert_eq!((major, minor), (7, 7));
    assert_invalid(dimg_client_version(null(), &mut null_mut()), "client is NULL");
    assert_invalid(dimg_client_version(c, null_mut()), "version_out is NULL");
    dimg_daemon_version_free(null_mut());
    assert!(dimg_daemon_version_version(null()).is_null());
    assert!(dimg_daemon_version_api_version(null()).is_null());
    assert!(dimg_daemon_version_min_api_version(null()).is_null());
    assert!(dimg_daemon_version_os(null()).is_null());
    assert!(dimg_daemon_version_arch(null()).is_null());
    assert!(dimg_daemon_version_kernel_version(null()).is_null());
    assert!(dimg_daemon_version_git_commit(null()).is_null());
    assert!(dimg_daemon_version_go_version(null()).is_null());
    assert!(dimg_daemon_version_components(null()).is_null());
    assert_invalid(dimg_client_info(null(), &mut null_mut()), "client is NULL");
    assert_invalid(dimg_client_info(c, null_mut()), "info_out is NULL");
    dimg_daemon_info_free(null_mut());
    assert!(dimg_daemon_info_server_version(null()).is_null());
    assert!(dimg_daemon_info_driver(null()).is_null());
    assert!(dimg_daemon_info_docker_root_dir(null()).is_null());
    assert!(dimg_daemon_info_index_server_address(null()).is_null());
    assert!(dimg_daemon_info_operating_system(null()).is_null());
    assert_eq!(dimg_daemon_info_images(null()), 0);
    assert_eq!(dimg_daemon_info_containers(null()), 0);
    assert!(dimg_daemon_info_registry_mirrors(null()).is_null());
    assert!(dimg_daemon_info_insecure_registry_cidrs(null()).is_null());
    assert_eq!(dimg_strings_len(null()), 0);
    assert!(dimg_strings_get(null(), 0).is_null());
    assert_eq!(dimg_labels_len(null()), 0);
    assert!(dimg_labels_key(null(), 0).is_null());
    assert!(dimg_labels_value(null(), 0).is_null());
    assert!(dimg_labels_find(null(), c"k".as_ptr()).is_null());
    dimg_client_free(c);
}

#[test]
fn client_options_and_endpoint() {
    const BAD: *const c_char = c"bad\xc3\x28utf8".as_ptr();
    let mut out = std::ptr::dangling_mut::<dimg_client>();
    assert_invalid(dimg_client_new_with_options(null(), &mut out), "options is NULL");
    assert_eq!(out, std::ptr::dangling_mut::<dimg_client>(), "untouched");
    dimg_client_options_free(null_mut());
    let options = dimg_client_options_new();
    assert_invalid(dimg_client_new_with_options(options, null_mut()), "client_out is NULL");
    assert_invalid(
        dimg_client_options_set_host(null_mut(), c"tcp://x:1".as_ptr()),
        "options is NULL",
    );
    assert_invalid(dimg_client_options_set_host(options, null()), "host is NULL");
    assert_invalid(dimg_client_options_set_host(options, BAD), "host is not valid UTF-8");
    assert_invalid(
        dimg_client_options_set_context(null_mut(), c"x".as_ptr()),
        "options is NULL",
    );
    assert_invalid(dimg_client_options_set_context(options, null()), "name is NULL");
    assert_invalid(dimg_client_options_set_context(options, BAD), "name is not valid UTF-8");
    assert_invalid(
        dimg_client_options_set_config_dir(null_mut(), c"/x".as_ptr()),
        "options is NULL",
    );
    assert_invalid(dimg_client_options_set_config_dir(options, null()), "dir is NULL");
    assert_invalid(
        dimg_client_options_set_tls_ca_cert(null_mut(), c"/x".as_ptr()),
        "options is NULL",
    );
    assert_invalid(dimg_client_options_set_tls_ca_cert(options, null()), "path is NULL");
    assert_invalid(
        dimg_client_options_set_tls_client_cert(null_mut(), c"/c".as_ptr(), c"/k".as_ptr()),
        "options is NULL",
    );
    assert_invalid(
        dimg_client_options_set_tls_client_cert(options, null(), c"/k".as_ptr()),
        "cert is NULL",
    );
    assert_invalid(
        dimg_client_options_set_tls_client_cert(options, c"/c".as_ptr(), null()),
        "key is NULL",
    );
    assert_invalid(dimg_client_options_set_tls_verify(null_mut(), true), "options is NULL");
    assert_invalid(dimg_client_options_set_timeout_ms(null_mut(), 1), "options is NULL");
    assert_invalid(
        dimg_client_options_set_connect_timeout_ms(null_mut(), 1),
        "options is NULL",
    );
    assert_invalid(
        dimg_client_options_set_credential_helper_timeout_ms(null_mut(), 1),
        "options is NULL",
    );
    assert_eq!(
        dimg_client_options_set_credential_helper_timeout_ms(options, 0),
        dimg_result::Ok
    );
    // The refused calls changed nothing: the options still build the default client (with a
    // config directory of its own, so that no real config.json is read).
    assert_eq!(
        dimg_client_options_set_config_dir(options, c"/nonexistent/dimg-c-null".as_ptr()),
        dimg_result::Ok
    );
    let mut client = null_mut();
    assert_eq!(dimg_client_new_with_options(options, &mut client), dimg_result::Ok);
    assert_eq!(
        unsafe { CStr::from_ptr(dimg_client_host(client)) },
        c"unix:///var/run/docker.sock"
    );
    dimg_client_free(client);
    dimg_client_options_free(options);
    dimg_client_options_free(dimg_client_options_from_env());
    assert_eq!(dimg_client_endpoint_kind(null()), dimg_endpoint_kind::Unknown);
    assert!(dimg_client_context_name(null()).is_null());
}

#[test]
fn timeouts_and_retries() {
    let limits = dimg_timeouts::default();
    assert_invalid(dimg_client_options_set_timeouts(null_mut(), &limits), "options is NULL");
    let options = dimg_client_options_new();
    assert_invalid(dimg_client_options_set_timeouts(options, null()), "timeouts is NULL");
    assert_invalid(dimg_client_options_set_retry(null_mut(), null()), "options is NULL");
    assert_eq!(
        dimg_client_options_set_retry(options, null()),
        dimg_result::Ok,
        "NULL = none"
    );
    dimg_client_options_free(options);

    let c = client();
    let mut out = std::ptr::dangling_mut::<dimg_client>();
    assert_invalid(dimg_client_with_timeouts(null(), &limits, &mut out), "client is NULL");
    assert_invalid(dimg_client_with_timeouts(c, null(), &mut out), "timeouts is NULL");
    assert_invalid(dimg_client_with_timeouts(c, &limits, null_mut()), "client_out is NULL");
    assert_invalid(dimg_client_with_retry(null(), null(), &mut out), "client is NULL");
    assert_invalid(dimg_client_with_retry(c, null(), null_mut()), "client_out is NULL");
    assert_eq!(out, std::ptr::dangling_mut::<dimg_client>(), "untouched");
    let mut read = dimg_timeouts {
        connect_ms: 7,
        total_ms: 7,
        idle_ms: 7,
    };
    assert_invalid(dimg_client_timeouts(null(), &mut read), "client is NULL");
    assert_invalid(dimg_client_timeouts(c, null_mut()), "timeouts_out is NULL");
    assert_eq!((read.connect_ms, read.total_ms, read.idle_ms), (7, 7, 7), "untouched");

    dimg_retry_policy_free(null_mut());
    assert_invalid(
        dimg_retry_policy_set_initial_backoff_ms(null_mut(), 1),
        "policy is NULL",
    );
    assert_invalid(dimg_retry_policy_set_multiplier(null_mut(), 2.0), "policy is NULL");
    assert_invalid(dimg_retry_policy_set_max_backoff_ms(null_mut(), 1), "policy is NULL");
    assert_invalid(dimg_retry_policy_set_max_elapsed_ms(null_mut(), 1), "policy is NULL");
    assert_invalid(dimg_retry_policy_set_jitter(null_mut(), 0.5), "policy is NULL");
    dimg_retry_policy_free(dimg_retry_policy_new(3));
    assert_invalid(dimg_client_new(null(), 0, null_mut()), "client_out is NULL");
    assert_eq!(dimg_last_error_attempts(), 1);
    dimg_client_free(c);
}

#[test]
fn pull_many() {
    const BAD: *const c_char = c"bad\xc3\x28utf8".as_ptr();
    let c = client();
    let mut out = std::ptr::dangling_mut::<dimg_pull_many_result>();
    let refs = [c"tiny:1.0".as_ptr(), null()];
    assert_invalid(
        dimg_client_pull_many(null(), refs.as_ptr(), 1, null(), 1, None, null_mut(), &mut out),
        "client is NULL",
    );
    assert_invalid(
        dimg_client_pull_many(c, null(), 1, null(), 1, None, null_mut(), &mut out),
        "references is NULL",
    );
    assert_invalid(
        dimg_client_pull_many(c, refs.as_ptr(), 2, null(), 1, None, null_mut(), &mut out),
        "references[1] is NULL",
    );
    let bad = [c"tiny:1.0".as_ptr(), BAD];
    assert_invalid(
        dimg_client_pull_many(c, bad.as_ptr(), 2, null(), 1, None, null_mut(), &mut out),
        "references[1] is not valid UTF-8",
    );
    assert_invalid(
        dimg_client_pull_many(c, refs.as_ptr(), 1, null(), 1, None, null_mut(), null_mut()),
        "result_out is NULL",
    );
    // Refused before anything is sent (the client's socket does not exist).
    assert_invalid(
        dimg_client_pull_many(c, refs.as_ptr(), 1, null(), 0, None, null_mut(), &mut out),
        "pull_many needs a concurrency of at least 1",
    );
    let upper = [c"tiny:1.0".as_ptr(), c"Tiny".as_ptr()];
    assert_eq!(
        dimg_client_pull_many(c, upper.as_ptr(), 2, null(), 1, None, null_mut(), &mut out),
        dimg_result::InvalidReference
    );
    assert_eq!(out, std::ptr::dangling_mut::<dimg_pull_many_result>(), "untouched");
    dimg_pull_many_result_free(null_mut());
    assert_eq!(dimg_pull_many_result_len(null()), 0);
    assert_eq!(dimg_pull_many_result_code(null(), 0), INVALID);
    assert!(dimg_pull_many_result_message(null(), 0).is_null());
    assert_eq!(dimg_pull_many_result_http_status(null(), 0), 0);
    assert_eq!(dimg_pull_many_result_attempts(null(), 0), 0);
    assert_eq!(dimg_pull_many_result_outcome(null(), 0), dimg_pull_outcome::Unknown);
    assert!(dimg_pull_many_result_digest(null(), 0).is_null());
    assert!(dimg_pull_many_result_totals(null()).is_null());

    // No image at all: an empty result, nothing sent.
    let mut result = null_mut();
    assert_eq!(
        dimg_client_pull_many(c, null(), 0, null(), 4, None, null_mut(), &mut result),
        dimg_result::Ok
    );
    assert_eq!(dimg_pull_many_result_len(result), 0);
    assert_eq!(dimg_pull_many_result_code(result, 0), INVALID, "out of range");
    assert!(dimg_pull_many_result_message(result, 0).is_null());
    assert!(dimg_pull_many_result_digest(result, 0).is_null());
    let totals = unsafe { &*dimg_pull_many_result_totals(result) };
    assert_eq!((totals.images, totals.eta_ms), (0, -1));
    dimg_pull_many_result_free(result);
    dimg_client_free(c);
}

#[test]
fn last_error_format_and_table() {
    assert_invalid(dimg_client_new(null(), 0, null_mut()), "client_out is NULL");
    assert_eq!(dimg_last_error_message(null_mut(), 100), 18);
    assert_eq!(dimg_last_error_cli_message(null_mut(), 0), 18);
    assert_eq!(dimg_last_error_http_status(), 0);
    assert!(!dimg_result_name(i32::MIN).is_null());
    let mut buf = [b'x' as c_char; 8];
    assert_eq!(dimg_format_short_id(null(), buf.as_mut_ptr(), buf.len()), 0);
    assert_eq!(buf[0], 0);
    assert_eq!(dimg_format_image_size(0, null_mut(), 0), 2);
    assert!(dimg_format_created_since(0, null_mut(), 0) > 0);
    assert_eq!(dimg_format_search_description(null(), false, null_mut(), 0), 0);
    dimg_table_free(null_mut());
    assert!(dimg_table_text(null_mut()).is_null());
    assert_invalid(dimg_table_add_row(null_mut(), null(), 0), "table is NULL");
    let table = dimg_table_new();
    assert_invalid(dimg_table_add_row(table, null(), 1), "cells is NULL");
    dimg_table_free(table);
    assert_eq!(dimg_shutdown(), dimg_result::Ok);
}

#[test]
fn list_search_pull() {
    let c = client();
    dimg_list_options_free(null_mut());
    assert_invalid(dimg_list_options_set_all(null_mut(), true), "options is NULL");
    assert_invalid(dimg_list_options_add_filter(null_mut(), null()), "options is NULL");
    assert_invalid(dimg_list_options_set_reference(null_mut(), null()), "options is NULL");
    assert_invalid(dimg_list_options_set_shared_size(null_mut(), true), "options is NULL");
    assert_invalid(dimg_list_options_set_manifests(null_mut(), true), "options is NULL");
    let options = dimg_list_options_new();
    assert_invalid(dimg_list_options_add_filter(options, null()), "key_value is NULL");
    assert_invalid(
        dimg_client_list_images(null(), options, &mut null_mut()),
        "client is NULL",
    );
    assert_invalid(dimg_client_list_images(c, options, null_mut()), "list_out is NULL");
    dimg_list_options_free(options);
    dimg_image_list_free(null_mut());
    assert_eq!(dimg_image_list_len(null()), 0);
    assert!(dimg_image_list_get(null(), 0).is_null());
    assert!(dimg_image_id(null()).is_null());
    assert!(dimg_image_parent_id(null()).is_null());
    assert!(dimg_image_repo_tags(null()).is_null());
    assert!(dimg_image_repo_digests(null()).is_null());
    assert!(dimg_image_labels(null()).is_null());
    assert_eq!(dimg_image_created(null()), 0);
    assert_eq!(dimg_image_size(null()), 0);
    assert_eq!(dimg_image_shared_size(null()), 0);
    assert_eq!(dimg_image_containers(null()), 0);
    assert!(!dimg_image_is_dangling(null()));
    assert_eq!(dimg_image_manifests_len(null()), 0);
    assert!(dimg_image_manifest(null(), 0).is_null());
    assert!(dimg_manifest_id(null()).is_null());
    assert!(dimg_manifest_kind(null()).is_null());
    assert!(!dimg_manifest_available(null()));

    dimg_search_options_free(null_mut());
    assert_invalid(dimg_search_options_set_limit(null_mut(), 1), "options is NULL");
    assert_invalid(dimg_search_options_add_filter(null_mut(), null()), "options is NULL");
    let options = dimg_search_options_new();
    assert_invalid(dimg_search_options_add_filter(options, null()), "key_value is NULL");
    assert_invalid(
        dimg_client_search(null(), null(), options, &mut null_mut()),
        "client is NULL",
    );
    assert_invalid(dimg_client_search(c, null(), options, &mut null_mut()), "term is NULL");
    assert_invalid(
        dimg_client_search(c, c"x".as_ptr(), options, null_mut()),
        "results_out is NULL",
    );
    dimg_search_options_free(options);
    dimg_search_results_free(null_mut());
    assert_eq!(dimg_search_results_len(null()), 0);
    assert!(dimg_search_results_get(null(), 0).is_null());
    assert!(dimg_search_result_name(null()).is_null());
    assert!(dimg_search_result_description(null()).is_null());
    assert_eq!(dimg_search_result_star_count(null()), 0);
    assert!(!dimg_search_result_is_official(null()));
    assert!(!dimg_search_result_is_automated(null()));

    dimg_pull_options_free(null_mut());
    assert_invalid(dimg_pull_options_set_all_tags(null_mut(), true), "options is NULL");
    assert_invalid(dimg_pull_options_set_platform(null_mut(), null()), "options is NULL");
    assert_invalid(dimg_pull_options_set_policy(null_mut(), 1), "options is NULL");
    let options = dimg_pull_options_new();
    assert_eq!(
        dimg_pull_options_set_platform(options, null()),
        dimg_result::Ok,
        "NULL = the daemon's"
    );
    for bad in [-1, 4, i32::MAX] {
        assert_invalid(
            dimg_pull_options_set_policy(options, bad),
            &format!("{bad} is not a dimg_pull_policy"),
        );
    }
    assert_eq!(dimg_pull_options_set_policy(options, 3), dimg_result::Ok);
    dimg_pull_options_free(options);
    assert_invalid(
        dimg_client_pull(null(), null(), null(), None, null_mut(), null_mut()),
        "client is NULL",
    );
    assert_invalid(
        dimg_client_pull(c, null(), null(), None, null_mut(), null_mut()),
        "reference is NULL",
    );
    dimg_pull_summary_free(null_mut());
    assert!(dimg_pull_summary_reference(null()).is_null());
    assert!(dimg_pull_summary_digest(null()).is_null());
    assert!(dimg_pull_summary_status(null()).is_null());
    assert_eq!(dimg_pull_summary_outcome(null()), dimg_pull_outcome::Unknown);
    assert_eq!(dimg_pull_summary_layers_pulled(null()), 0);
    assert_eq!(dimg_pull_summary_layers_existing(null()), 0);
    assert_eq!(dimg_pull_summary_events(null()), 0);
    dimg_client_free(c);
}

#[test]
fn remove_inspect_tag() {
    let c = client();
    dimg_remove_options_free(null_mut());
    assert_invalid(dimg_remove_options_set_force(null_mut(), true), "options is NULL");
    assert_invalid(dimg_remove_options_set_noprune(null_mut(), true), "options is NULL");
    dimg_remove_options_free(dimg_remove_options_new());
    assert_invalid(
        dimg_client_remove_image(null(), null(), null(), &mut null_mut()),
        "client is NULL",
    );
    assert_invalid(
        dimg_client_remove_image(c, null(), null(), &mut null_mut()),
        "name is NULL",
    );
    assert_invalid(
        dimg_client_remove_image(c, c"x".as_ptr(), null(), null_mut()),
        "items_out is NULL",
    );
    dimg_removed_items_free(null_mut());
    assert_eq!(dimg_removed_items_len(null()), 0);
    assert!(dimg_removed_items_get(null(), 0).is_null());
    assert_eq!(dimg_removed_item_kind(null()), dimg_removed_kind::Unknown);
    assert!(dimg_removed_item_value(null()).is_null());
    assert!(dimg_removed_item_line(null()).is_null());
    assert_invalid(
        dimg_client_remove_images(null(), null(), 0, null(), &mut null_mut()),
        "client is NULL",
    );
    assert_invalid(
        dimg_client_remove_images(c, null(), 1, null(), &mut null_mut()),
        "names is NULL",
    );
    let names = [null::<c_char>()];
    assert_invalid(
        dimg_client_remove_images(c, names.as_ptr(), 1, null(), &mut null_mut()),
        "names[0] is NULL",
    );
    assert_invalid(
        dimg_client_remove_images(c, null(), 0, null(), null_mut()),
        "report_out is NULL",
    );
    dimg_remove_report_free(null_mut());
    assert_eq!(dimg_remove_report_exit_code(null()), 1);
    assert_eq!(dimg_remove_report_len(null()), 0);
    assert!(dimg_remove_report_get(null(), 0).is_null());
    assert!(dimg_remove_outcome_target(null()).is_null());
    assert_eq!(dimg_remove_outcome_result(null()), INVALID);
    assert!(dimg_remove_outcome_message(null()).is_null());
    assert!(dimg_remove_outcome_cli_message(null()).is_null());
    assert_eq!(dimg_remove_outcome_http_status(null()), 0);
    assert!(dimg_remove_outcome_items(null()).is_null());

    assert_invalid(
        dimg_client_inspect_image(null(), null(), &mut null_mut()),
        "client is NULL",
    );
    assert_invalid(dimg_client_inspect_image(c, null(), &mut null_mut()), "name is NULL");
    assert_invalid(
        dimg_client_inspect_image(c, c"x".as_ptr(), null_mut()),
        "image_out is NULL",
    );
    dimg_image_inspect_free(null_mut());
    assert!(dimg_image_inspect_id(null()).is_null());
    assert!(dimg_image_inspect_repo_tags(null()).is_null());
    assert!(dimg_image_inspect_repo_digests(null()).is_null());
    assert!(dimg_image_inspect_parent(null()).is_null());
    assert!(dimg_image_inspect_comment(null()).is_null());
    assert!(dimg_image_inspect_created(null()).is_null());
    assert!(!dimg_image_inspect_created_unix(null(), null_mut()));
    assert!(dimg_image_inspect_architecture(null()).is_null());
    assert!(dimg_image_inspect_variant(null()).is_null());
    assert!(dimg_image_inspect_os(null()).is_null());
    assert_eq!(dimg_image_inspect_size(null()), 0);
    assert!(dimg_image_inspect_labels(null()).is_null());
    assert!(dimg_image_inspect_env(null()).is_null());
    assert!(dimg_image_inspect_cmd(null()).is_null());
    assert!(dimg_image_inspect_entrypoint(null()).is_null());
    assert!(dimg_image_inspect_working_dir(null()).is_null());
    assert!(dimg_image_inspect_layers(null()).is_null());
    assert_invalid(dimg_client_tag_image(null(), null(), null()), "client is NULL");
    assert_invalid(dimg_client_tag_image(c, null(), c"b".as_ptr()), "source is NULL");
    assert_invalid(dimg_client_tag_image(c, c"a".as_ptr(), null()), "target is NULL");
    dimg_client_free(c);
}

#[test]
fn prune() {
    const BAD: *const c_char = c"label=bad\xc3\x28utf8".as_ptr();
    let c = client();
    dimg_prune_options_free(null_mut());
    assert_invalid(dimg_prune_options_set_all(null_mut(), true), "options is NULL");
    assert_invalid(
        dimg_prune_options_add_filter(null_mut(), c"until=1h".as_ptr()),
        "options is NULL",
    );
    let options = dimg_prune_options_new();
    assert_invalid(dimg_prune_options_add_filter(options, null()), "key_value is NULL");
    assert_invalid(
        dimg_prune_options_add_filter(options, BAD),
        "key_value is not valid UTF-8",
    );
    assert_invalid(
        dimg_prune_options_add_filter(options, c"dangling=false".as_ptr()),
        "invalid filter 'dangling'",
    );
    assert_invalid(
        dimg_prune_options_add_filter(options, c"label=".as_ptr()),
        "filter \"label\" needs a value",
    );
    assert_eq!(
        dimg_prune_options_add_filter(options, c"label!=k=v".as_ptr()),
        dimg_result::Ok
    );
    assert_eq!(dimg_prune_options_set_all(options, true), dimg_result::Ok);
    let mut out = std::ptr::dangling_mut::<dimg_prune_report>();
    assert_invalid(dimg_client_prune_images(null(), options, &mut out), "client is NULL");
    assert_invalid(dimg_client_prune_images(c, options, null_mut()), "report_out is NULL");
    assert_invalid(dimg_client_prune_images(c, null(), null_mut()), "report_out is NULL");
    assert_eq!(out, std::ptr::dangling_mut::<dimg_prune_report>(), "untouched");
    dimg_prune_options_free(options);
    dimg_prune_report_free(null_mut());
    assert_eq!(dimg_prune_report_len(null()), 0);
    assert!(dimg_prune_report_get(null(), 0).is_null());
    assert_eq!(dimg_prune_report_space_reclaimed(null()), 0);
    dimg_client_free(c);
}

#[test]
fn this_file_calls_every_exported_function() {
    let this = include_str!("null_tests.rs");
    let sources = [
        include_str!("client.rs"),
        include_str!("daemon.rs"),
        include_str!("error.rs"),
        include_str!("format.rs"),
        include_str!("image.rs"),
        include_str!("list.rs"),
        include_str!("mirror.rs"),
        include_str!("prune.rs"),
        include_str!("pull.rs"),
        include_str!("pull_many.rs"),
        include_str!("remove.rs"),
        include_str!("retry.rs"),
        include_str!("runtime.rs"),
        include_str!("search.rs"),
        include_str!("strings.rs"),
    ];
    let mut count = 0;
    for source in sources {
        for line in source.lines() {
            if let Some(rest) = line.trim().strip_prefix("pub extern \"C\" fn ") {
                let name = &rest[..rest.find('(').unwrap()];
                count += 1;
                assert!(
                    this.contains(&format!("{name}(")),
                    "{name} is not exercised with NULL here"
                );
            }
        }
    }
    assert!(count > 140, "only {count} exported functions found");
}
