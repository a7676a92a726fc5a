//! What an uploaded file is, decided by decoding it: symphonia probes the container and decodes
//! every packet once (exact duration, sample rate, channels, codec; waveform peaks and EBU R128
//! loudness from the same samples), lofty reads the tags and the cover art. Blocking and
//! CPU-bound: run it on the processing pool, never on an HTTP worker or an actor thread.
//!
//! Untrusted input has limits: channels, sample rate, decode time, cover size. A file that does
//! not decode, or stops short of the length its headers declare (a truncated upload), is refused.

use super::model::tag_text;
use super::sniff::Container;
use super::waveform::{POINTS, Peaks};
use std::path::Path;
use std::sync::LazyLock;
use std::time::{Duration, Instant};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

/// Cover art larger than this is left out (the track is kept).
pub const COVER_MAX_BYTES: usize = 2 * 1024 * 1024;

/// What an untrusted file may ask of the decoder.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_channels: usize,
    pub max_sample_rate: u32,
    pub decode_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_channels: 8, max_sample_rate: 384_000, decode_timeout: Duration::from_secs(120) }
    }
}

/// Why a file was refused (415 `unsupported_audio`), or could not be read (503).
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{0}")]
    Unsupported(String),
    #[error("reading the upload failed: {0}")]
    Io(String),
}

fn unsupported(why: impl Into<String>) -> ProbeError {
    ProbeError::Unsupported(why.into())
}

/// Embedded cover art, checked to be JPEG or PNG by its bytes.
#[derive(Debug, Clone)]
pub struct Cover {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The tags of a file, as clean text.
#[derive(Debug, Clone, Default)]
pub struct FileTags {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub year: Option<i32>,
    pub genre: Option<String>,
    pub track_number: Option<i32>,
    /// ReplayGain track gain in dB, when the tags carry it.
    pub replay_gain_db: Option<f32>,
    pub cover: Option<Cover>,
}

/// Everything a decode pass learns.
#[derive(Debug, Clone)]
pub struct Probed {
    /// `mp3`, `flac`, `ogg`, `opus`, `wav`, `m4a`, `aac`.
    pub format: &'static str,
    /// The decoder's short name (`mp3`, `flac`, `vorbis`, `opus`, `pcm_s16le`, `aac`, `alac`).
    pub codec: String,
    pub duration_ms: i64,
    pub sample_rate: u32,
    pub channels: usize,
    pub bitrate: u32,
    pub peaks: Vec<f32>,
    /// EBU R128 integrated loudness; ReplayGain's when decoding could not measure it.
    pub loudness_lufs: Option<f32>,
    pub tags: FileTags,
}

/// Symphonia's decoders, and Opus through libopus (symphonia has no Opus decoder).
static CODECS: LazyLock<CodecRegistry> = LazyLock::new(|| {
    let mut r = CodecRegistry::new();
    symphonia::default::register_enabled_codecs(&mut r);
    r.register_audio_decoder::<symphonia_adapter_libopus::OpusDecoder>();
    r
});

/// Decodes the file at `path` (`size` bytes, sniffed as `container`) and reads its tags.
pub fn probe(path: &Path, size: u64, container: Container, limits: &Limits) -> Result<Probed, ProbeError> {
    let decoded = decode(path, container, limits)?;
    let tags = read_tags(path);
    let seconds = decoded.frames as f64 / f64::from(decoded.sample_rate);
    let bitrate = if seconds > 0.0 { ((size as f64 * 8.0) / seconds).round() as u32 } else { 0 };
    // ReplayGain 2.0 targets -18 LUFS: a gain of g dB means the track measured -18 - g.
    let loudness = decoded.loudness.or(tags.replay_gain_db.map(|g| -18.0 - g));
    Ok(Probed {
        format: format_name(container, &decoded.codec),
        codec: decoded.codec,
        duration_ms: (seconds * 1000.0).round() as i64,
        sample_rate: decoded.sample_rate,
        channels: decoded.channels,
        bitrate,
        peaks: decoded.peaks,
        loudness_lufs: loudness,
        tags,
    })
}

fn format_name(container: Container, codec: &str) -> &'static str {
    match container {
        Container::Mpeg => "mp3",
        Container::Flac => "flac",
        Container::Ogg if codec == "opus" => "opus",
        Container::Ogg => "ogg",
        Container::Wav => "wav",
        Container::Mp4 => "m4a",
        Container::Adts => "aac",
    }
}

struct Decoded {
    codec: String,
    sample_rate: u32,
    channels: usize,
    frames: u64,
    peaks: Vec<f32>,
    loudness: Option<f32>,
}

fn decode(path: &Path, container: Container, limits: &Limits) -> Result<Decoded, ProbeError> {
    let started = Instant::now();
    let file = std::fs::File::open(path).map_err(|e| ProbeError::Io(e.to_string()))?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    hint.with_extension(match container {
        Container::Mpeg => "mp3",
        Container::Flac => "flac",
        Container::Ogg => "ogg",
        Container::Wav => "wav",
        Container::Mp4 => "m4a",
        Container::Adts => "aac",
    });
    let mut format = symphonia::default::get_probe()
        .probe(&hint, mss, FormatOptions::default(), MetadataOptions::default())
        .map_err(|e| unsupported(format!("not a readable audio file ({e})")))?;
    let track = format.default_track(TrackType::Audio).ok_or_else(|| unsupported("no audio track"))?;
    let (track_id, declared) = (track.id, track.num_frames);
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .cloned()
        .ok_or_else(|| unsupported("no audio codec parameters"))?;
    let mut decoder = CODECS
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| unsupported(format!("no decoder for this audio ({e})")))?;
    let codec = decoder.codec_info().short_name.to_owned();

    let mut spec: Option<(u32, usize)> = None;
    let mut meter: Option<ebur128::EbuR128> = None;
    let mut peaks = Peaks::default();
    let (mut frames, mut packets, mut bad_packets) = (0u64, 0u64, 0u64);
    let mut samples: Vec<f32> = Vec::new();
    loop {
        if started.elapsed() > limits.decode_timeout {
            return Err(unsupported("decoding took too long"));
        }
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(SymError::ResetRequired) => break, // a chained stream: the first one is the track
            Err(SymError::IoError(e)) if frames > 0 && e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(unsupported("the file is truncated"));
            }
            Err(e) => return Err(unsupported(format!("the audio stream is damaged ({e})"))),
        };
        if packet.track_id != track_id {
            continue;
        }
        packets += 1;
        let buf = match decoder.decode(&packet) {
            Ok(buf) => buf,
            Err(SymError::DecodeError(_)) | Err(SymError::IoError(_)) => {
                bad_packets += 1;
                continue;
            }
            Err(e) => return Err(unsupported(format!("the audio does not decode ({e})"))),
        };
        let rate = buf.spec().rate();
        let channels = buf.spec().channels().count();
        if channels == 0 || channels > limits.max_channels {
            return Err(unsupported(format!("{channels} channels (at most {})", limits.max_channels)));
        }
        if rate == 0 || rate > limits.max_sample_rate {
            return Err(unsupported(format!("a sample rate of {rate} Hz (at most {})", limits.max_sample_rate)));
        }
        if spec.is_some_and(|s| s != (rate, channels)) {
            return Err(unsupported("the stream changes its sample rate or channels"));
        }
        if spec.is_none() {
            spec = Some((rate, channels));
            meter = ebur128::EbuR128::new(channels as u32, rate, ebur128::Mode::I).ok();
        }
        let n = buf.frames();
        let trim = (packet.trim_start.get() + packet.trim_end.get()) as usize;
        frames += n.saturating_sub(trim) as u64;
        samples.clear();
        buf.copy_to_vec_interleaved::<f32>(&mut samples);
        for frame in samples.chunks_exact(channels) {
            peaks.push(frame.iter().sum::<f32>() / channels as f32);
        }
        if let Some(m) = meter.as_mut()
            && m.add_frames_f32(&samples).is_err()
        {
            meter = None;
        }
    }
    let Some((sample_rate, channels)) = spec else { return Err(unsupported("no audio could be decoded")) };
    // A few damaged packets are tolerated (players skip them); a stream of them is not audio.
    if bad_packets * 20 > packets {
        return Err(unsupported("the audio stream is damaged"));
    }
    // Declared longer than what decodes: the file stops short (a cut upload).
    if let Some(declared) = declared
        && frames.saturating_mul(100) < declared.saturating_mul(98)
    {
        return Err(unsupported("the file is truncated"));
    }
    let loudness = meter.and_then(|m| m.loudness_global().ok()).filter(|l| l.is_finite()).map(|l| l as f32);
    Ok(Decoded { codec, sample_rate, channels, frames, peaks: peaks.finish(POINTS), loudness })
}

/// Tags and cover art, when lofty can read them; a file without readable tags has none.
fn read_tags(path: &Path) -> FileTags {
    use lofty::config::ParseOptions;
    use lofty::file::TaggedFileExt;
    use lofty::picture::PictureType;
    use lofty::tag::{Accessor, ItemKey};
    let Ok(probe) = lofty::probe::Probe::open(path) else { return FileTags::default() };
    let probe = probe.options(ParseOptions::new().read_properties(false));
    let Ok(tagged) = probe.guess_file_type().map_err(|_| ()).and_then(|p| p.read().map_err(|_| ())) else {
        return FileTags::default();
    };
    let Some(tag) = tagged.primary_tag().or_else(|| tagged.first_tag()) else { return FileTags::default() };
    let text = |v: Option<std::borrow::Cow<'_, str>>| v.as_deref().and_then(tag_text);
    let year = tag
        .get_string(ItemKey::Year)
        .or_else(|| tag.get_string(ItemKey::RecordingDate))
        .and_then(|d| d.get(..4))
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| (1000..=9999).contains(y));
    let replay_gain_db = tag
        .get_string(ItemKey::ReplayGainTrackGain)
        .and_then(|g| g.trim().trim_end_matches("dB").trim_end_matches("db").trim().parse::<f32>().ok())
        .filter(|g| g.is_finite() && g.abs() < 64.0);
    let pictures = tag.pictures();
    let cover = pictures
        .iter()
        .find(|p| p.pic_type() == PictureType::CoverFront)
        .or_else(|| pictures.first())
        .and_then(|p| cover(p.data()));
    FileTags {
        title: text(tag.title()),
        artist: text(tag.artist()),
        album: text(tag.album()),
        year,
        genre: text(tag.genre()),
        track_number: tag.track().and_then(|t| i32::try_from(t).ok()).filter(|t| *t > 0),
        replay_gain_db,
        cover,
    }
}

/// Cover bytes kept only when they are a JPEG or a PNG of at most `COVER_MAX_BYTES`.
fn cover(data: &[u8]) -> Option<Cover> {
    if data.len() > COVER_MAX_BYTES {
        return None;
    }
    let content_type = if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else {
        return None;
    };
    Some(Cover { content_type, bytes: data.to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_are_jpeg_or_png_and_bounded() {
        assert_eq!(cover(&[0xFF, 0xD8, 0xFF, 0xE0]).map(|c| c.content_type), Some("image/jpeg"));
        assert_eq!(cover(b"\x89PNG\r\n\x1a\n....").map(|c| c.content_type), Some("image/png"));
        assert!(cover(b"GIF89a").is_none());
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(COVER_MAX_BYTES + 1, 0);
        assert!(cover(&big).is_none());
    }

    fn fixture(name: &str) -> (std::path::PathBuf, u64, Option<Container>) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio").join(name);
        let bytes = std::fs::read(&path).unwrap_or_default();
        let container = super::super::sniff::sniff(&bytes[..bytes.len().min(4096)]);
        (path, bytes.len() as u64, container)
    }

    #[test]
    fn every_fixture_format_decodes_with_its_known_tags_and_duration() {
        // (file, format, codec, sample rate, channels)
        let cases = [
            ("tone.mp3", "mp3", "mp3", 44_100, 2),
            ("tone.flac", "flac", "flac", 22_050, 1),
            ("tone.ogg", "ogg", "vorbis", 44_100, 2),
            ("tone.opus", "opus", "opus", 48_000, 2),
            ("tone.wav", "wav", "pcm_s16le", 22_050, 1),
            ("tone.m4a", "m4a", "aac", 44_100, 2),
        ];
        for (name, format, codec, rate, channels) in cases {
            let (path, size, container) = fixture(name);
            let Some(container) = container else { panic!("{name}: not sniffed") };
            let p = match probe(&path, size, container, &Limits::default()) {
                Ok(p) => p,
                Err(e) => panic!("{name}: {e}"),
            };
            assert_eq!((p.format, p.codec.as_str()), (format, codec), "{name}");
            assert_eq!((p.sample_rate, p.channels), (rate, channels), "{name}");
            assert!((1950..=2100).contains(&p.duration_ms), "{name}: {} ms", p.duration_ms);
            assert!(p.bitrate > 0, "{name}");
            assert_eq!(p.peaks.len(), POINTS * 2, "{name}");
            let lufs = p.loudness_lufs.unwrap_or(0.0);
            assert!((-40.0..-3.0).contains(&lufs), "{name}: {lufs} LUFS");
            let t = &p.tags;
            assert_eq!(t.title.as_deref(), Some("Fixture Tone"), "{name}");
            assert_eq!(t.artist.as_deref(), Some("Veza Test"), "{name}");
            assert_eq!(t.album.as_deref(), Some("Fixtures"), "{name}");
            assert_eq!((t.year, t.track_number), (Some(2024), Some(3)), "{name}");
        }
    }

    #[test]
    fn truncated_disguised_and_empty_files_are_refused() {
        let (path, size, container) = fixture("truncated.mp3");
        let Some(container) = container else { panic!("a truncated mp3 still starts like one") };
        assert!(matches!(probe(&path, size, container, &Limits::default()), Err(ProbeError::Unsupported(_))));
        assert_eq!(fixture("image.mp3").2, None, "a PNG named .mp3");
        assert_eq!(fixture("empty.mp3").2, None);
    }

    #[test]
    fn limits_refuse_what_exceeds_them() {
        let (path, size, container) = fixture("tone.flac");
        let Some(container) = container else { panic!("flac") };
        let narrow = Limits { max_sample_rate: 16_000, ..Limits::default() };
        assert!(matches!(probe(&path, size, container, &narrow), Err(ProbeError::Unsupported(_))));
        let instant = Limits { decode_timeout: Duration::ZERO, ..Limits::default() };
        assert!(matches!(probe(&path, size, container, &instant), Err(ProbeError::Unsupported(_))));
    }

    #[test]
    fn formats_are_named_by_container_and_codec() {
        assert_eq!(format_name(Container::Ogg, "opus"), "opus");
        assert_eq!(format_name(Container::Ogg, "vorbis"), "ogg");
        assert_eq!(format_name(Container::Mp4, "aac"), "m4a");
    }
}
