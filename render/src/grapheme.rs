//! The grapheme cluster break properties the width tables and the cluster parser share.

/// Grapheme cluster break property (rivo/uniseg v0.2 names).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Gp {
    Any,
    Prepend,
    Cr,
    Lf,
    Control,
    Extend,
    RegionalIndicator,
    SpacingMark,
    L,
    V,
    T,
    Lv,
    Lvt,
    Zwj,
    ExtPict,
}
