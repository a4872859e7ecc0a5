//! MD5 (RFC 1321) contexts that can be advanced two at a time over the same
//! bytes: a host file's data is hashed for its own MD5 and for the session's
//! MD5 in one pass.
//!
//! Why not two `md-5` contexts: one MD5 block is a chain of 64 dependent
//! steps, so a core hashing one stream waits on latency most of the time.
//! Interleaving the steps of two states over the same message block lets the
//! core run both chains at once: both MD5s cost ~1.2 times one (measured on
//! the project's 2-core machine), where two threads would take both cores.
//! The session stream and the file stream stay in step because a file's data
//! starts on a 2048-byte block of the session (a multiple of MD5's 64-byte
//! block). The tests check every result against the `md-5` crate.

/// The sine-derived constants T[1..64] of RFC 1321 §3.4.
const K: [u32; 64] = [
    0xd76a_a478,
    0xe8c7_b756,
    0x2420_70db,
    0xc1bd_ceee,
    0xf57c_0faf,
    0x4787_c62a,
    0xa830_4613,
    0xfd46_9501,
    0x6980_98d8,
    0x8b44_f7af,
    0xffff_5bb1,
    0x895c_d7be,
    0x6b90_1122,
    0xfd98_7193,
    0xa679_438e,
    0x49b4_0821,
    0xf61e_2562,
    0xc040_b340,
    0x265e_5a51,
    0xe9b6_c7aa,
    0xd62f_105d,
    0x0244_1453,
    0xd8a1_e681,
    0xe7d3_fbc8,
    0x21e1_cde6,
    0xc337_07d6,
    0xf4d5_0d87,
    0x455a_14ed,
    0xa9e3_e905,
    0xfcef_a3f8,
    0x676f_02d9,
    0x8d2a_4c8a,
    0xfffa_3942,
    0x8771_f681,
    0x6d9d_6122,
    0xfde5_380c,
    0xa4be_ea44,
    0x4bde_cfa9,
    0xf6bb_4b60,
    0xbebf_bc70,
    0x289b_7ec6,
    0xeaa1_27fa,
    0xd4ef_3085,
    0x0488_1d05,
    0xd9d4_d039,
    0xe6db_99e5,
    0x1fa2_7cf8,
    0xc4ac_5665,
    0xf429_2244,
    0x432a_ff97,
    0xab94_23a7,
    0xfc93_a039,
    0x655b_59c3,
    0x8f0c_cc92,
    0xffef_f47d,
    0x8584_5dd1,
    0x6fa8_7e4f,
    0xfe2c_e6e0,
    0xa301_4314,
    0x4e08_11a1,
    0xf753_7e82,
    0xbd3a_f235,
    0x2ad7_d2bb,
    0xeb86_d391,
];

/// The initial state A, B, C, D (RFC 1321 §3.3).
const INIT: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];

const BLOCK: usize = 64;

// The four auxiliary functions (RFC 1321 §3.4).
#[inline(always)]
fn f(x: u32, y: u32, z: u32) -> u32 {
    z ^ (x & (y ^ z))
}
#[inline(always)]
fn g(x: u32, y: u32, z: u32) -> u32 {
    (x & z) | (y & !z)
}
#[inline(always)]
fn h(x: u32, y: u32, z: u32) -> u32 {
    x ^ y ^ z
}
#[inline(always)]
fn i(x: u32, y: u32, z: u32) -> u32 {
    y ^ (x | !z)
}

/// One step `a = b + ((a + F(b,c,d) + X[k] + T[i]) <<< s)` on every state
/// listed, for the same message word; the positions rotate as in §3.4.
macro_rules! step {
    ($fun:ident, [$($s:ident),+], $a:expr, $b:expr, $c:expr, $d:expr, $m:expr, $t:expr, $r:expr) => {
        let mt = $m.wrapping_add(K[$t]);
        $(
            $s[$a] = $fun($s[$b], $s[$c], $s[$d])
                .wrapping_add($s[$a])
                .wrapping_add(mt)
                .rotate_left($r)
                .wrapping_add($s[$b]);
        )+
    };
}

/// The 64 steps of one block on each state listed, interleaved step by step.
macro_rules! rounds {
    ($s:tt, $w:ident) => {
        for q in 0..4 {
            let t = 4 * q;
            step!(f, $s, 0, 1, 2, 3, $w[t], t, 7);
            step!(f, $s, 3, 0, 1, 2, $w[t + 1], t + 1, 12);
            step!(f, $s, 2, 3, 0, 1, $w[t + 2], t + 2, 17);
            step!(f, $s, 1, 2, 3, 0, $w[t + 3], t + 3, 22);
        }
        for q in 0..4 {
            let t = 16 + 4 * q;
            step!(g, $s, 0, 1, 2, 3, $w[(5 * t + 1) % 16], t, 5);
            step!(g, $s, 3, 0, 1, 2, $w[(5 * t + 6) % 16], t + 1, 9);
            step!(g, $s, 2, 3, 0, 1, $w[(5 * t + 11) % 16], t + 2, 14);
            step!(g, $s, 1, 2, 3, 0, $w[(5 * t + 16) % 16], t + 3, 20);
        }
        for q in 0..4 {
            let t = 32 + 4 * q;
            step!(h, $s, 0, 1, 2, 3, $w[(3 * t + 5) % 16], t, 4);
            step!(h, $s, 3, 0, 1, 2, $w[(3 * t + 8) % 16], t + 1, 11);
            step!(h, $s, 2, 3, 0, 1, $w[(3 * t + 11) % 16], t + 2, 16);
            step!(h, $s, 1, 2, 3, 0, $w[(3 * t + 14) % 16], t + 3, 23);
        }
        for q in 0..4 {
            let t = 48 + 4 * q;
            step!(i, $s, 0, 1, 2, 3, $w[(7 * t) % 16], t, 6);
            step!(i, $s, 3, 0, 1, 2, $w[(7 * t + 7) % 16], t + 1, 10);
            step!(i, $s, 2, 3, 0, 1, $w[(7 * t + 14) % 16], t + 2, 15);
            step!(i, $s, 1, 2, 3, 0, $w[(7 * t + 21) % 16], t + 3, 21);
        }
    };
}

fn words(block: &[u8; BLOCK]) -> [u32; 16] {
    let mut w = [0u32; 16];
    for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
        *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    w
}

fn add(state: &mut [u32; 4], round: [u32; 4]) {
    for (s, r) in state.iter_mut().zip(round) {
        *s = s.wrapping_add(r);
    }
}

fn compress(state: &mut [u32; 4], block: &[u8; BLOCK]) {
    let w = words(block);
    let mut s = *state;
    rounds!([s], w);
    add(state, s);
}

/// Advances both states over the same block.
fn compress_pair(one: &mut [u32; 4], two: &mut [u32; 4], block: &[u8; BLOCK]) {
    let w = words(block);
    let (mut s, mut t) = (*one, *two);
    rounds!([s, t], w);
    add(one, s);
    add(two, t);
}

/// A running MD5.
#[derive(Clone)]
pub(crate) struct Md5State {
    state: [u32; 4],
    /// Bytes hashed so far (including `pending`).
    length: u64,
    pending: [u8; BLOCK],
    pending_len: usize,
}

impl Md5State {
    pub(crate) fn new() -> Md5State {
        Md5State {
            state: INIT,
            length: 0,
            pending: [0; BLOCK],
            pending_len: 0,
        }
    }

    /// Adds bytes.
    pub(crate) fn update(&mut self, data: &[u8]) {
        let rest = self.top_up(data);
        let mut blocks = rest.chunks_exact(BLOCK);
        for block in &mut blocks {
            compress(&mut self.state, block.try_into().unwrap_or(&[0; BLOCK]));
        }
        self.keep(blocks.remainder());
    }

    /// Completes the pending block from `data` (compressing it when full)
    /// and returns what is left of `data`.
    fn top_up<'a>(&mut self, data: &'a [u8]) -> &'a [u8] {
        self.length += data.len() as u64;
        if self.pending_len == 0 {
            return data;
        }
        let take = (BLOCK - self.pending_len).min(data.len());
        self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&data[..take]);
        self.pending_len += take;
        if self.pending_len == BLOCK {
            let block = self.pending;
            compress(&mut self.state, &block);
            self.pending_len = 0;
        }
        &data[take..]
    }

    /// Keeps the tail (shorter than a block) of what [`Md5State::top_up`]
    /// left for later; an empty tail leaves `pending` as it is (it may be
    /// partly filled; it is empty whenever the tail is not).
    fn keep(&mut self, tail: &[u8]) {
        if tail.is_empty() {
            return;
        }
        self.pending[..tail.len()].copy_from_slice(tail);
        self.pending_len = tail.len();
    }

    /// The MD5 of everything added (RFC 1321 §3.1, §3.2, §3.5).
    pub(crate) fn finalize(mut self) -> [u8; 16] {
        let bits = self.length.wrapping_mul(8);
        let mut tail = [0u8; 2 * BLOCK];
        let n = self.pending_len;
        tail[..n].copy_from_slice(&self.pending[..n]);
        tail[n] = 0x80;
        let len = if n < BLOCK - 8 { BLOCK } else { 2 * BLOCK };
        tail[len - 8..len].copy_from_slice(&bits.to_le_bytes());
        for block in tail[..len].chunks_exact(BLOCK) {
            compress(&mut self.state, block.try_into().unwrap_or(&[0; BLOCK]));
        }
        let mut out = [0u8; 16];
        for (bytes, word) in out.chunks_exact_mut(4).zip(self.state) {
            bytes.copy_from_slice(&word.to_le_bytes());
        }
        out
    }
}

/// Adds the same bytes to two MD5s; their whole blocks are hashed in one
/// interleaved pass when both have hashed a multiple of 64 bytes plus the
/// same remainder (as a file's MD5 and the session's MD5 over that file).
pub(crate) fn update_pair(one: &mut Md5State, two: &mut Md5State, data: &[u8]) {
    if one.pending_len != two.pending_len {
        one.update(data);
        two.update(data);
        return;
    }
    // The pending bytes may differ; each finishes its own block.
    let rest = one.top_up(data);
    let rest_two = two.top_up(data);
    debug_assert_eq!(rest.len(), rest_two.len());
    let mut blocks = rest.chunks_exact(BLOCK);
    for block in &mut blocks {
        let block = block.try_into().unwrap_or(&[0; BLOCK]);
        compress_pair(&mut one.state, &mut two.state, block);
    }
    one.keep(blocks.remainder());
    two.keep(blocks.remainder());
}

#[cfg(test)]
mod tests {
    use super::*;
    use md5::{Digest, Md5};

    fn data(len: usize) -> Vec<u8> {
        (0..len as u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect()
    }

    #[test]
    fn equals_md5_crate_for_every_padding_case() {
        let bytes = data(300);
        for len in 0..bytes.len() {
            let mut ours = Md5State::new();
            ours.update(&bytes[..len]);
            let expected: [u8; 16] = Md5::digest(&bytes[..len]).into();
            assert_eq!(ours.finalize(), expected, "length {len}");
        }
    }

    #[test]
    fn pairs_equal_two_md5s_however_the_bytes_are_cut() {
        let bytes = data(200_000);
        // A prefix only the first MD5 sees (like the session's metadata),
        // then the same bytes to both in pieces of odd sizes.
        for (prefix, piece) in [(0, 65_536), (2048, 1), (2048, 63), (100, 4097), (64, 64)] {
            let (head, shared) = bytes.split_at(prefix);
            let mut one = Md5State::new();
            let mut two = Md5State::new();
            one.update(head);
            for cut in shared.chunks(piece) {
                update_pair(&mut one, &mut two, cut);
            }
            let whole: [u8; 16] = Md5::digest(&bytes).into();
            let part: [u8; 16] = Md5::digest(shared).into();
            assert_eq!(one.finalize(), whole, "prefix {prefix}, pieces of {piece}");
            assert_eq!(two.finalize(), part, "prefix {prefix}, pieces of {piece}");
        }
    }
}
