//! Room rules against an in-memory store: ordering, gap fill, resume, numbering, membership.

use super::*;
use crate::ports::{BoxFut, StoreError};
use std::sync::Mutex;

/// An in-memory store, enough for the Room's rules.
#[derive(Default)]
struct MemStore {
    msgs: Mutex<Vec<StoredMessage>>,
    private: bool,
}

impl MemStore {
    fn add(&self, seq: i64, body: &str) {
        if let Ok(mut m) = self.msgs.lock() {
            m.push(msg(seq, body));
        }
    }
}

fn msg(seq: i64, body: &str) -> StoredMessage {
    StoredMessage {
        id: seq,
        room: Uuid::nil(),
        seq,
        author: UserRef { id: Uuid::nil(), username: "t".into() },
        body: Some(body.into()),
        client_id: format!("c{seq}"),
        sent_at: Utc::now(),
        duplicate: false,
    }
}

impl ChatStore for MemStore {
    fn insert_batch(&self, batch: Vec<NewMessage>) -> BoxFut<Result<Vec<StoredMessage>, StoreError>> {
        let out: Result<Vec<StoredMessage>, StoreError> =
            self.msgs.lock().map_err(|_| StoreError("poisoned".into())).map(|mut m| {
                batch
                    .into_iter()
                    .map(|n| {
                        let s = msg(m.len() as i64 + 1, &n.body);
                        m.push(s.clone());
                        s
                    })
                    .collect()
            });
        Box::pin(async move { out })
    }
    fn range(&self, _: Uuid, after: i64, up_to: i64, limit: i64) -> BoxFut<Result<Vec<StoredMessage>, StoreError>> {
        let rows: Vec<StoredMessage> = self
            .msgs
            .lock()
            .map(|m| m.iter().filter(|x| x.seq > after && x.seq <= up_to).take(limit as usize).cloned().collect())
            .unwrap_or_default();
        Box::pin(async move { Ok(rows) })
    }
    fn last_seq(&self, _: Uuid) -> BoxFut<Result<i64, StoreError>> {
        let n = self.msgs.lock().map(|m| m.len() as i64).unwrap_or(0);
        Box::pin(async move { Ok(n) })
    }
    fn admit(&self, _: Uuid, _: Uuid) -> BoxFut<Result<Membership, StoreError>> {
        let m = if self.private {
            Membership::NotMember
        } else {
            Membership::Member { moderator: false, muted_until: None, direct: false }
        };
        Box::pin(async move { Ok(m) })
    }
    fn may_post(&self, _: Uuid, _: Uuid) -> BoxFut<Result<PostCheck, StoreError>> {
        Box::pin(async { Ok(PostCheck::Allowed) })
    }
    fn mark_read(&self, _: Uuid, _: Uuid, _: i64) -> BoxFut<Result<(), StoreError>> {
        Box::pin(async { Ok(()) })
    }
    fn session_valid(&self, _: Uuid, _: Uuid) -> bool {
        true
    }
}

struct NoFanout;
impl Fanout for NoFanout {
    fn publish_room(&self, _: Uuid, _: Arc<SharedFrame>) {}
    fn publish_user(&self, _: Uuid, _: Arc<SharedFrame>) {}
}

/// Records the seq of every message frame it receives.
struct Collector(Arc<Mutex<Vec<i64>>>);
impl Actor for Collector {
    type Context = Context<Self>;
}
impl Handler<Deliver> for Collector {
    type Result = ();
    fn handle(&mut self, m: Deliver, _: &mut Context<Self>) {
        if let Deliver::Frame(f) = m
            && let ServerFrame::Message { seq, .. } = f.frame
            && let Ok(mut v) = self.0.lock()
        {
            v.push(seq);
        }
    }
}

fn room_with(store: Arc<MemStore>) -> Addr<Room> {
    // Metric names are static and valid: construction cannot fail here.
    let Ok(stats) = ChatStats::new() else { panic!("chat stats") };
    let writer = MessageWriter::new(store.clone(), stats.clone(), 16, Duration::from_millis(1)).start();
    let deps = Arc::new(RoomDeps {
        store,
        fanout: Arc::new(NoFanout),
        writers: vec![writer],
        stats,
        gap_wait: Duration::from_millis(30),
        idle_stop: Duration::from_secs(60),
        resync_every: Duration::from_secs(60),
        presence: None,
    });
    Room::new(Uuid::nil(), deps, None).start()
}

async fn joined(room: &Addr<Room>, last_seen: Option<i64>) -> (Arc<Mutex<Vec<i64>>>, Result<(), JoinError>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let c = Collector(seen.clone()).start();
    let user = UserRef { id: Uuid::now_v7(), username: "u".into() };
    let res = room.send(Join { conn: rand_conn(), user, addr: c.recipient(), last_seen }).await;
    (seen, res.unwrap_or(Err(JoinError::Unavailable)))
}

fn rand_conn() -> u64 {
    Uuid::now_v7().as_u128() as u64
}

fn committed(seq: i64) -> Committed {
    Committed(SharedFrame::new(msg(seq, "x").frame()))
}

async fn settle() {
    actix_rt::time::sleep(Duration::from_millis(120)).await;
}

fn seqs(v: &Arc<Mutex<Vec<i64>>>) -> Vec<i64> {
    v.lock().map(|v| v.clone()).unwrap_or_default()
}

#[actix_rt::test]
async fn frames_out_of_order_are_delivered_in_seq_order_once() {
    let store = Arc::new(MemStore::default());
    let room = room_with(store);
    let (seen, res) = joined(&room, None).await;
    assert_eq!(res, Ok(()));
    for s in [2, 1, 3, 2, 1] {
        room.do_send(committed(s));
    }
    settle().await;
    assert_eq!(seqs(&seen), [1, 2, 3]);
}

#[actix_rt::test]
async fn a_gap_is_filled_from_the_store() {
    let store = Arc::new(MemStore::default());
    let room = room_with(store.clone());
    let (seen, _) = joined(&room, None).await;
    // 1 and 2 were committed elsewhere and never announced; 3 arrives.
    store.add(1, "a");
    store.add(2, "b");
    store.add(3, "c");
    room.do_send(committed(3));
    settle().await;
    assert_eq!(seqs(&seen), [1, 2, 3]);
}

#[actix_rt::test]
async fn resume_sends_what_was_missed_then_live_without_duplicates() {
    let store = Arc::new(MemStore::default());
    for s in 1..=5 {
        store.add(s, "old");
    }
    let room = room_with(store.clone());
    let (seen, _) = joined(&room, Some(2)).await;
    store.add(6, "new");
    room.do_send(committed(6));
    room.do_send(committed(5));
    settle().await;
    assert_eq!(seqs(&seen), [3, 4, 5, 6]);
}

#[actix_rt::test]
async fn posts_are_numbered_and_delivered() {
    let store = Arc::new(MemStore::default());
    let room = room_with(store);
    let (seen, _) = joined(&room, None).await;
    let author = UserRef { id: Uuid::now_v7(), username: "a".into() };
    for i in 0..3 {
        let post = Post { author: author.clone(), body: format!("p{i}"), client_id: format!("p{i}") };
        let stored = room.send(post).await.map_err(|_| PostError::Unavailable).and_then(|r| r);
        assert_eq!(stored.map(|s| s.seq), Ok(i + 1));
    }
    settle().await;
    assert_eq!(seqs(&seen), [1, 2, 3]);
}

#[actix_rt::test]
async fn a_private_room_refuses_a_non_member() {
    let store = Arc::new(MemStore { private: true, ..Default::default() });
    let room = room_with(store);
    let (_, res) = joined(&room, None).await;
    assert_eq!(res, Err(JoinError::NotMember));
    assert_eq!(room.send(ConnCount).await.ok(), Some(0));
}
