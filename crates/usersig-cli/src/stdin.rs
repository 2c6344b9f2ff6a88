//! `usersig sign --stdin`: one identifier per line in, one sig per line out.

use std::io::{BufRead, BufReader, BufWriter, Read, Write};

use usersig::Signer;

use crate::Failure;

/// The longest line read, terminator excluded: far above any valid
/// identifier (whose own limit the signer reports), and a bound on memory.
pub(crate) const MAX_LINE: usize = 64 * 1024;

/// What every line is signed with.
pub(crate) struct Batch<'a> {
    pub(crate) signer: &'a Signer,
    pub(crate) sdkappid: u32,
    pub(crate) expire: u64,
    pub(crate) userbuf: Option<&'a [u8]>,
    /// The issue time of every sig; `None` reads the clock for each line.
    pub(crate) now: Option<u64>,
    pub(crate) json: bool,
}

/// Signs every line of standard input onto standard output.
pub(crate) fn sign_stdin(batch: &Batch<'_>) -> Result<(), Failure> {
    // A buffer larger than standard input's own, so that reads go straight
    // into it and `buffer()` tells when the next read may wait for input.
    let mut input = BufReader::with_capacity(64 * 1024, std::io::stdin().lock());
    let mut output = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    sign_lines(batch, &mut input, &mut output)
}

/// Signs each line of `input` in order, one line of output per line of
/// input. The output is flushed whenever the input has no more lines
/// buffered, so a caller that writes a line and waits for its sig gets it.
///
/// A line that does not sign stops the batch after the lines before it
/// were written: the error names its line number. A failed write (a reader
/// that went away) ends the output quietly, as elsewhere in the command.
pub(crate) fn sign_lines<R: Read, W: Write>(
    batch: &Batch<'_>,
    input: &mut BufReader<R>,
    output: &mut W,
) -> Result<(), Failure> {
    let mut line = Vec::with_capacity(128);
    let mut out = Vec::with_capacity(512);
    let mut number: u64 = 0;
    loop {
        if input.buffer().is_empty() && output.flush().is_err() {
            return Ok(());
        }
        line.clear();
        let read = input
            .by_ref()
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::Input(format!("cannot read standard input: {e}")))?;
        if read == 0 {
            break;
        }
        number += 1;
        let mut at = |what: String| {
            // The lines before this one are written before the error.
            let _ = output.flush();
            Failure::Input(format!("standard input line {number}: {what}"))
        };
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        } else if line.len() > MAX_LINE {
            return Err(at(format!("longer than {MAX_LINE} bytes")));
        }
        let Ok(identifier) = std::str::from_utf8(&line) else {
            return Err(at("not UTF-8 text".to_owned()));
        };
        let now = batch.now.unwrap_or_else(usersig::unix_now);
        let signed = match batch.userbuf {
            Some(b) => batch
                .signer
                .sign_with_userbuf_at(identifier, batch.expire, b, now),
            None => batch.signer.sign_at(identifier, batch.expire, now),
        };
        let sig = signed.map_err(|e| at(e.to_string()))?;
        out.clear();
        if batch.json {
            let v = crate::output::issued_json(&sig, identifier, batch.sdkappid, now, batch.expire);
            // Non-printing characters escaped, as in every JSON output.
            out.extend_from_slice(crate::escape::json(&v.to_string()).as_bytes());
        } else {
            out.extend_from_slice(sig.as_bytes());
        }
        out.push(b'\n');
        if output.write_all(&out).is_err() {
            return Ok(());
        }
    }
    let _ = output.flush();
    Ok(())
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

    fn signer() -> Signer {
        Signer::new(1_400_000_000, &usersig::SecretKey::new(KEY).unwrap()).unwrap()
    }

    fn batch(signer: &Signer, now: Option<u64>, json: bool) -> Batch<'_> {
        Batch {
            signer,
            sdkappid: 1_400_000_000,
            expire: 86_400,
            userbuf: None,
            now,
            json,
        }
    }

    fn run(input: &[u8], json: bool) -> (Result<(), String>, String) {
        let signer = signer();
        let batch = batch(&signer, Some(1_700_000_000), json);
        // A small buffer, so that lines straddle refills.
        let mut reader = BufReader::with_capacity(7, input);
        let mut out = Vec::new();
        let r = sign_lines(&batch, &mut reader, &mut out).map_err(|f| match f {
            Failure::Input(m) => m,
            _ => panic!("not an input error"),
        });
        (r, String::from_utf8(out).unwrap())
    }

    #[test]
    fn one_sig_per_line_in_order_with_crlf_and_no_final_newline() {
        let signer = signer();
        let (r, out) = run(b"alice\r\nbob\ncarol", false);
        r.unwrap();
        let expected: Vec<String> = ["alice", "bob", "carol"]
            .iter()
            .map(|id| signer.sign_at(id, 86_400, 1_700_000_000).unwrap())
            .collect();
        assert_eq!(out.lines().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn a_line_too_long_stops_without_reading_it_whole() {
        let mut input = b"alice\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        let (r, out) = run(&input, false);
        assert_eq!(
            r.unwrap_err(),
            format!("standard input line 2: longer than {MAX_LINE} bytes")
        );
        assert_eq!(out.lines().count(), 1);
        // A line of exactly the limit reaches the signer, which names its own limit.
        let mut input = vec![b'y'; MAX_LINE];
        input.push(b'\n');
        let err = run(&input, false).0.unwrap_err();
        assert!(err.starts_with("standard input line 1: "), "{err}");
        assert!(err.contains("1024"), "{err}");
    }

    #[test]
    fn json_lines() {
        let (r, out) = run(b"alice\nbob\n", true);
        r.unwrap();
        let ids: Vec<String> = out
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                assert_eq!(v["issued_at"], 1_700_000_000);
                assert_eq!(v["expires_at"], 1_700_086_400);
                v["identifier"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(ids, ["alice", "bob"]);
    }

    /// A writer whose every write fails, as a closed pipe does.
    struct Gone;
    impl Write for Gone {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_closed_output_ends_the_batch_quietly() {
        let signer = signer();
        let batch = batch(&signer, None, false);
        let input = "a\n".repeat(1000);
        let mut reader = BufReader::new(input.as_bytes());
        assert!(sign_lines(&batch, &mut reader, &mut Gone).is_ok());
    }
}
