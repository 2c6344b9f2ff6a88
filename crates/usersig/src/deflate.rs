//! A single-pass zlib writer for UserSig documents.
//!
//! zlib libraries spend more time setting up and resetting their state than
//! compressing a 200-byte document (the benches measure 2.6 us for zlib-rs at
//! level 1 and 7.1 us at level 6 with a reused compressor, against about
//! 0.35 us here: a signed sig costs 0.78 us, a stored one 0.40 us). This
//! writer emits one final block with the fixed Huffman
//! codes of RFC 1951 3.2.6 after LZ77 with hash chains and one-step lazy
//! matching, which is what zlib itself chooses for documents this small; it
//! comes within a few bytes of zlib level 6 (the benches and the tests check
//! the size). It also writes stored blocks for `Compression::Stored`.
//! Every output is inflated by the tests with an independent decoder.
//!
//! Every document a `Signer` writes starts with the same 35 bytes, so the
//! parse of their first 30 is done once per thread and resumed from (see
//! [`DOC_PREFIX`]); the output is the same as a parse from the first byte.

/// zlib header for a deflate stream, 32 KiB window, FLEVEL 2 ("default"):
/// the header zlib writes at level 6, so our sigs start `eJ` like those of the
/// official libraries (FLEVEL is informational; no inflater reads it).
const HEADER_DEFAULT: [u8; 2] = [0x78, 0x9c];
/// zlib header, FLEVEL 0 ("fastest"), what zlib writes for stored blocks.
const HEADER_STORED: [u8; 2] = [0x78, 0x01];

/// The adler32 of `data`, the zlib trailer: zlib-rs's, which picks a SIMD
/// loop at run time (half of adler2's time on a 160-byte document, in the
/// benches).
pub(crate) fn adler32(data: &[u8]) -> u32 {
    zlib_rs::adler32::adler32(1, data)
}

const HASH_BITS: u32 = 10;
const HASH_SIZE: usize = 1 << HASH_BITS;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
const MAX_CHAIN: usize = 16;
/// A match this long is taken without looking for a longer one a byte later.
const GOOD_ENOUGH: usize = 32;
/// Documents longer than this are stored (never the case for ours: the
/// longest document `Signer` writes is under 8 KiB).
const MAX_LZ_INPUT: usize = 32 * 1024;

pub(crate) const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
pub(crate) const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
pub(crate) const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
pub(crate) const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// Reverses the low `len` bits: Huffman codes go most significant bit first
/// into a stream that is otherwise filled least significant bit first.
pub(crate) const fn reverse(code: u32, len: u32) -> u32 {
    let mut r = 0;
    let mut i = 0;
    while i < len {
        r |= ((code >> i) & 1) << (len - 1 - i);
        i += 1;
    }
    r
}

/// Fixed literal/length codes (RFC 1951 3.2.6), bit-reversed, with their lengths.
#[allow(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "evaluated at compile time: an out-of-range index or value is a build error"
)]
pub(crate) const LITLEN: [(u16, u8); 288] = {
    let mut t = [(0u16, 0u8); 288];
    let mut s = 0;
    while s < 288 {
        let (code, len) = match s {
            0..=143 => (0x30 + s, 8),
            144..=255 => (0x190 + s - 144, 9),
            256..=279 => (s - 256, 7),
            _ => (0xc0 + s - 280, 8),
        };
        t[s as usize] = (reverse(code, len) as u16, len as u8);
        s += 1;
    }
    t
};

/// Length 3..=258 -> index into `LEN_BASE` (symbol 257 + index).
#[allow(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "evaluated at compile time: an out-of-range index or value is a build error"
)]
const LEN_INDEX: [u8; MAX_MATCH + 1] = {
    let mut t = [0u8; MAX_MATCH + 1];
    let mut len = MIN_MATCH;
    while len <= MAX_MATCH {
        let mut i = 28;
        while LEN_BASE[i] as usize > len {
            i -= 1;
        }
        t[len] = i as u8;
        len += 1;
    }
    t
};

/// Distance code for each distance - 1 below 256, then for each
/// (distance - 1) >> 7 (zlib's `_dist_code`), so a match needs no search.
#[allow(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "evaluated at compile time: an out-of-range index or value is a build error"
)]
const DIST_INDEX: [u8; 512] = {
    let mut t = [0u8; 512];
    let mut code = 0;
    while code < 30 {
        let first = DIST_BASE[code] as usize - 1;
        let last = first + (1 << DIST_EXTRA[code]);
        let mut d = first;
        while d < last {
            if d < 256 {
                t[d] = code as u8;
            } else {
                t[256 + (d >> 7)] = code as u8;
            }
            d += 1;
        }
        code += 1;
    }
    t
};

/// The 5-bit distance codes, bit-reversed for the stream.
#[allow(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "evaluated at compile time: an out-of-range index or value is a build error"
)]
const DIST_CODE_REV: [u8; 30] = {
    let mut t = [0u8; 30];
    let mut code = 0;
    while code < 30 {
        t[code] = reverse(code as u32, 5) as u8;
        code += 1;
    }
    t
};

/// Every document `Signer` writes starts with these bytes.
pub(crate) const DOC_PREFIX: &[u8] = br#"{"TLS.ver":"2.0","TLS.identifier":""#;
/// Where a parse of a document starting with [`DOC_PREFIX`] resumes from
/// the snapshot: the last position whose parse cannot depend on what follows
/// the prefix (position 30 starts `er":"`, whose match may run on into the
/// identifier). [`Snapshot::take`] checks this rather than trusting it.
const RESUME_AT: usize = 30;

/// Reusable working memory: the hash heads and chains. `prev` grows to the
/// longest input seen (a few hundred bytes for sigs, not the 64 KiB a full
/// window would take in every thread) and needs no clearing, since a chain
/// only reaches positions inserted by the same call.
pub(crate) struct Lz {
    head: Box<[u16; HASH_SIZE]>,
    prev: Vec<u16>,
    /// Set when a match ran to the end of the input (see [`Snapshot::take`]).
    hit_end: bool,
    /// The state after parsing the first [`RESUME_AT`] bytes of
    /// [`DOC_PREFIX`], which is the same for every document.
    snapshot: Option<Box<Snapshot>>,
}

impl Default for Lz {
    fn default() -> Self {
        let mut lz = Self {
            head: Box::new([0; HASH_SIZE]),
            prev: Vec::new(),
            hit_end: false,
            snapshot: None,
        };
        lz.snapshot = Snapshot::take(&mut lz).map(Box::new);
        lz
    }
}

impl Lz {
    /// An `Lz` that always parses from the first byte, to hold the snapshot
    /// path to.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn without_snapshot() -> Self {
        Self {
            snapshot: None,
            ..Self::default()
        }
    }
}

/// Where the lazy parse stands at the top of an iteration.
#[derive(Clone, Copy)]
struct Parse {
    /// The next position to insert and match.
    i: usize,
    /// The match found at `i - 1` and held back (length 0 for none).
    prev_len: usize,
    prev_dist: usize,
    /// Whether position `i - 1` is held (as a literal or `prev_len`'s match).
    held: bool,
}

/// A parse stopped at [`RESUME_AT`] on [`DOC_PREFIX`].
struct Snapshot {
    head: Box<[u16; HASH_SIZE]>,
    prev: [u16; RESUME_AT],
    /// The stream so far: header and whole 32-bit words of codes.
    bytes: Vec<u8>,
    acc: u64,
    n: u32,
    parse: Parse,
}

impl Snapshot {
    /// Parses the prefix up to [`RESUME_AT`]; `None` if that parse could
    /// depend on the bytes after the prefix (a match reached its end) or
    /// did not stop exactly at [`RESUME_AT`].
    fn take(lz: &mut Lz) -> Option<Self> {
        if lz.prev.len() < DOC_PREFIX.len() {
            lz.prev.resize(DOC_PREFIX.len(), 0);
        }
        let mut bytes = Vec::new();
        let mut bits = lz.start(&mut bytes);
        lz.hit_end = false;
        let mut parse = Parse {
            i: 0,
            prev_len: 0,
            prev_dist: 0,
            held: false,
        };
        lz.parse(DOC_PREFIX, RESUME_AT, &mut parse, &mut bits);
        let (acc, n) = (bits.acc, bits.n);
        if lz.hit_end || parse.i != RESUME_AT {
            return None;
        }
        let mut prev = [0; RESUME_AT];
        prev.copy_from_slice(lz.prev.get(..RESUME_AT)?);
        Some(Self {
            head: lz.head.clone(),
            prev,
            bytes,
            acc,
            n,
            parse,
        })
    }
}

struct Bits<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits<'_> {
    /// Appends `len` (at most 16) bits; whole 32-bit words go out at once.
    #[inline]
    fn put(&mut self, bits: u32, len: u32) {
        self.acc |= u64::from(bits) << self.n;
        self.n += len;
        if self.n >= 32 {
            let [a, b, c, d, ..] = self.acc.to_le_bytes();
            self.out.extend_from_slice(&[a, b, c, d]);
            self.acc >>= 32;
            self.n -= 32;
        }
    }
    #[inline]
    fn sym(&mut self, s: usize) {
        if let Some(&(code, len)) = LITLEN.get(s) {
            self.put(u32::from(code), u32::from(len));
        }
    }
    fn finish(self) {
        let bytes = self.acc.to_le_bytes();
        self.out
            .extend_from_slice(bytes.get(..self.n.div_ceil(8) as usize).unwrap_or_default());
    }
}

#[inline(always)]
fn hash3(a: u8, b: u8, c: u8) -> usize {
    let v = u32::from(a) | u32::from(b) << 8 | u32::from(c) << 16;
    (v.wrapping_mul(2_654_435_761) >> (32 - HASH_BITS)) as usize
}

/// Length of the common prefix of `x` and `y`, at most `max` (which is at
/// most the length of both), compared eight bytes at a time.
#[inline(always)]
fn common_prefix(x: &[u8], y: &[u8], max: usize) -> usize {
    let mut n = 0;
    while n + 8 <= max {
        let (Some(p), Some(q)) = (x.get(n..n + 8), y.get(n..n + 8)) else {
            break;
        };
        let (Ok(p), Ok(q)) = (<[u8; 8]>::try_from(p), <[u8; 8]>::try_from(q)) else {
            break;
        };
        let d = u64::from_le_bytes(p) ^ u64::from_le_bytes(q);
        if d != 0 {
            return n + (d.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    while n < max && x.get(n) == y.get(n) {
        n += 1;
    }
    n
}

impl Lz {
    /// Records position `i` in the hash chains and returns the previous head
    /// of its chain (a position plus one, 0 for none).
    #[inline(always)]
    fn insert(&mut self, data: &[u8], i: usize) -> u16 {
        let Some(&[a, b, c]) = data.get(i..i + MIN_MATCH) else {
            return 0;
        };
        let Some(slot) = self.head.get_mut(hash3(a, b, c)) else {
            return 0;
        };
        let cand = *slot;
        // Positions are stored plus one, so 0 means "none"; data is < 32 KiB.
        *slot = u16::try_from(i + 1).unwrap_or(0);
        if let Some(p) = self.prev.get_mut(i) {
            *p = cand;
        }
        cand
    }

    /// Inserts position `i` and returns its longest earlier match as
    /// (length, distance), length 0 for none.
    #[inline(always)]
    fn insert_and_match(&mut self, data: &[u8], i: usize) -> (usize, usize) {
        let mut cand = self.insert(data, i);
        let rest = data.get(i..).unwrap_or_default();
        let max = rest.len().min(MAX_MATCH);
        // A candidate must beat `best_len`, so the byte at `best_len` decides
        // most of them without a full comparison (zlib's test).
        let (mut best_len, mut best_dist) = (MIN_MATCH - 1, 0);
        let mut chain = MAX_CHAIN;
        while cand != 0 && chain > 0 {
            let j = usize::from(cand) - 1;
            let earlier = data.get(j..).unwrap_or_default();
            if earlier.get(best_len) == rest.get(best_len) {
                let len = common_prefix(earlier, rest, max);
                if len > best_len {
                    (best_len, best_dist) = (len, i - j);
                    if len >= max {
                        self.hit_end |= max < MAX_MATCH;
                        break;
                    }
                }
            }
            cand = self.prev.get(j).copied().unwrap_or(0);
            chain -= 1;
        }
        if best_len >= MIN_MATCH {
            (best_len, best_dist)
        } else {
            (0, 0)
        }
    }

    /// Appends a complete zlib stream of `data` (fixed Huffman codes) to `out`.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn compress(&mut self, data: &[u8], out: &mut Vec<u8>) {
        self.compress_with_literal_tail(data, data.len(), out);
    }

    /// As [`Lz::compress`], but no match is looked for from `tail` on: the
    /// caller knows those bytes are random (the MAC's base64 at the end of a
    /// sig's document), where a search would cost time and find nothing.
    /// A document starting with [`DOC_PREFIX`] resumes from the snapshot of
    /// its parse, with the same output as a parse from the start.
    pub(crate) fn compress_with_literal_tail(
        &mut self,
        data: &[u8],
        tail: usize,
        out: &mut Vec<u8>,
    ) {
        if data.len() > MAX_LZ_INPUT {
            return stored(data, out);
        }
        // Fixed codes take at most 9 bits a byte; with the header, the block
        // header, the end code and the checksum this never grows again.
        out.reserve(data.len() + data.len() / 8 + 16);
        if self.prev.len() < data.len() {
            self.prev.resize(data.len(), 0);
        }
        let end = tail.min(data.len());
        let resumed = match &self.snapshot {
            Some(snap) if end > RESUME_AT && data.starts_with(DOC_PREFIX) => {
                self.head.copy_from_slice(&snap.head[..]);
                if let Some(prev) = self.prev.get_mut(..RESUME_AT) {
                    prev.copy_from_slice(&snap.prev);
                }
                out.extend_from_slice(&snap.bytes);
                Some((snap.parse, snap.acc, snap.n))
            }
            _ => None,
        };
        let (mut parse, mut bits) = match resumed {
            Some((parse, acc, n)) => (parse, Bits { out, acc, n }),
            None => (
                Parse {
                    i: 0,
                    prev_len: 0,
                    prev_dist: 0,
                    held: false,
                },
                self.start(out),
            ),
        };
        self.parse(data, end, &mut parse, &mut bits);
        let mut i = parse.i;
        if parse.held {
            if parse.prev_len >= MIN_MATCH {
                emit_match(&mut bits, parse.prev_len, parse.prev_dist);
                i += parse.prev_len - 1;
            } else {
                bits.sym(usize::from(data.get(i - 1).copied().unwrap_or(0)));
            }
        }
        for &b in data.get(i..).unwrap_or_default() {
            bits.sym(usize::from(b));
        }
        bits.sym(256);
        bits.finish();
        out.extend_from_slice(&adler32(data).to_be_bytes());
    }

    /// Writes the zlib header and the block header, clears the hash heads.
    fn start<'a>(&mut self, out: &'a mut Vec<u8>) -> Bits<'a> {
        out.extend_from_slice(&HEADER_DEFAULT);
        self.head.fill(0);
        let mut bits = Bits { out, acc: 0, n: 0 };
        bits.put(0b011, 3); // BFINAL = 1, BTYPE = 01 (fixed Huffman)
        bits
    }

    /// zlib's `deflate_slow` loop, from `p` until position `end`: a match
    /// found at one position is held back one byte, and taken only if the
    /// next position does not start a longer one.
    #[inline(always)]
    fn parse(&mut self, data: &[u8], end: usize, p: &mut Parse, bits: &mut Bits<'_>) {
        let Parse {
            mut i,
            mut prev_len,
            mut prev_dist,
            mut held,
        } = *p;
        while i < end {
            let (len, dist) = if prev_len >= GOOD_ENOUGH {
                self.insert(data, i);
                (0, 0)
            } else {
                self.insert_and_match(data, i)
            };
            if prev_len >= MIN_MATCH && len <= prev_len {
                // The match held at i - 1 wins: emit it and skip over it.
                emit_match(bits, prev_len, prev_dist);
                for k in i + 1..i - 1 + prev_len {
                    self.insert(data, k);
                }
                i += prev_len - 1;
                (prev_len, held) = (0, false);
            } else {
                if held {
                    bits.sym(usize::from(data.get(i - 1).copied().unwrap_or(0)));
                }
                (prev_len, prev_dist, held) = (len, dist, true);
                i += 1;
            }
        }
        *p = Parse {
            i,
            prev_len,
            prev_dist,
            held,
        };
    }
}

fn emit_match(bits: &mut Bits<'_>, len: usize, dist: usize) {
    let li = usize::from(LEN_INDEX.get(len).copied().unwrap_or(0));
    let (base, extra) = (
        LEN_BASE.get(li).copied().unwrap_or(3),
        LEN_EXTRA.get(li).copied().unwrap_or(0),
    );
    bits.sym(257 + li);
    bits.put(
        u32::try_from(len).unwrap_or(0) - u32::from(base),
        u32::from(extra),
    );
    let d = dist - 1;
    let di = usize::from(
        if d < 256 {
            DIST_INDEX.get(d)
        } else {
            DIST_INDEX.get(256 + (d >> 7))
        }
        .copied()
        .unwrap_or(0),
    );
    let (base, extra) = (
        DIST_BASE.get(di).copied().unwrap_or(1),
        DIST_EXTRA.get(di).copied().unwrap_or(0),
    );
    bits.put(u32::from(DIST_CODE_REV.get(di).copied().unwrap_or(0)), 5);
    bits.put(
        u32::try_from(dist).unwrap_or(0) - u32::from(base),
        u32::from(extra),
    );
}

/// Appends a zlib stream of stored blocks holding `data` to `out`.
pub(crate) fn stored(data: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&HEADER_STORED);
    let mut chunks = data.chunks(usize::from(u16::MAX)).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Inflates with miniz_oxide, a decoder independent of the one `verify` uses.
    fn inflate(z: &[u8]) -> Vec<u8> {
        miniz_oxide::inflate::decompress_to_vec_zlib(z).expect("valid zlib")
    }

    /// The trailer's checksum agrees with adler2's (an independent
    /// implementation) on every length across the SIMD loop's block sizes,
    /// with bytes that push the sums to their modulus.
    #[test]
    fn adler32_agrees_with_an_independent_implementation() {
        let mixed: Vec<u8> = (0..6000u32).map(|i| (i * 131 + i / 7) as u8).collect();
        let ones = vec![0xffu8; 6000];
        for data in [&mixed, &ones] {
            for n in (0..700).chain([5551, 5552, 5553, 6000]) {
                let d = &data[..n];
                assert_eq!(adler32(d), adler2::adler32_slice(d), "length {n}");
            }
        }
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    fn zlib6_len(data: &[u8]) -> usize {
        let mut out = Vec::new();
        flate2::read::ZlibEncoder::new(data, flate2::Compression::new(6))
            .read_to_end(&mut out)
            .unwrap();
        out.len()
    }

    #[test]
    fn round_trips_through_an_independent_inflater() {
        let mut lz = Lz::default();
        let long: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
        let inputs: Vec<Vec<u8>> = vec![
            vec![],
            b"a".to_vec(),
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec(),
            vec![b'x'; 1000],
            (0..=255u8).collect(),
            b"{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"xiaojun\",\"TLS.sdkappid\":1400000000}"
                .to_vec(),
            long,
        ];
        for data in &inputs {
            let mut out = Vec::new();
            lz.compress(data, &mut out);
            assert_eq!(&inflate(&out), data, "lz {}", data.len());
            let mut out = Vec::new();
            stored(data, &mut out);
            assert_eq!(&inflate(&out), data, "stored {}", data.len());
            assert_eq!(out.get(..2), Some(&HEADER_STORED[..]));
        }
        for h in [HEADER_DEFAULT, HEADER_STORED] {
            assert_eq!((u16::from(h[0]) * 256 + u16::from(h[1])) % 31, 0);
        }
    }

    /// Resuming from the snapshot of the document prefix writes exactly what
    /// a parse from the first byte writes, whatever follows the prefix.
    #[test]
    fn resuming_from_the_prefix_snapshot_changes_no_byte() {
        let mut resumed = Lz::default();
        assert!(resumed.snapshot.is_some(), "the prefix snapshot is taken");
        let mut scratch = Lz::without_snapshot();
        let mut suffixes: Vec<Vec<u8>> = vec![
            vec![],
            b"\"".to_vec(),
            b"2".to_vec(),
            b"2.0\",\"TLS.identifier\":\"".to_vec(),
            b"er\":\"er\":\"".to_vec(),
            b"xiaojun\",\"TLS.sdkappid\":1400000000,\"TLS.expire\":86400,\"TLS.time\":1700000000,\"TLS.sig\":\"SNF4FmVCPucoXsBOpbVF3fFCf57JPm0ezZ1jeVILlVc=\"}".to_vec(),
        ];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for len in 0..300 {
            let alphabet = b"\"2.0:,TLSierdx{}";
            suffixes.push(
                (0..len % 60)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        alphabet[(x % alphabet.len() as u64) as usize]
                    })
                    .collect(),
            );
        }
        for suffix in &suffixes {
            for cut in 0..=DOC_PREFIX.len() {
                let mut data = DOC_PREFIX[..cut].to_vec();
                if cut == DOC_PREFIX.len() {
                    data.extend_from_slice(suffix);
                }
                for tail in [data.len(), data.len().saturating_sub(10), RESUME_AT, 0] {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    resumed.compress_with_literal_tail(&data, tail, &mut a);
                    scratch.compress_with_literal_tail(&data, tail, &mut b);
                    assert_eq!(a, b, "{:?} tail {tail}", String::from_utf8_lossy(&data));
                    assert_eq!(inflate(&a), data);
                }
            }
        }
    }

    #[test]
    fn every_match_length_and_distance_encodes() {
        let mut lz = Lz::default();
        for len in 3..=258usize {
            for dist in [1usize, 2, 5, 100, 1000, 4097, 24_577, 32_000] {
                let mut data: Vec<u8> = (0..dist as u32)
                    .map(|i| (i.wrapping_mul(7919) >> 3) as u8)
                    .collect();
                let start = data.len() - dist.min(data.len());
                let pattern: Vec<u8> = data[start..].iter().cycle().take(len).copied().collect();
                data.extend_from_slice(&pattern);
                let mut out = Vec::new();
                lz.compress(&data, &mut out);
                assert_eq!(inflate(&out), data, "len {len} dist {dist}");
            }
        }
    }

    /// Every document of the official vectors, in the official libraries' own
    /// formatting, compresses within 5% of zlib level 6 (dynamic codes included).
    #[test]
    fn size_is_close_to_zlib_level_6_on_every_official_document() {
        let file: serde_json::Value = serde_json::from_str(include_str!(
            "../../../tests/vectors/usersig-v2-official.json"
        ))
        .unwrap();
        let mut lz = Lz::default();
        let (mut ours, mut zlib) = (0, 0);
        for v in file["vectors"].as_array().unwrap() {
            let doc = v["decoded_json_text"].as_str().unwrap().as_bytes();
            let mut out = Vec::new();
            lz.compress(doc, &mut out);
            let z6 = zlib6_len(doc);
            assert!(
                out.len() * 100 <= z6 * 105,
                "{}: {} bytes against zlib-6's {z6}",
                v["id"],
                out.len()
            );
            (ours, zlib) = (ours + out.len(), zlib + z6);
        }
        assert!(ours * 100 <= zlib * 103, "{ours} against {zlib} in all");
    }

    #[test]
    fn size_is_close_to_zlib_level_6() {
        let mut lz = Lz::default();
        let docs = [
            r#"{"TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"SNF4FmVCPucoXsBOpbVF3fFCf57JPm0ezZ1jeVILlVc="}"#,
            r#"{"TLS.ver":"2.0","TLS.identifier":"user_002","TLS.sdkappid":1400123456,"TLS.expire":86400,"TLS.time":1712345678,"TLS.userbuf":"AAECAAD/AA==","TLS.sig":"uEVx3a6C3JkPkxoRZGCx7qVn9wQ+0ofWbU7y8/cVKwY="}"#,
            r#"{"TLS.ver":"2.0","TLS.identifier":"teacher-7","TLS.sdkappid":20000001,"TLS.expire":7200,"TLS.time":1650000000,"TLS.userbuf":"AQAJdGVhY2hlci03ATEtAQAAAABiWDRwAAAAqwAAAAAACjEwMDAwMDAwNDA=","TLS.sig":"0O2SVnDDZKSa5Gv7HQzfEhoGiTJHCrSB2y+UJYeC4fk="}"#,
        ];
        for doc in docs {
            let mut out = Vec::new();
            lz.compress(doc.as_bytes(), &mut out);
            let z6 = zlib6_len(doc.as_bytes());
            assert!(
                out.len() * 100 <= z6 * 105,
                "{} bytes against zlib-6's {z6}",
                out.len()
            );
        }
    }
}
