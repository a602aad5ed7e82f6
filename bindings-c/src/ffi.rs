//! The boundary: panics stopped before they reach C, and checked conversions of what C passes
//! in (pointers, strings) and out (boxes, strings, out parameters).
//!
//! Every exported function's body is wrapped in `ffi_boundary!`. Fallible bodies run inside
//! `error::fallible`, which keeps the thread's last error. All dereferences of C pointers go
//! through the helpers below, which turn NULL and invalid UTF-8 into `INVALID_ARGUMENT`.

use std::any::Any;
use std::ffi::{CStr, CString, c_char};
use std::ptr;

pub(crate) use crate::buf::write_str_to_buf;
use crate::error::{Failure, dimg_result, set_last_error};

/// Runs an exported function's body, turning a panic into the function's "panic value"
/// (`DIMG_RESULT_PANIC`, NULL, 0, false, nothing) and recording it as the last error.
macro_rules! ffi_boundary {
    ($($body:tt)*) => {{
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| { $($body)* })) {
            Ok(value) => value,
            Err(payload) => $crate::ffi::on_panic(payload),
        }
    }};
}

/// What an exported function returns when its body panicked.
pub(crate) trait PanicValue {
    fn panic_value() -> Self;
}

impl PanicValue for dimg_result {
    fn panic_value() -> Self {
        dimg_result::Panic
    }
}

impl<T> PanicValue for *const T {
    fn panic_value() -> Self {
        ptr::null()
    }
}

impl<T> PanicValue for *mut T {
    fn panic_value() -> Self {
        ptr::null_mut()
    }
}

macro_rules! zero_on_panic {
    ($($t:ty),*) => { $(impl PanicValue for $t { fn panic_value() -> Self { Default::default() } })* };
}
zero_on_panic!((), bool, usize, i32, i64, u16, u32, u64, f64);

#[cold]
pub(crate) fn on_panic<T: PanicValue>(payload: Box<dyn Any + Send>) -> T {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".to_string());
    set_last_error(Failure::new(
        dimg_result::Panic,
        format!("internal error in libdimg (a bug, please report it): {what}"),
    ));
    T::panic_value()
}

/// Writes `value` through an out pointer C passed in; false (nothing written) for NULL.
pub(crate) fn write_ptr<T>(ptr: *mut T, value: T) -> bool {
    // SAFETY: the caller promises a non-NULL pointer points to writable storage for a `T`.
    match unsafe { ptr.as_mut() } {
        Some(slot) => {
            *slot = value;
            true
        }
        None => false,
    }
}

/// An optional out parameter (NULL: the caller does not want that output).
pub(crate) fn opt_out<'a, T>(ptr: *mut *mut T) -> Option<&'a mut *mut T> {
    // SAFETY: as `out_arg`.
    unsafe { ptr.as_mut() }
}

/// `&T` from a pointer C passed in; NULL is an invalid argument named `name`.
pub(crate) fn arg_ref<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, Failure> {
    // SAFETY: the caller promises a non-NULL pointer came from libdimg and is still alive.
    unsafe { ptr.as_ref() }.ok_or_else(|| null(name))
}

/// `&mut T` from a pointer C passed in; NULL is an invalid argument named `name`.
pub(crate) fn arg_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: as `arg_ref`, and C must not use the object from another thread meanwhile.
    unsafe { ptr.as_mut() }.ok_or_else(|| null(name))
}

/// `Option<&T>` from a pointer that may be NULL.
pub(crate) fn opt_ref<'a, T>(ptr: *const T) -> Option<&'a T> {
    // SAFETY: as `arg_ref`.
    unsafe { ptr.as_ref() }
}

/// The out parameter `name`, which must not be NULL.
pub(crate) fn out_arg<'a, T>(ptr: *mut *mut T, name: &str) -> Result<&'a mut *mut T, Failure> {
    // SAFETY: the caller promises a non-NULL pointer points to writable `T *` storage.
    unsafe { ptr.as_mut() }.ok_or_else(|| null(name))
}

/// A borrowed `&str` of the C string `name`: not NULL, valid UTF-8.
pub(crate) fn arg_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    opt_str(ptr, name)?.ok_or_else(|| null(name))
}

/// Like [`arg_str`], with NULL allowed (`None`).
pub(crate) fn opt_str<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller promises a NUL-terminated string.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str()
        .map(Some)
        .map_err(|_| Failure::invalid_argument(format!("{name} is not valid UTF-8")))
}

/// Borrowed strings from a C array of `count` strings (`array` may be NULL when `count` is 0).
pub(crate) fn arg_str_array<'a>(
    array: *const *const c_char,
    count: usize,
    name: &str,
) -> Result<Vec<&'a str>, Failure> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if array.is_null() {
        return Err(null(name));
    }
    // SAFETY: the caller promises `count` readable pointers.
    let pointers = unsafe { std::slice::from_raw_parts(array, count) };
    pointers
        .iter()
        .enumerate()
        .map(|(i, p)| arg_str(*p, &format!("{name}[{i}]")))
        .collect()
}

fn null(name: &str) -> Failure {
    Failure::invalid_argument(format!("{name} is NULL"))
}

/// Hands a new object to C through the out parameter.
pub(crate) fn write_out<T>(out: &mut *mut T, value: T) {
    *out = Box::into_raw(Box::new(value));
}

/// A new object for C, to be released with [`free_box`].
pub(crate) fn into_raw<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Releases what [`into_raw`] or [`write_out`] handed out; NULL does nothing.
pub(crate) fn free_box<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: the caller promises the pointer came from libdimg and is freed once.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// A C string of daemon text, cut at an embedded NUL.
pub(crate) fn cstring(text: impl Into<Vec<u8>>) -> CString {
    let mut bytes = text.into();
    if let Some(nul) = bytes.iter().position(|b| *b == 0) {
        bytes.truncate(nul);
    }
    CString::new(bytes).expect("NUL bytes were cut")
}

/// A borrowed `const char *` into an object C owns.
pub(crate) fn c_ptr(text: &CStr) -> *const c_char {
    text.as_ptr()
}

/// `&items[index]` as a pointer, or NULL when out of range.
pub(crate) fn item_ptr<T>(items: &[T], index: usize) -> *const T {
    items.get(index).map_or(ptr::null(), |item| item as *const T)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{dimg_last_error_code, dimg_last_error_message};

    #[test]
    fn panics_become_the_panic_value_and_the_last_error() {
        let code: dimg_result = ffi_boundary! { panic!("boom") };
        assert_eq!(code, dimg_result::Panic);
        assert_eq!(dimg_last_error_code(), dimg_result::Panic);
        let mut buf = [0u8; 128];
        let n = dimg_last_error_message(buf.as_mut_ptr().cast(), buf.len());
        let text = std::str::from_utf8(&buf[..n]).unwrap();
        assert!(text.ends_with("boom"), "{text}");
        let p: *const u8 = ffi_boundary! { panic!("{}", String::from("formatted")) };
        assert!(p.is_null());
        let n: usize = ffi_boundary! { panic!() };
        assert_eq!(n, 0);
        let fallible_panic = ffi_boundary! { crate::error::fallible(|| panic!("inside")) };
        assert_eq!(fallible_panic, dimg_result::Panic);
    }

    #[test]
    fn strings_are_checked() {
        assert_eq!(arg_str(ptr::null(), "term").unwrap_err().message, "term is NULL");
        let bad = b"a\xffb\0";
        let err = arg_str(bad.as_ptr().cast(), "term").unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (dimg_result::InvalidArgument, "term is not valid UTF-8")
        );
        assert_eq!(arg_str(c"ok".as_ptr(), "term").unwrap(), "ok");
        assert_eq!(opt_str(ptr::null(), "x").unwrap(), None);
        let array = [c"a".as_ptr(), ptr::null()];
        assert_eq!(
            arg_str_array(array.as_ptr(), 2, "names").unwrap_err().message,
            "names[1] is NULL"
        );
        assert_eq!(arg_str_array(ptr::null(), 0, "names").unwrap(), Vec::<&str>::new());
        assert!(arg_str_array(ptr::null(), 1, "names").is_err());
        assert_eq!(cstring("a\0b").as_bytes(), b"a");
    }
}
