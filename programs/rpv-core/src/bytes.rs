//! Little-endian reads at explicit offsets, for account layouts read byte by byte (account
//! data may be unaligned). Callers check the length first; an out-of-range offset panics.

#[inline(always)]
fn array<const N: usize>(d: &[u8], at: usize) -> [u8; N] {
    let mut b = [0u8; N];
    b.copy_from_slice(&d[at..at + N]);
    b
}

#[inline(always)]
pub fn u32_at(d: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(array(d, at))
}

#[inline(always)]
pub fn i32_at(d: &[u8], at: usize) -> i32 {
    i32::from_le_bytes(array(d, at))
}

#[inline(always)]
pub fn u64_at(d: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(array(d, at))
}

#[inline(always)]
pub fn i128_at(d: &[u8], at: usize) -> i128 {
    i128::from_le_bytes(array(d, at))
}

#[inline(always)]
pub fn bytes32_at(d: &[u8], at: usize) -> [u8; 32] {
    array(d, at)
}
