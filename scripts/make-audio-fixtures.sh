#!/usr/bin/env bash
# Writes tests/fixtures/audio/: one small file per format Veza takes, each with the same known
# tags and duration, plus the files it must refuse. The output is committed; run this again
# only to change the fixtures (then update tests/it/tracks*.rs's expectations).
# Needs Debian's sox, ffmpeg, flac, opus-tools and vorbis-tools (installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
out=tests/fixtures/audio
need=()
for tool in sox:sox ffmpeg:ffmpeg flac:flac opusenc:opus-tools oggenc:vorbis-tools; do
    command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if ((${#need[@]})); then
    [ "$(id -u)" = 0 ] || { echo "fixtures: install ${need[*]}" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The source: 2.000 s of a 440 Hz tone fading in and out (so peaks and loudness vary), mono.
sox -n -r 22050 -b 16 -c 1 "$tmp/tone.wav" synth 2.0 sine 440 fade t 0.5 2.0 0.5 gain -6
# Stereo 44.1 kHz for the compressed formats (they stay small at low bitrates).
sox "$tmp/tone.wav" -r 44100 -c 2 "$tmp/tone44.wav"

title="Fixture Tone" artist="Veza Test" album="Fixtures" year=2024 genre="Test" track=3
meta=(-metadata "title=$title" -metadata "artist=$artist" -metadata "album=$album"
      -metadata "date=$year" -metadata "genre=$genre" -metadata "track=$track")
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }

# WAV: 22.05 kHz mono 16-bit (88 KiB), with a LIST/INFO chunk.
ff -i "$tmp/tone.wav" "${meta[@]}" -c:a pcm_s16le "$out/tone.wav"
# MP3: 64 kb/s CBR with a Xing/Info frame and ID3v2.4 tags.
ff -i "$tmp/tone44.wav" "${meta[@]}" -c:a libmp3lame -b:a 64k -id3v2_version 4 "$out/tone.mp3"
# FLAC: 22.05 kHz mono, Vorbis comments.
flac -s -f --best -T "TITLE=$title" -T "ARTIST=$artist" -T "ALBUM=$album" -T "DATE=$year" \
    -T "GENRE=$genre" -T "TRACKNUMBER=$track" -o "$out/tone.flac" "$tmp/tone.wav"
# Ogg Vorbis and Opus.
oggenc -Q -q 0 -t "$title" -a "$artist" -l "$album" -d "$year" -G "$genre" -N "$track" \
    -o "$out/tone.ogg" "$tmp/tone44.wav"
opusenc --quiet --bitrate 32 --title "$title" --artist "$artist" --album "$album" --date "$year" \
    --genre "$genre" --comment "TRACKNUMBER=$track" "$tmp/tone44.wav" "$out/tone.opus"
# M4A: AAC-LC 48 kb/s in MP4.
ff -i "$tmp/tone44.wav" "${meta[@]}" -c:a aac -b:a 48k -movflags +faststart "$out/tone.m4a"

# What must be refused: a truncated MP3 (cut mid-stream), a PNG named .mp3, an empty file.
head -c "$(( $(stat -c %s "$out/tone.mp3") / 2 ))" "$out/tone.mp3" >"$out/truncated.mp3"
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82' >"$out/image.mp3"
: >"$out/empty.mp3"
ls -l "$out"
