//! A fast path for inflating the zlib streams UserSigs are made of.
//!
//! This crate writes stored blocks or a single block with the fixed Huffman
//! codes, and so do the official libraries for most plain sigs (26 of the 43
//! official vectors; zlib picks dynamic codes for longer documents, such as
//! those with a userbuf). This decoder handles exactly those two block types,
//! and answers `None` for anything else
//! (dynamic Huffman blocks, preset dictionaries, any error, a bad checksum,
//! output over the cap, bytes after the stream): the caller then inflates
//! with zlib, which reports the precise error. So the fast path can only
//! ever agree with zlib; the property tests and the differential fuzz target
//! check that it does, byte for byte.
//!
//! The reason it exists: with zlib-rs, resetting and running a reused
//! inflater costs about 0.45 us per sig, half of a whole verification (see
//! the `primitive/inflate_reused` bench); this loop costs a fraction of that.

use crate::deflate::{DIST_BASE, DIST_EXTRA, LEN_BASE, LEN_EXTRA, LITLEN, adler32, reverse};

/// Fixed literal/length codes indexed by the next 9 stream bits:
/// (symbol, code length). Length 0 marks the two invalid symbols 286, 287.
#[allow(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "evaluated at compile time: an out-of-range index or value is a build error"
)]
const FIXED: [(u16, u8); 512] = {
    let mut t = [(0u16, 0u8); 512];
    let mut s = 0;
    while s < 286 {
        let (code, len) = LITLEN[s];
        let mut hi = 0;
        while hi < (1 << (9 - len)) {
            t[(code as usize) | (hi << len)] = (s as u16, len);
            hi += 1;
        }
        s += 1;
    }
    t
};

/// The 5-bit fixed distance codes as read from the stream (bit-reversed),
/// mapped to distance code numbers.
#[allow(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "evaluated at compile time: an out-of-range index or value is a build error"
)]
const DIST_CODE: [u8; 32] = {
    let mut t = [0u8; 32];
    let mut c = 0;
    while c < 32 {
        t[reverse(c, 5) as usize] = c as u8;
        c += 1;
    }
    t
};

struct Bits<'a> {
    input: &'a [u8],
    pos: usize,
    buf: u64,
    count: u32,
}

impl Bits<'_> {
    /// Tops the buffer up to at least 56 bits (fewer only at the end of the
    /// input): eight bytes at once while eight remain, then bytewise.
    #[inline(always)]
    fn fill(&mut self) {
        if let Some(word) = self.input.get(self.pos..self.pos + 8) {
            if let Ok(word) = <[u8; 8]>::try_from(word) {
                self.buf |= u64::from_le_bytes(word) << self.count;
                let bytes = (63 - self.count) / 8;
                self.pos += bytes as usize;
                self.count += bytes * 8;
                return;
            }
        }
        while self.count <= 56 {
            let Some(&b) = self.input.get(self.pos) else {
                return;
            };
            self.buf |= u64::from(b) << self.count;
            self.pos += 1;
            self.count += 8;
        }
    }

    #[inline]
    fn take(&mut self, n: u32) -> Option<u32> {
        if self.count < n {
            self.fill();
            if self.count < n {
                return None;
            }
        }
        let v = self.buf & ((1u64 << n) - 1);
        self.buf >>= n;
        self.count -= n;
        u32::try_from(v).ok()
    }

    /// Drops the bits up to the next byte boundary.
    fn align(&mut self) {
        let drop = self.count % 8;
        self.buf >>= drop;
        self.count -= drop;
    }

    /// The position of the next unread byte (after [`Bits::align`]).
    fn byte_pos(&self) -> usize {
        self.pos - (self.count / 8) as usize
    }
}

/// Inflates `zlib` into `out` when it is made only of stored and fixed-code
/// blocks, returning the length written; `None` for anything else.
pub(crate) fn inflate_simple(zlib: &[u8], out: &mut [u8]) -> Option<usize> {
    let (&cmf, &flg) = (zlib.first()?, zlib.get(1)?);
    // Deflate with a window of at most 32 KiB, a valid check, no preset dictionary.
    if cmf & 0x0f != 8 || cmf >> 4 > 7 || (u16::from(cmf) * 256 + u16::from(flg)) % 31 != 0 {
        return None;
    }
    if flg & 0x20 != 0 {
        return None;
    }
    let mut bits = Bits {
        input: zlib,
        pos: 2,
        buf: 0,
        count: 0,
    };
    let mut n = 0usize;
    loop {
        let last = bits.take(1)? == 1;
        match bits.take(2)? {
            0 => {
                bits.align();
                let len = bits.take(16)?;
                let nlen = bits.take(16)?;
                if len != !nlen & 0xffff {
                    return None;
                }
                for _ in 0..len {
                    let b = bits.take(8)?;
                    *out.get_mut(n)? = u8::try_from(b).ok()?;
                    n += 1;
                }
            }
            1 => n = fixed_block(&mut bits, out, n)?,
            _ => return None,
        }
        if last {
            break;
        }
    }
    bits.align();
    let mut check = 0u32;
    for _ in 0..4 {
        check = check << 8 | bits.take(8)?;
    }
    if bits.byte_pos() != zlib.len() || check != adler32(out.get(..n)?) {
        return None;
    }
    Some(n)
}

/// Decodes one fixed-code block into `out` from `n`; returns the new length.
fn fixed_block(bits: &mut Bits<'_>, out: &mut [u8], mut n: usize) -> Option<usize> {
    loop {
        // A literal/length code is at most 9 bits: refill only when fewer
        // remain, so one eight-byte load serves several symbols.
        if bits.count < 9 {
            bits.fill();
        }
        let peek = usize::try_from(bits.buf & 0x1ff).ok()?;
        let (sym, len) = *FIXED.get(peek)?;
        if len == 0 || u32::from(len) > bits.count {
            return None;
        }
        bits.buf >>= len;
        bits.count -= u32::from(len);
        match sym {
            0..=255 => {
                *out.get_mut(n)? = u8::try_from(sym).ok()?;
                n += 1;
            }
            256 => return Some(n),
            _ => {
                let i = usize::from(sym - 257);
                let len = usize::from(*LEN_BASE.get(i)?)
                    + bits.take(u32::from(*LEN_EXTRA.get(i)?))? as usize;
                // 284 with all extra bits set spells 258, which only 285 may:
                // leave that oddity to zlib.
                if len > 258 || (sym == 284 && len == 258) {
                    return None;
                }
                let d = usize::from(*DIST_CODE.get(usize::try_from(bits.take(5)?).ok()?)?);
                let dist = usize::from(*DIST_BASE.get(d)?)
                    + bits.take(u32::from(*DIST_EXTRA.get(d)?))? as usize;
                if dist > n || n + len > out.len() {
                    return None;
                }
                for k in n..n + len {
                    *out.get_mut(k)? = *out.get(k - dist)?;
                }
                n += len;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// zlib's answer (flate2 with the zlib-rs backend), capped like ours.
    fn reference(z: &[u8], cap: usize) -> Option<Vec<u8>> {
        let mut d = flate2::Decompress::new(true);
        let mut out = vec![0u8; cap + 1];
        match d.decompress(z, &mut out, flate2::FlushDecompress::Finish) {
            Ok(flate2::Status::StreamEnd)
                if d.total_in() as usize == z.len() && d.total_out() as usize <= cap =>
            {
                out.truncate(d.total_out() as usize);
                Some(out)
            }
            _ => None,
        }
    }

    fn check(z: &[u8]) {
        let mut out = vec![0u8; 4096];
        if let Some(n) = inflate_simple(z, &mut out) {
            assert_eq!(Some(&out[..n]), reference(z, 4096).as_deref(), "{z:02x?}");
        }
    }

    fn streams() -> Vec<Vec<u8>> {
        let doc = br#"{"TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"SNF4FmVCPucoXsBOpbVF3fFCf57JPm0ezZ1jeVILlVc="}"#;
        let mut v = Vec::new();
        for level in [0, 1, 6, 9] {
            let mut out = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::ZlibEncoder::new(&doc[..], flate2::Compression::new(level)),
                &mut out,
            )
            .unwrap();
            v.push(out);
        }
        let mut ours = Vec::new();
        crate::deflate::Lz::default().compress(doc, &mut ours);
        v.push(ours);
        let mut stored = Vec::new();
        crate::deflate::stored(doc, &mut stored);
        v.push(stored);
        v
    }

    #[test]
    fn decodes_what_zlib_and_we_write() {
        for z in streams() {
            let mut out = vec![0u8; 4096];
            let n = inflate_simple(&z, &mut out).expect("stored or fixed blocks");
            assert_eq!(Some(&out[..n]), reference(&z, 4096).as_deref());
        }
    }

    /// Every official sig made of stored or fixed-code blocks takes the fast
    /// path and inflates to the recorded document; the others are declined.
    #[test]
    fn official_sigs_take_the_fast_path_when_they_can() {
        use base64::Engine as _;
        let file: serde_json::Value = serde_json::from_str(include_str!(
            "../../../tests/vectors/usersig-v2-official.json"
        ))
        .unwrap();
        let mut fast = 0;
        for v in file["vectors"].as_array().unwrap() {
            let sig = v["usersig"].as_str().unwrap();
            let b64 = sig.replace('*', "+").replace('-', "/").replace('_', "=");
            let z = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            let mut out = vec![0u8; 4096];
            let btype = (z[2] >> 1) & 3;
            match (inflate_simple(&z, &mut out), btype) {
                (Some(n), 0 | 1) => {
                    assert_eq!(
                        &out[..n],
                        v["decoded_json_text"].as_str().unwrap().as_bytes()
                    );
                    fast += 1;
                }
                (None, 2) => {}
                (r, b) => panic!("{}: {r:?} for block type {b}", v["id"]),
            }
        }
        assert_eq!(fast, 26);
    }

    #[test]
    fn declines_what_it_does_not_handle() {
        let z = streams().remove(2);
        let mut out = vec![0u8; 4096];
        // Too little room: declined, so zlib reports the size.
        assert_eq!(inflate_simple(&z, &mut out[..10]), None);
        let mut bad = z.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert_eq!(inflate_simple(&bad, &mut out), None, "adler32");
        let mut long = z.clone();
        long.push(0);
        assert_eq!(inflate_simple(&long, &mut out), None, "trailing byte");
        for n in 0..z.len() {
            assert_eq!(inflate_simple(&z[..n], &mut out), None, "truncated to {n}");
        }
        // A dynamic-Huffman block (BTYPE 2) is left to zlib.
        let mut dynamic = vec![0x78, 0x9c, 0b101];
        dynamic.extend_from_slice(&[0; 8]);
        assert_eq!(inflate_simple(&dynamic, &mut out), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn agrees_with_zlib_on_mutated_streams(
            which in 0usize..6,
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        ) {
            let mut z = streams().swap_remove(which);
            for (i, x) in flips {
                let i = i.index(z.len());
                z[i] ^= x;
            }
            check(&z);
        }

        #[test]
        fn agrees_with_zlib_on_any_bytes(tail in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut z = vec![0x78, 0x9c];
            z.extend_from_slice(&tail);
            check(&z);
        }
    }
}
