//! The docker CLI's rendering rules (`dimg_render::format`) for C tools: `dimg_format_*` and the
//! `dimg_table` writer.

use std::ffi::{CString, c_char};
use std::ptr;

use crate::error::{dimg_result, fallible};
use crate::ffi::{arg_mut, arg_str, arg_str_array, c_ptr, cstring, free_box, into_raw, write_str_to_buf};

/// The IMAGE ID column of `docker images`: the id without its `sha256:` prefix, cut to 12
/// characters. Copied into `buf` with snprintf semantics (at most `len` bytes, NUL-terminated
/// when `len` > 0; returns the full length, so a result >= `len` means it was cut; `buf` may be
/// NULL when `len` is 0). A NULL or non-UTF-8 `id` gives "" and 0.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_format_short_id(id: *const c_char, buf: *mut c_char, len: usize) -> usize {
    ffi_boundary! {
        let id = arg_str(id, "id").unwrap_or("");
        write_str_to_buf(dimg_render::format::short_id(id), buf, len)
    }
}

/// The SIZE column of `docker images` (`16.9kB`, `7.8MB`). Copied into `buf` with snprintf
/// semantics, as `dimg_format_short_id`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_format_image_size(bytes: i64, buf: *mut c_char, len: usize) -> usize {
    ffi_boundary! { write_str_to_buf(&dimg_render::format::image_size(bytes), buf, len) }
}

/// The CREATED column of `docker images` for a creation time in Unix seconds, measured against
/// the current clock (`15 minutes ago`, `2 years ago`). Copied into `buf` with snprintf
/// semantics, as `dimg_format_short_id`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_format_created_since(created_unix: i64, buf: *mut c_char, len: usize) -> usize {
    ffi_boundary! { write_str_to_buf(&dimg_render::format::created_since_now(created_unix), buf, len) }
}

/// The DESCRIPTION column of `docker search`: newlines become spaces, then, unless `no_trunc`,
/// the text is cut to 45 columns ending in `…`. Copied into `buf` with snprintf semantics, as
/// `dimg_format_short_id`. A NULL or non-UTF-8 `description` gives "" and 0.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_format_search_description(
    description: *const c_char,
    no_trunc: bool,
    buf: *mut c_char,
    len: usize,
) -> usize {
    ffi_boundary! {
        let description = arg_str(description, "description").unwrap_or("");
        write_str_to_buf(&dimg_render::format::search_description(description, no_trunc), buf, len)
    }
}

/// The docker CLI's table layout (its tabwriter: columns padded to the widest cell plus 3
/// spaces, at least 10 columns wide, the last cell never padded). Made by `dimg_table_new`,
/// released by `dimg_table_free`; use from one thread at a time.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_table {
    writer: dimg_render::format::TableWriter,
    text: CString,
}

/// A new, empty table. Release with `dimg_table_free`. Never NULL (except on an internal error).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_table_new() -> *mut dimg_table {
    ffi_boundary! {
        into_raw(dimg_table {
            writer: dimg_render::format::TableWriter::new(),
            text: CString::default(),
        })
    }
}

/// Releases a table and the text it returned. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_table_free(table: *mut dimg_table) {
    ffi_boundary! { free_box(table) }
}

/// Appends a row of `count` cells (`cells` may be NULL when `count` is 0). A tab or newline
/// inside a cell acts as a separator, as in docker.
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for a NULL table, a NULL `cells` with a non-zero
/// count, or a NULL or non-UTF-8 cell (the row is not added then).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_table_add_row(table: *mut dimg_table, cells: *const *const c_char, count: usize) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let table = arg_mut(table, "table")?;
            let cells = arg_str_array(cells, count, "cells")?;
            table.writer.row(&cells);
            Ok(())
        })
    }
}

/// The rows added so far, laid out, each ending in a newline. Borrowed: valid until the next
/// call with this table or its `dimg_table_free`. NULL for a NULL table.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_table_text(table: *mut dimg_table) -> *const c_char {
    ffi_boundary! {
        let Ok(table) = arg_mut(table, "table") else {
            return ptr::null();
        };
        table.text = cstring(table.writer.clone().finish());
        c_ptr(&table.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl Fn(*mut c_char, usize) -> usize) -> String {
        let n = f(ptr::null_mut(), 0);
        let mut buf = vec![0u8; n + 1];
        assert_eq!(f(buf.as_mut_ptr().cast(), buf.len()), n);
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn helpers_render_like_the_core() {
        let id = c"sha256:4c34b7be319e90a0ede2073db086bea0a138521dca30ebc3d0b301fff036ca6b";
        assert_eq!(text(|b, l| dimg_format_short_id(id.as_ptr(), b, l)), "4c34b7be319e");
        assert_eq!(text(|b, l| dimg_format_image_size(16905, b, l)), "16.9kB");
        assert_eq!(
            text(|b, l| dimg_format_created_since(0, b, l)),
            dimg_render::format::created_since_now(0)
        );
        assert_eq!(
            text(|b, l| dimg_format_search_description(c"a\nb".as_ptr(), true, b, l)),
            "a b"
        );
        assert_eq!(text(|b, l| dimg_format_short_id(ptr::null(), b, l)), "");
    }

    #[test]
    fn tables_lay_out_like_docker() {
        let table = dimg_table_new();
        let header = [c"REPOSITORY".as_ptr(), c"TAG".as_ptr()];
        assert_eq!(dimg_table_add_row(table, header.as_ptr(), 2), dimg_result::Ok);
        let row = [c"tiny".as_ptr(), c"1.0".as_ptr()];
        assert_eq!(dimg_table_add_row(table, row.as_ptr(), 2), dimg_result::Ok);
        let text = unsafe { std::ffi::CStr::from_ptr(dimg_table_text(table)) };
        assert_eq!(text.to_str().unwrap(), "REPOSITORY   TAG\ntiny         1.0\n");
        let bad = [c"x".as_ptr(), ptr::null()];
        assert_eq!(dimg_table_add_row(table, bad.as_ptr(), 2), dimg_result::InvalidArgument);
        dimg_table_free(table);
    }
}
