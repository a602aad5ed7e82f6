//! `dimg_strings` and `dimg_labels`: borrowed views of string lists and label maps inside
//! results (tags, digests, env, layers, labels, components).

use std::collections::BTreeMap;
use std::ffi::{CString, c_char};
use std::ptr;

use crate::ffi::{arg_str, c_ptr, cstring, opt_ref};

/// A list of strings inside a result (an image's tags, a layer list, ...). Borrowed: it lives
/// as long as the object it was obtained from and is never freed by itself. Immutable, so it
/// may be read from several threads.
#[allow(non_camel_case_types)]
#[derive(Debug, Default)]
pub struct dimg_strings {
    items: Vec<CString>,
}

impl dimg_strings {
    pub(crate) fn new<S: AsRef<str>>(items: &[S]) -> dimg_strings {
        dimg_strings {
            items: items.iter().map(|s| cstring(s.as_ref())).collect(),
        }
    }
}

/// The number of strings in `strings`; 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_strings_len(strings: *const dimg_strings) -> usize {
    ffi_boundary! {
        opt_ref(strings).map_or(0, |s| s.items.len())
    }
}

/// String `index` of `strings` (borrowed from the object `strings` belongs to), or NULL when
/// `strings` is NULL or `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_strings_get(strings: *const dimg_strings, index: usize) -> *const c_char {
    ffi_boundary! {
        opt_ref(strings)
            .and_then(|s| s.items.get(index))
            .map_or(ptr::null(), |s| c_ptr(s))
    }
}

/// A map of labels inside a result (`org.example.team` = `core`), sorted by key. Borrowed: it
/// lives as long as the object it was obtained from and is never freed by itself. Immutable.
#[allow(non_camel_case_types)]
#[derive(Debug, Default)]
pub struct dimg_labels {
    entries: Vec<(CString, CString)>,
}

impl dimg_labels {
    pub(crate) fn new(map: &BTreeMap<String, String>) -> dimg_labels {
        dimg_labels {
            entries: map
                .iter()
                .map(|(k, v)| (cstring(k.as_str()), cstring(v.as_str())))
                .collect(),
        }
    }

    pub(crate) fn from_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> dimg_labels {
        dimg_labels {
            entries: pairs.map(|(k, v)| (cstring(k), cstring(v))).collect(),
        }
    }
}

/// The number of labels in `labels`; 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_labels_len(labels: *const dimg_labels) -> usize {
    ffi_boundary! {
        opt_ref(labels).map_or(0, |l| l.entries.len())
    }
}

/// The key of label `index` (in key order), or NULL when `labels` is NULL or `index` is out of
/// range. Borrowed from the object `labels` belongs to.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_labels_key(labels: *const dimg_labels, index: usize) -> *const c_char {
    ffi_boundary! {
        opt_ref(labels)
            .and_then(|l| l.entries.get(index))
            .map_or(ptr::null(), |(k, _)| c_ptr(k))
    }
}

/// The value of label `index` (in key order), or NULL when `labels` is NULL or `index` is out
/// of range. Borrowed from the object `labels` belongs to.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_labels_value(labels: *const dimg_labels, index: usize) -> *const c_char {
    ffi_boundary! {
        opt_ref(labels)
            .and_then(|l| l.entries.get(index))
            .map_or(ptr::null(), |(_, v)| c_ptr(v))
    }
}

/// The value of the label named `key`, or NULL when there is none (or `labels` or `key` is
/// NULL or not UTF-8). Borrowed from the object `labels` belongs to.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_labels_find(labels: *const dimg_labels, key: *const c_char) -> *const c_char {
    ffi_boundary! {
        let (Some(labels), Ok(key)) = (opt_ref(labels), arg_str(key, "key")) else {
            return ptr::null();
        };
        labels
            .entries
            .iter()
            .find(|(k, _)| k.as_bytes() == key.as_bytes())
            .map_or(ptr::null(), |(_, v)| c_ptr(v))
    }
}
