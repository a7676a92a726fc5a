//! Compares what the clients saw with what PostgreSQL holds.

use crate::cluster::{Cluster, Outcome};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;
use veza::db::schema::messages;

#[derive(Debug, Default)]
pub struct Tally {
    pub sent: usize,
    pub acked: usize,
    pub stored: usize,
    pub delivered: usize,
    pub expected: usize,
    pub lost: usize,
    pub duplicated: usize,
    pub out_of_order: usize,
    pub errors: Vec<String>,
    pub retried: usize,
    /// A few (client, room, missing seqs, how its connections ended), to say where a loss was.
    pub misses: Vec<(usize, usize, Vec<i64>, Vec<String>)>,
    /// For the first miss: each missing seq's author and how long before the tally it was stored.
    pub missed_rows: Vec<(i64, String, i64)>,
}

pub async fn count(c: &Cluster, o: &Outcome) -> Tally {
    let mut conn = c.db.conn().await;
    let room_ids: Vec<Uuid> = c.rooms.iter().map(|r| r.parse().expect("uuid")).collect();
    let timed: Vec<(Uuid, i64, String, chrono::DateTime<chrono::Utc>)> = messages::table
        .filter(messages::room_id.eq_any(&room_ids))
        .select((messages::room_id, messages::seq, messages::client_id, messages::created_at))
        .load(&mut conn)
        .await
        .expect("load messages");
    let now = chrono::Utc::now();
    let rows: Vec<(Uuid, i64, String)> = timed.iter().map(|(r, s, c, _)| (*r, *s, c.clone())).collect();
    let last_seq: HashMap<String, i64> = c
        .rooms
        .iter()
        .map(|r| {
            let id: Uuid = r.parse().expect("uuid");
            (r.clone(), rows.iter().filter(|(room, _, _)| *room == id).map(|(_, s, _)| *s).max().unwrap_or(0))
        })
        .collect();
    let stored_ids: HashSet<(String, i64)> = rows.iter().map(|(r, s, _)| (r.to_string(), *s)).collect();
    let mut t = Tally { stored: rows.len(), ..Tally::default() };
    for (ci, client) in o.clients.iter().enumerate() {
        t.sent += client.sent.len();
        t.acked += client.acked.len();
        // Acked but not in PostgreSQL: lost.
        t.lost += client.acked.values().filter(|(room, seq)| !stored_ids.contains(&(room.clone(), *seq))).count();
        t.errors.extend(client.errors.iter().cloned());
        t.retried += client.retried;
        for (ri, room) in c.rooms.iter().enumerate() {
            let got = client.received.get(room).cloned().unwrap_or_default();
            let unique: HashSet<i64> = got.iter().copied().collect();
            let want = usize::try_from(last_seq[room]).unwrap_or(0);
            t.expected += want;
            t.delivered += unique.len();
            t.duplicated += got.len() - unique.len();
            t.out_of_order += got.windows(2).filter(|w| w[1] <= w[0]).count();
            let missing: Vec<i64> = (1..=last_seq[room]).filter(|s| !unique.contains(s)).collect();
            t.lost += missing.len();
            if !missing.is_empty() && t.misses.is_empty() {
                let id: Uuid = room.parse().expect("uuid");
                t.missed_rows = timed
                    .iter()
                    .filter(|(r, s, _, _)| *r == id && missing.contains(s))
                    .map(|(_, s, c, at)| (*s, c.clone(), (now - *at).num_milliseconds()))
                    .collect();
            }
            if !missing.is_empty() && t.misses.len() < 10 {
                t.misses.push((ci, ri, missing, client.closes.clone()));
            }
        }
    }
    t
}

impl Tally {
    pub fn print(&self, scenario: &str) {
        println!(
            "chaos {scenario}: sent {} acked {} stored {} delivered {}/{} lost {} duplicated {} out-of-order {} errors {} (refusals retried {})",
            self.sent,
            self.acked,
            self.stored,
            self.delivered,
            self.expected,
            self.lost,
            self.duplicated,
            self.out_of_order,
            self.errors.len(),
            self.retried
        );
    }

    pub fn is_clean(&self) -> bool {
        self.sent > 0
            && self.acked == self.sent
            && self.stored == self.acked
            && (self.lost, self.duplicated, self.out_of_order) == (0, 0, 0)
            && self.errors.is_empty()
    }

    pub fn assert_clean(&self) {
        assert!(self.sent > 0, "traffic flowed");
        let first: Vec<&String> = self.errors.iter().take(5).collect();
        assert_eq!(self.acked, self.sent, "every message acked in the end (retries included); errors {first:?}");
        assert_eq!(self.stored, self.acked, "every acked message stored exactly once");
        assert_eq!((self.lost, self.duplicated, self.out_of_order), (0, 0, 0), "{self:?}");
        let first: Vec<&String> = self.errors.iter().take(5).collect();
        assert!(self.errors.is_empty(), "no error reached a client: {} errors, first {first:?}", self.errors.len());
    }
}
