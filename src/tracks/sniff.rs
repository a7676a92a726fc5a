//! The first bytes of an upload against the signatures of the containers Veza takes: a cheap
//! early refusal, so a PNG named `.mp3` is turned away at its first chunk instead of after
//! 200 MiB. It only admits a candidate: the decoder (`probe.rs`) decides what the file is.

/// How many leading bytes `sniff` wants (fewer only when the whole file is shorter).
pub const SNIFF_BYTES: usize = 4096;

/// A container an upload may be, by its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// MPEG audio frames, possibly after an ID3v2 tag.
    Mpeg,
    Flac,
    /// Vorbis or Opus (the decoder tells which).
    Ogg,
    Wav,
    /// MP4/M4A (`ftyp` box): AAC or ALAC.
    Mp4,
    /// Raw AAC in ADTS frames.
    Adts,
}

/// The size of an ID3v2 tag at the start of `head` (header included), if there is one.
fn id3v2_len(head: &[u8]) -> Option<usize> {
    if head.len() < 10 || &head[..3] != b"ID3" {
        return None;
    }
    // Four 7-bit "syncsafe" bytes; a footer adds 10 more.
    let size = head[6..10].iter().try_fold(0usize, |acc, &b| (b < 0x80).then_some((acc << 7) | usize::from(b)))?;
    let footer = if head[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + size + footer)
}

/// An MPEG audio frame header (layer I-III, a valid bitrate and sample rate) at `b`.
fn mpeg_frame(b: &[u8]) -> bool {
    b.len() >= 4
        && b[0] == 0xFF
        && b[1] & 0xE0 == 0xE0
        && (b[1] >> 3) & 0b11 != 0b01 // version: not reserved
        && (b[1] >> 1) & 0b11 != 0b00 // layer: not reserved
        && (b[2] >> 4) != 0b1111 // bitrate: not "bad"
        && (b[2] >> 2) & 0b11 != 0b11 // sample rate: not reserved
}

/// An ADTS header (AAC): sync word, layer 0.
fn adts_frame(b: &[u8]) -> bool {
    b.len() >= 7 && b[0] == 0xFF && b[1] & 0xF6 == 0xF0
}

/// The container `head` (the file's first `SNIFF_BYTES`, or all of a shorter file) starts
/// like, if any.
pub fn sniff(head: &[u8]) -> Option<Container> {
    if head.starts_with(b"fLaC") {
        return Some(Container::Flac);
    }
    if head.starts_with(b"OggS") {
        return Some(Container::Ogg);
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        return Some(Container::Wav);
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return Some(Container::Mp4);
    }
    if let Some(skip) = id3v2_len(head) {
        // A tag longer than the sniffed head (cover art) hides what follows: the decoder decides.
        return match head.get(skip..) {
            None | Some([]) => Some(Container::Mpeg),
            Some(rest) if rest.starts_with(b"fLaC") => Some(Container::Flac),
            Some(rest) if adts_frame(rest) && !mpeg_frame(rest) => Some(Container::Adts),
            Some(rest) => (mpeg_frame(rest) || rest.len() < 4).then_some(Container::Mpeg),
        };
    }
    if adts_frame(head) {
        return Some(Container::Adts);
    }
    if mpeg_frame(head) {
        return Some(Container::Mpeg);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_signature_is_recognised() {
        assert_eq!(sniff(b"fLaC\0\0\0\x22"), Some(Container::Flac));
        assert_eq!(sniff(b"OggS\0\x02"), Some(Container::Ogg));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), Some(Container::Wav));
        assert_eq!(sniff(b"\0\0\0\x20ftypM4A \0\0\0\0"), Some(Container::Mp4));
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x64]), Some(Container::Mpeg), "MPEG-1 layer III, 128 kb/s");
        assert_eq!(sniff(&[0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC]), Some(Container::Adts));
    }

    #[test]
    fn an_id3_tag_is_skipped_to_the_first_frame() {
        let mut f = b"ID3\x04\x00\x00\x00\x00\x00\x05".to_vec();
        f.extend_from_slice(b"TIT2\0");
        f.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
        assert_eq!(sniff(&f), Some(Container::Mpeg));
        // A tag followed by something that is no audio frame.
        let mut png_after_tag = f[..15].to_vec();
        png_after_tag.extend_from_slice(b"\x89PNG\r\n\x1a\n");
        assert_eq!(sniff(&png_after_tag), None);
        // A syncsafe byte with its top bit set is no ID3 size.
        assert_eq!(sniff(b"ID3\x04\x00\x00\x80\x00\x00\x05TIT2\0"), None);
    }

    #[test]
    fn everything_else_is_refused() {
        for head in [
            &b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"[..],
            b"\xFF\xD8\xFF\xE0\0\x10JFIF",
            b"%PDF-1.7",
            b"PK\x03\x04",
            b"RIFF\x24\0\0\0AVI LIST",
            b"",
            b"I",
            &[0xFF, 0xFF, 0xFF, 0xFF],
        ] {
            assert_eq!(sniff(head), None, "{head:?}");
        }
    }
}
