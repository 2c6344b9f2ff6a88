//! A single-pass zlib writer for UserSig documents.
//!
//! zlib libraries spend more time setting up and resetting their state than
//! compressing a 200-byte document (the benches measure 2.7 us for zlib-rs at
//! level 1 and 7.5 us at level 6 with a reused compressor, against about
//! 0.5 us here). This writer emits one final block with the fixed Huffman
//! codes of RFC 1951 3.2.6 after LZ77 with hash chains and one-step lazy
//! matching, which is what zlib itself chooses for documents this small; it
//! comes within a few bytes of zlib level 6 (the benches and the tests check
//! the size). It also writes stored blocks for `Compression::Stored`.
//! Every output is inflated by the tests with an independent decoder.

/// zlib header for a deflate stream, 32 KiB window, FLEVEL 2 ("default"):
/// the header zlib writes at level 6, so our sigs start `eJ` like those of the
/// official libraries (FLEVEL is informational; no inflater reads it).
const HEADER_DEFAULT: [u8; 2] = [0x78, 0x9c];
/// zlib header, FLEVEL 0 ("fastest"), what zlib writes for stored blocks.
const HEADER_STORED: [u8; 2] = [0x78, 0x01];

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

/// Reusable working memory: the hash heads and chains.
pub(crate) struct Lz {
    head: Box<[u16; HASH_SIZE]>,
    prev: Vec<u16>,
}

impl Default for Lz {
    fn default() -> Self {
        Self {
            head: Box::new([0; HASH_SIZE]),
            prev: Vec::new(),
        }
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

fn hash(data: &[u8], i: usize) -> usize {
    match data.get(i..i + 3) {
        Some(&[a, b, c]) => {
            let v = u32::from(a) | u32::from(b) << 8 | u32::from(c) << 16;
            (v.wrapping_mul(2_654_435_761) >> (32 - HASH_BITS)) as usize
        }
        _ => 0,
    }
}

fn common_prefix(data: &[u8], a: usize, b: usize, max: usize) -> usize {
    match (data.get(a..), data.get(b..)) {
        (Some(x), Some(y)) => x
            .iter()
            .zip(y)
            .take(max)
            .take_while(|(p, q)| p == q)
            .count(),
        _ => 0,
    }
}

impl Lz {
    fn insert(&mut self, data: &[u8], i: usize) {
        if i + MIN_MATCH > data.len() {
            return;
        }
        self.insert_hashed(hash(data, i), i);
    }

    #[inline]
    fn insert_hashed(&mut self, h: usize, i: usize) {
        if let (Some(slot), Some(p)) = (self.head.get_mut(h), self.prev.get_mut(i)) {
            *p = *slot;
            // Positions are stored plus one, so 0 means "none"; data is < 32 KiB.
            *slot = u16::try_from(i + 1).unwrap_or(0);
        }
    }

    /// Longest earlier match for position `i`: (length, distance), and the
    /// hash of position `i` (for [`Lz::insert_hashed`]).
    fn best(&self, data: &[u8], i: usize) -> (usize, usize, usize) {
        if i + MIN_MATCH > data.len() {
            return (0, 0, usize::MAX);
        }
        let h = hash(data, i);
        let max = (data.len() - i).min(MAX_MATCH);
        let mut cand = self.head.get(h).copied().unwrap_or(0);
        let (mut best_len, mut best_dist) = (0, 0);
        for _ in 0..MAX_CHAIN {
            if cand == 0 {
                break;
            }
            let j = usize::from(cand) - 1;
            if j >= i {
                break;
            }
            let len = common_prefix(data, j, i, max);
            if len > best_len {
                (best_len, best_dist) = (len, i - j);
                if len == max {
                    break;
                }
            }
            cand = self.prev.get(j).copied().unwrap_or(0);
        }
        if best_len >= MIN_MATCH {
            (best_len, best_dist, h)
        } else {
            (0, 0, h)
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
    pub(crate) fn compress_with_literal_tail(
        &mut self,
        data: &[u8],
        tail: usize,
        out: &mut Vec<u8>,
    ) {
        if data.len() > MAX_LZ_INPUT {
            return stored(data, out);
        }
        out.extend_from_slice(&HEADER_DEFAULT);
        self.head.fill(0);
        self.prev.clear();
        self.prev.resize(data.len(), 0);
        let mut bits = Bits { out, acc: 0, n: 0 };
        bits.put(0b011, 3); // BFINAL = 1, BTYPE = 01 (fixed Huffman)
        let searched = data.get(..tail).unwrap_or(data);
        let mut i = 0;
        let mut pending = self.best(data, 0);
        while i < searched.len() {
            let (len, dist, h) = pending;
            if h != usize::MAX {
                self.insert_hashed(h, i);
            }
            let next = if len >= GOOD_ENOUGH {
                (0, 0, usize::MAX)
            } else {
                self.best(data, i + 1)
            };
            if len >= MIN_MATCH && next.0 <= len {
                emit_match(&mut bits, len, dist);
                for k in i + 1..i + len {
                    self.insert(data, k);
                }
                i += len;
                pending = self.best(data, i);
            } else {
                bits.sym(usize::from(data.get(i).copied().unwrap_or(0)));
                i += 1;
                pending = next;
            }
        }
        for &b in data.get(i..).unwrap_or_default() {
            bits.sym(usize::from(b));
        }
        bits.sym(256);
        bits.finish();
        out.extend_from_slice(&adler2::adler32_slice(data).to_be_bytes());
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
    let di = DIST_BASE
        .partition_point(|&b| usize::from(b) <= dist)
        .saturating_sub(1);
    let (base, extra) = (
        DIST_BASE.get(di).copied().unwrap_or(1),
        DIST_EXTRA.get(di).copied().unwrap_or(0),
    );
    bits.put(reverse(u32::try_from(di).unwrap_or(0), 5), 5);
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
    out.extend_from_slice(&adler2::adler32_slice(data).to_be_bytes());
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
