//! The words `veza admin seed-search` writes with: a music vocabulary in rough order of how
//! common each word is (the seeder draws them with a Zipf distribution over this order), with
//! French and other accented words, people's names, and a typo maker, so a search benchmark
//! meets what real catalogues hold: a few very common words, a long tail, misspellings and
//! accents.

use veza_core::rng::SeededRng;

/// Most common first.
pub const WORDS: &[&str] = &[
    "guitar", "synth", "vintage", "bass", "new", "analog", "drum", "studio", "electric", "classic", "pedal", "amp",
    "music", "sound", "live", "mix", "beat", "vinyl", "record", "tape", "keyboard", "piano", "microphone",
    "monitor", "mixer", "interface", "cable", "case", "stand", "rack", "module", "effect", "reverb", "delay",
    "distortion", "fuzz", "chorus", "compressor", "preamp", "tube", "speaker", "cabinet", "head", "combo",
    "acoustic", "nylon", "steel", "string", "strings", "pickup", "pickups", "neck", "body", "fret", "bridge",
    "tuner", "capo", "strap", "bag", "hardcase", "drums", "snare", "kick", "cymbal", "hihat", "ride", "crash",
    "tom", "sticks", "brushes", "percussion", "conga", "bongo", "djembe", "cajon", "tambourine", "shaker",
    "sampler", "sequencer", "controller", "midi", "usb", "eurorack", "oscillator", "filter", "envelope", "lfo",
    "vca", "patch", "modular", "polyphonic", "monophonic", "paraphonic", "digital", "hybrid", "wavetable",
    "fm", "granular", "techno", "house", "ambient", "jazz", "blues", "rock", "punk", "metal", "funk", "soul",
    "disco", "hiphop", "trap", "dub", "reggae", "electro", "trance", "breakbeat", "jungle", "drumandbass",
    "garage", "grime", "lofi", "chillout", "downtempo", "synthwave", "newwave", "postpunk", "shoegaze",
    "folk", "country", "bluegrass", "classical", "baroque", "opera", "choir", "orchestra", "ensemble",
    "quartet", "trio", "duo", "solo", "band", "dj", "producer", "engineer", "songwriter", "vocalist", "singer",
    "drummer", "bassist", "guitarist", "pianist", "violin", "viola", "cello", "contrabass", "harp", "flute",
    "clarinet", "oboe", "bassoon", "saxophone", "trumpet", "trombone", "horn", "tuba", "accordion",
    "harmonica", "banjo", "mandolin", "ukulele", "sitar", "koto", "theremin", "organ", "rhodes", "wurlitzer",
    "clavinet", "mellotron", "celesta", "vibraphone", "marimba", "xylophone", "glockenspiel", "turntable",
    "cartridge", "stylus", "needle", "platter", "headphones", "earphones", "monitors", "subwoofer", "amplifier",
    "receiver", "cassette", "reel", "minidisc", "cd", "dat", "mastering", "mixing", "recording", "tracking",
    "overdub", "session", "demo", "album", "single", "ep", "remix", "edit", "bootleg", "mixtape", "playlist",
    "loop", "sample", "pack", "preset", "bank", "soundfont", "plugin", "vst", "daw", "tempo", "bpm", "key",
    "chord", "scale", "melody", "harmony", "rhythm", "groove", "swing", "shuffle", "syncopation", "arpeggio",
    "bassline", "riff", "lick", "solo", "bridge", "chorus", "verse", "intro", "outro", "drop", "build",
    "warm", "bright", "dark", "punchy", "fat", "thin", "crisp", "smooth", "gritty", "dirty", "clean", "lush",
    "airy", "deep", "heavy", "light", "fast", "slow", "loud", "quiet", "rare", "mint", "boxed", "tested",
    "serviced", "restored", "modded", "custom", "handmade", "boutique", "limited", "edition", "original",
    "reissue", "prototype", "signed", "collector", "beginner", "pro", "portable", "compact", "tabletop",
    "desktop", "stereo", "mono", "balanced", "unbalanced", "phantom", "power", "supply", "adapter", "battery",
    "fender", "gibson", "yamaha", "roland", "korg", "moog", "boss", "shure", "neumann", "focusrite", "pioneer",
    "ibanez", "martin", "taylor", "nord", "arturia", "behringer", "marshall", "vox", "sennheiser", "akai",
    "technics", "elektron", "novation", "sequential", "oberheim", "buchla", "makenoise", "mutable", "teenage",
    "engineering", "native", "instruments", "ableton", "steinberg", "universal", "audio", "apogee", "rme",
    "neve", "ssl", "api", "teletronix", "urei", "fairchild", "eventide", "lexicon", "strymon", "electroharmonix",
    "mesa", "orange", "peavey", "ampeg", "gretsch", "rickenbacker", "epiphone", "squier", "prs", "jackson",
    "ludwig", "pearl", "tama", "sonor", "zildjian", "sabian", "paiste", "meinl", "steinway", "bosendorfer",
    "bechstein", "hohner", "selmer", "buffet", "bach", "conn", "lyon", "berlin", "paris", "london", "leeds",
    "detroit", "chicago", "austin", "nashville", "osaka", "tokyo", "montreal", "lisbon", "marseille", "bristol",
    // French and accented words: searched folded, shown as written.
    "café", "électrique", "guitare", "batterie", "enceinte", "piste", "mélodie", "rêve", "forêt", "nuit",
    "été", "hiver", "printemps", "automne", "lumière", "fenêtre", "château", "chanson", "musique", "son",
    "studio", "éclat", "écho", "fréquence", "résonance", "clé", "gamme", "accordéon", "violoncelle", "flûte",
    "trompette", "tambour", "cymbale", "mégaphone", "haut-parleur", "années", "déjà", "brûlé", "doré",
    "argenté", "noir", "blanc", "rouge", "bleu", "vert", "jaune", "señor", "niño", "canción", "corazón",
    "mañana", "müller", "über", "straße", "schön", "björk", "smörgåsbord", "øresund", "kraków", "łódź",
];

pub const FIRST_NAMES: &[&str] = &[
    "Amélie", "Zoë", "José", "Björn", "Łukasz", "Chloé", "Noémie", "Renée", "François", "Søren", "Ana", "Marco",
    "Yuki", "Aisha", "Olu", "Priya", "Mateo", "Léa", "Hugo", "Inès", "Jonas", "Maya", "Ravi", "Sofia", "Emil",
    "Nadia", "Tomás", "Élodie", "Kofi", "Mei", "Iván", "Astrid", "Gaël", "Anaïs", "Jürgen", "Dvořák", "Oskar",
];

pub const LAST_NAMES: &[&str] = &[
    "Martin", "Dubois", "García", "Müller", "Nowak", "Okafor", "Lindqvist", "Rossi", "Tanaka", "Khan", "Silva",
    "Björnsson", "Lefèvre", "Moreau", "Fernández", "Schröder", "Kowalski", "Nguyen", "Haddad", "Ødegaard",
    "Mbeki", "Sato", "Costa", "Novák", "Petit", "Faure", "Dupré", "Łęcki", "Núñez", "Weiß",
];

/// Draws word ranks with P(rank r) proportional to 1 / r^s.
pub struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Zipf {
        let mut total = 0.0;
        let cumulative = (1..=n.max(1))
            .map(|r| {
                total += 1.0 / (r as f64).powf(s);
                total
            })
            .collect();
        Zipf { cumulative }
    }

    pub fn draw(&self, rng: &mut SeededRng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
        self.cumulative.partition_point(|c| *c < x).min(self.cumulative.len() - 1)
    }
}

/// `word` with one typo: two letters swapped, one dropped or one doubled.
pub fn misspell(word: &str, rng: &mut SeededRng) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 4 {
        return word.to_owned();
    }
    let i = 1 + rng.below(chars.len() - 2);
    match rng.below(3) {
        0 => chars.swap(i, i + 1),
        1 => {
            chars.remove(i);
        }
        _ => chars.insert(i, chars[i]),
    }
    chars.into_iter().collect()
}

/// Text of `len.start..len.end` words (at least one) drawn from the vocabulary, about
/// `typo_per_mille` of them misspelt.
pub fn words(rng: &mut SeededRng, zipf: &Zipf, len: std::ops::Range<usize>, typo_per_mille: usize) -> String {
    let n = len.start.max(1) + rng.below(len.end.saturating_sub(len.start));
    let mut out = String::new();
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        let w = WORDS[zipf.draw(rng).min(WORDS.len() - 1)];
        if rng.below(1000) < typo_per_mille {
            out.push_str(&misspell(w, rng));
        } else {
            out.push_str(w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_favours_the_first_words_and_reaches_the_tail() {
        let z = Zipf::new(WORDS.len(), 1.05);
        let mut rng = SeededRng::new(7);
        let mut counts = vec![0usize; WORDS.len()];
        for _ in 0..100_000 {
            counts[z.draw(&mut rng)] += 1;
        }
        assert!(counts[0] > counts[10] * 5, "{} vs {}", counts[0], counts[10]);
        assert!(counts[WORDS.len() / 2..].iter().sum::<usize>() > 1000, "the long tail is drawn");
    }

    #[test]
    fn a_misspelling_is_one_edit_away() {
        let mut rng = SeededRng::new(3);
        for _ in 0..50 {
            let m = misspell("synthesizer", &mut rng);
            assert_ne!(m, "synthesizer");
            assert!(m.chars().count().abs_diff(11) <= 1);
        }
        assert_eq!(misspell("dub", &mut rng), "dub");
    }
}
