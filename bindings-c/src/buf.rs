//! Writing a string into a caller's buffer, the one rule every `(buf, len)` function follows.

use std::ffi::c_char;
use std::ptr;

/// snprintf semantics: copies as much of `text` as fits in `len` bytes including the NUL (cut
/// at a character boundary), and returns the full length of `text`.
pub(crate) fn write_str_to_buf(text: &str, buf: *mut c_char, len: usize) -> usize {
    if !buf.is_null() && len > 0 {
        let mut n = text.len().min(len - 1);
        while !text.is_char_boundary(n) {
            n -= 1;
        }
        // SAFETY: the caller promises `len` writable bytes at `buf`.
        unsafe {
            ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
            *buf.add(n) = 0;
        }
    }
    text.len()
}
