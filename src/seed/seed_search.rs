//! `veza admin seed-search`: a catalogue at the size search is benchmarked at (a million
//! listings, a hundred thousand tracks and users, ten thousand rooms), written with COPY in a
//! few minutes. Text comes from `search_vocabulary.rs`: Zipf-distributed music words, accents,
//! a few typos. Deterministic: the same counts give the same catalogue. Seeded users are
//! `seed_<n>` with no password (they cannot sign in); seeded tracks have no audio behind them
//! (placeholder blobs): this is data to search, not to play. Written with triggers off where
//! the role may (no change log for a bulk load), then every node is asked to rebuild its index.

use super::load_users::LoadError;
use super::search_vocabulary::{FIRST_NAMES, LAST_NAMES, WORDS, Zipf, words};
use crate::categories::repo as categories_repo;
use crate::config::Config;
use crate::db;
use crate::listings::model::Condition;
use bytes::Bytes;
use futures_util::SinkExt;
use serde::Serialize;
use std::collections::HashSet;
use std::fmt::Write;
use std::time::{Duration, Instant};
use tokio_postgres::{Client, NoTls};
use uuid::Uuid;
use veza_core::rng::SeededRng;

/// Rows per COPY chunk sent.
const CHUNK_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Copy)]
pub struct Counts {
    pub listings: usize,
    pub tracks: usize,
    pub users: usize,
    pub rooms: usize,
}

#[derive(Debug, Serialize)]
pub struct SeededSearch {
    pub listings: usize,
    pub tracks: usize,
    pub users: usize,
    pub rooms: usize,
    pub seconds: f64,
    pub triggers_off: bool,
}

/// A CSV field: quoted, quotes doubled.
fn field(out: &mut String, text: &str) {
    out.push('"');
    out.push_str(&text.replace('"', "\"\""));
    out.push('"');
}

/// A PostgreSQL text array literal as a CSV field.
fn array(out: &mut String, items: &[String]) {
    let inner: Vec<String> = items.iter().map(|t| format!("\"{}\"", t.replace(['\\', '"'], ""))).collect();
    field(out, &format!("{{{}}}", inner.join(",")));
}

/// Streams CSV rows (made by `row(i, line)`) into `COPY <target> FROM STDIN`.
async fn copy(
    client: &Client,
    target: &str,
    n: usize,
    mut row: impl FnMut(usize, &mut String),
) -> Result<(), LoadError> {
    let sink = client.copy_in(&format!("COPY {target} FROM STDIN (FORMAT csv)")).await.map_err(pg)?;
    futures_util::pin_mut!(sink);
    let mut buf = String::with_capacity(CHUNK_BYTES + 4096);
    for i in 0..n {
        row(i, &mut buf);
        buf.push('\n');
        if buf.len() >= CHUNK_BYTES {
            sink.send(Bytes::from(std::mem::take(&mut buf))).await.map_err(pg)?;
        }
    }
    if !buf.is_empty() {
        sink.send(Bytes::from(buf)).await.map_err(pg)?;
    }
    sink.finish().await.map_err(pg)?;
    Ok(())
}

fn pg(e: tokio_postgres::Error) -> LoadError {
    LoadError::Other(format!("PostgreSQL: {e}"))
}

/// The `n`th seeded user's id: deterministic, so tables can refer to users without a lookup.
fn user_id(run: u64, n: usize) -> Uuid {
    Uuid::from_u64_pair(0x5eed_0000_0000_0000 ^ run, n as u64)
}

pub async fn seed(config: &Config, counts: Counts) -> Result<SeededSearch, LoadError> {
    let started = Instant::now();
    let timeout = Duration::from_millis(config.database.connect_timeout_ms);
    let url = config.database.url.clone();
    tokio::task::spawn_blocking(move || db::migrate::prepare(&url, timeout))
        .await
        .map_err(|e| LoadError::Other(e.to_string()))??;
    let (client, connection) = tokio_postgres::connect(&config.database.url, NoTls).await.map_err(pg)?;
    let link = tokio::spawn(connection);
    // A bulk load writes no change log (each node rebuilds from the tables afterwards).
    let triggers_off = client.batch_execute("SET session_replication_role = replica").await.is_ok();
    let run: u64 = client
        .query_one("SELECT count(*)::int8 FROM users WHERE username LIKE 'seed\\_%'", &[])
        .await
        .map_err(pg)?
        .get::<_, i64>(0)
        .try_into()
        .unwrap_or(0);
    let offset = run as usize;
    let zipf = Zipf::new(WORDS.len(), 1.05);
    let mut rng = SeededRng::new(0x5ea1_c4ed ^ run);

    copy(&client, "users (id, email, username, display_name, bio, email_verified)", counts.users, |i, out| {
        let n = offset + i;
        let first = FIRST_NAMES[rng.below(FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.below(LAST_NAMES.len())];
        let _ = write!(out, "{},seed_{n}@seed.veza.invalid,seed_{n},", user_id(0, n));
        field(out, &format!("{first} {last}"));
        out.push(',');
        field(out, &words(&mut rng, &zipf, 6..20, 20));
        out.push_str(",true");
    })
    .await?;
    let total_users = offset + counts.users;
    if total_users == 0 {
        return Err(LoadError::Other("no users to own the catalogue: seed at least one".into()));
    }
    let owner = |rng: &mut SeededRng| user_id(0, rng.below(total_users));

    let cats = {
        let mut conn = db::migrate::connect(&config.database.url, timeout).await?;
        let all = categories_repo::all(&mut conn).await?;
        let parents: HashSet<Uuid> = all.iter().filter_map(|c| c.parent_id).collect();
        all.iter().map(|c| c.id).filter(|id| !parents.contains(id)).collect::<Vec<_>>()
    };
    if cats.is_empty() {
        return Err(LoadError::Other("no categories: migrate first".into()));
    }
    let cols = "listings (id, seller_id, title, description, price_amount, currency, category_id, tags, condition, \
                status, published_at, views)";
    copy(&client, cols, counts.listings, |_, out| {
        let status = match rng.below(20) {
            0 => "sold",
            1 => "archived",
            2 => "draft",
            _ => "active",
        };
        let _ = write!(out, "{},{},", Uuid::now_v7(), owner(&mut rng));
        field(out, &words(&mut rng, &zipf, 3..7, 30));
        out.push(',');
        field(out, &words(&mut rng, &zipf, 10..40, 30));
        let currency = ["EUR", "EUR", "EUR", "USD", "GBP"][rng.below(5)];
        let _ = write!(out, ",{},{currency},{},", 500 + rng.below(200_000) * 100, cats[rng.below(cats.len())]);
        let tags: Vec<String> = (0..1 + rng.below(4)).map(|_| words(&mut rng, &zipf, 1..1, 0)).collect();
        array(out, &tags);
        let condition = Condition::ALL[rng.below(Condition::ALL.len())].as_str();
        let published = if status == "draft" { "" } else { "2026-11-01T00:00:00Z" };
        // Views: a heavy tail, like plays.
        let views = (1u64 << rng.below(16)) - 1;
        let _ = write!(out, ",{condition},{status},{published},{views}");
    })
    .await?;

    // Placeholder blobs, one per track (a track's blob is unique per owner).
    let blob = |n: usize| format!("5eed{:060x}", (run as usize) << 40 | n);
    copy(&client, "blobs (sha256, size_bytes, content_type, refs)", counts.tracks, |i, out| {
        let _ = write!(out, "{},1000,audio/wav,1", blob(i));
    })
    .await?;
    let cols = "tracks (id, owner_id, blob_sha256, title, artist, album, genre, duration_ms, bitrate, sample_rate, \
                channels, codec, format, size_bytes, visibility, tags, plays)";
    copy(&client, cols, counts.tracks, |i, out| {
        let _ = write!(out, "{},{},{},", Uuid::now_v7(), owner(&mut rng), blob(i));
        field(out, &words(&mut rng, &zipf, 1..5, 30));
        out.push(',');
        field(out, &format!("{} {}", FIRST_NAMES[rng.below(FIRST_NAMES.len())], words(&mut rng, &zipf, 1..1, 0)));
        out.push(',');
        field(out, &words(&mut rng, &zipf, 2..2, 10));
        out.push(',');
        field(out, &words(&mut rng, &zipf, 1..1, 0));
        let visibility = if rng.below(10) == 0 { "private" } else { "public" };
        let _ = write!(out, ",{},128000,44100,2,mp3,mp3,1000,{visibility},", 60_000 + rng.below(300_000));
        let tags: Vec<String> = (0..rng.below(4)).map(|_| words(&mut rng, &zipf, 1..1, 0)).collect();
        array(out, &tags);
        // Plays: a heavy tail.
        let _ = write!(out, ",{}", (1u64 << rng.below(20)) + rng.below(100) as u64);
    })
    .await?;

    let mut rooms = Vec::with_capacity(counts.rooms);
    copy(&client, "rooms (id, name, topic, visibility, created_by)", counts.rooms, |_, out| {
        let id = Uuid::now_v7();
        let by = owner(&mut rng);
        rooms.push((id, by));
        let _ = write!(out, "{id},");
        field(out, &words(&mut rng, &zipf, 2..5, 20));
        out.push(',');
        field(out, &words(&mut rng, &zipf, 5..20, 20));
        let visibility = if rng.below(10) == 0 { "private" } else { "public" };
        let _ = write!(out, ",{visibility},{by}");
    })
    .await?;
    copy(&client, "room_members (room_id, user_id, role)", rooms.len(), |i, out| {
        let (room, by) = rooms[i];
        let _ = write!(out, "{room},{by},owner");
    })
    .await?;
    for table in ["users", "listings", "tracks", "rooms", "room_members", "blobs"] {
        client.batch_execute(&format!("ANALYZE {table}")).await.map_err(pg)?;
    }
    // Every node rebuilds from the tables (the bulk load wrote no change log).
    client.batch_execute("UPDATE search_meta SET rebuild_requested = rebuild_requested + 1").await.map_err(pg)?;
    drop(client);
    let _ = link.await;
    Ok(SeededSearch {
        listings: counts.listings,
        tracks: counts.tracks,
        users: counts.users,
        rooms: counts.rooms,
        seconds: started.elapsed().as_secs_f64(),
        triggers_off,
    })
}
