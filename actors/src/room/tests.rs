//! Room rules against an in-memory store: ordering, gap fill, resume, numbering, membership.

use super::*;
use crate::ports::{BoxFut, NewMessage, PostCheck, StoreError, StoredMessage};
use std::sync::Mutex;
use veza_core::MessageId;

/// An in-memory store, enough for the Room's rules.
#[derive(Default)]
struct MemStore {
    msgs: Mutex<Vec<StoredMessage>>,
    private: bool,
    /// Every insert answers `Unavailable`.
    down: bool,
    /// Messages handed to inserts, counted once per attempt (a split batch counts again).
    attempted: std::sync::atomic::AtomicUsize,
    /// How long each insert takes to commit.
    commit_delay: Duration,
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
        id: MessageId(seq),
        room: RoomId::default(),
        seq: Seq(seq),
        author: UserRef { id: UserId::default(), username: "t".into() },
        body: Some(body.into()),
        client_id: format!("c{seq}"),
        sent_at: Utc::now(),
        duplicate: false,
    }
}

impl ChatStore for MemStore {
    fn insert_batch(&self, batch: Arc<Vec<NewMessage>>) -> BoxFut<Result<Vec<Option<StoredMessage>>, StoreError>> {
        self.attempted.fetch_add(batch.len(), std::sync::atomic::Ordering::Relaxed);
        if self.down {
            return Box::pin(async { Err(StoreError::Unavailable("down".into())) });
        }
        // Stands for data the database refuses (a NUL, a violated constraint): the whole
        // batch fails and nothing of it is stored.
        if batch.iter().any(|n| n.body == "poison" || n.body.contains('\0')) {
            return Box::pin(async { Err(StoreError::Data("refused".into())) });
        }
        let out: Result<Vec<Option<StoredMessage>>, StoreError> =
            self.msgs.lock().map_err(|_| StoreError::Unavailable("poisoned".into())).map(|mut m| {
                batch
                    .iter()
                    .map(|n| {
                        // Stands for a message whose room or author is gone.
                        if n.body == "gone" {
                            return None;
                        }
                        let seq = m.iter().filter(|s| s.room == n.room).count() as i64 + 1;
                        let s = StoredMessage { room: n.room, client_id: n.client_id.clone(), ..msg(seq, &n.body) };
                        m.push(s.clone());
                        Some(s)
                    })
                    .collect()
            });
        let delay = self.commit_delay;
        Box::pin(async move {
            actix_rt::time::sleep(delay).await;
            out
        })
    }
    fn range(
        &self,
        room: RoomId,
        after: Seq,
        up_to: Seq,
        limit: i64,
    ) -> BoxFut<Result<Vec<StoredMessage>, StoreError>> {
        let rows: Vec<StoredMessage> = self
            .msgs
            .lock()
            .map(|m| {
                m.iter()
                    .filter(|x| x.room == room && x.seq > after && x.seq <= up_to)
                    .take(limit as usize)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        Box::pin(async move { Ok(rows) })
    }
    fn last_seq(&self, room: RoomId) -> BoxFut<Result<Seq, StoreError>> {
        let n = Seq(self.msgs.lock().map(|m| m.iter().filter(|x| x.room == room).count() as i64).unwrap_or(0));
        Box::pin(async move { Ok(n) })
    }
    fn admit(&self, _: RoomId, _: UserId) -> BoxFut<Result<Membership, StoreError>> {
        let m = if self.private {
            Membership::NotMember
        } else {
            Membership::Member { moderator: false, muted_until: None, direct: false }
        };
        Box::pin(async move { Ok(m) })
    }
    fn may_post(&self, _: RoomId, _: UserId) -> BoxFut<Result<PostCheck, StoreError>> {
        Box::pin(async { Ok(PostCheck::Allowed) })
    }
    fn mark_read(&self, _: RoomId, _: UserId, up_to: Seq) -> BoxFut<Result<Option<Seq>, StoreError>> {
        Box::pin(async move { Ok(Some(up_to)) })
    }
    fn session_valid(&self, _: uuid::Uuid, _: UserId) -> bool {
        true
    }
}

struct NoFanout;
impl Fanout for NoFanout {
    fn publish_room(&self, _: RoomId, _: Arc<SharedFrame>) {}
    fn publish_user(&self, _: UserId, _: Arc<SharedFrame>) {}
    fn control_user(&self, _: UserId, _: crate::conn::UserControl) {}
}

/// Records each delivery as it came: one entry per `Deliver`, with the frames it held.
struct Recorder(Arc<Mutex<Vec<String>>>);
impl Actor for Recorder {
    type Context = Context<Self>;
}
impl Handler<Deliver> for Recorder {
    type Result = ();
    fn handle(&mut self, m: Deliver, _: &mut Context<Self>) {
        let name = |f: &SharedFrame| match &f.frame {
            ServerFrame::Message { seq, .. } => seq.to_string(),
            other => format!("{other:?}").split_whitespace().next().unwrap_or("?").to_owned(),
        };
        let entry = match m {
            Deliver::Frame(f) => format!("one {}", name(&f)),
            Deliver::Frames(fs) => format!("batch {}", fs.iter().map(|f| name(f)).collect::<Vec<_>>().join(",")),
            Deliver::Close(code) => format!("close {code}"),
            Deliver::Control(c) => format!("control {c:?}"),
        };
        if let Ok(mut v) = self.0.lock() {
            v.push(entry);
        }
    }
}

fn room_with(store: Arc<MemStore>) -> Addr<Room> {
    rooms_sharing_a_writer(store, &[RoomId::default()]).remove(0)
}

/// Rooms whose messages all go through one writer (and so share its batches).
fn rooms_sharing_a_writer(store: Arc<MemStore>, ids: &[RoomId]) -> Vec<Addr<Room>> {
    rooms_idle_after(store, ids, Duration::from_secs(60))
}

/// Rooms sharing a writer that stop once empty and idle for `idle_stop`.
fn rooms_idle_after(store: Arc<MemStore>, ids: &[RoomId], idle_stop: Duration) -> Vec<Addr<Room>> {
    // Metric names are static and valid: construction cannot fail here.
    let Ok(stats) = ChatStats::new() else { panic!("chat stats") };
    let writer = MessageWriter::new(store.clone(), stats.clone(), 16, Duration::from_millis(1)).start();
    let deps = Arc::new(RoomDeps {
        store,
        fanout: Arc::new(NoFanout),
        writers: vec![writer],
        stats,
        gap_wait: Duration::from_millis(30),
        idle_stop,
        resync_every: Duration::from_secs(60),
        presence: None,
    });
    ids.iter().map(|id| Room::new(*id, deps.clone(), None).start()).collect()
}

async fn joined(room: &Addr<Room>, last_seen: Option<i64>) -> (Arc<Mutex<Vec<String>>>, Result<(), JoinError>) {
    joined_with_backlog(room, last_seen, 1024).await
}

/// A Recorder joins; it never releases its backlog (as a client that stopped reading).
async fn joined_with_backlog(
    room: &Addr<Room>,
    last_seen: Option<i64>,
    limit: usize,
) -> (Arc<Mutex<Vec<String>>>, Result<(), JoinError>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let c = Recorder(seen.clone()).start();
    let user = UserRef { id: UserId::new_v7(), username: "u".into() };
    let join = Join {
        conn: rand_conn(),
        user,
        addr: c.recipient(),
        backlog: Backlog::new(limit),
        last_seen: last_seen.map(Seq),
    };
    let res = room.send(join).await;
    (seen, res.unwrap_or(Err(JoinError::Unavailable)))
}

fn rand_conn() -> u64 {
    uuid::Uuid::now_v7().as_u128() as u64
}

fn committed(seq: i64) -> Committed {
    Committed(SharedFrame::new(msg(seq, "x").frame()))
}

async fn settle() {
    actix_rt::time::sleep(Duration::from_millis(120)).await;
}

/// The message seqs a Recorder saw, in order, whether sent one by one or in batches.
fn seqs(log: &Arc<Mutex<Vec<String>>>) -> Vec<i64> {
    let entries = log.lock().map(|v| v.clone()).unwrap_or_default();
    entries
        .iter()
        .filter_map(|e| e.strip_prefix("one ").or_else(|| e.strip_prefix("batch ")))
        .flat_map(|names| names.split(',').filter_map(|n| n.parse().ok()).collect::<Vec<i64>>())
        .collect()
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

/// A client that saw messages on another node before this room heard of them joins with a
/// `last_seen` past the room's: those messages, arriving later, are not sent to it again.
#[actix_rt::test]
async fn a_client_ahead_of_the_room_gets_nothing_twice() {
    let store = Arc::new(MemStore::default());
    for s in 1..=3 {
        store.add(s, "old");
    }
    let room = room_with(store.clone());
    settle().await; // the room starts at 3
    store.add(4, "elsewhere");
    store.add(5, "elsewhere");
    let (seen, res) = joined(&room, Some(5)).await;
    assert_eq!(res, Ok(()));
    // Late fan-out of 4 and 5, then a new message.
    room.do_send(committed(4));
    room.do_send(committed(5));
    store.add(6, "new");
    room.do_send(committed(6));
    settle().await;
    assert_eq!(seqs(&seen), [6]);
    // A claim past the store is cut to it: the next real message still arrives.
    let (claims, _) = joined(&room, Some(1_000)).await;
    store.add(7, "next");
    room.do_send(committed(7));
    settle().await;
    assert_eq!(seqs(&claims), [7]);
}

#[actix_rt::test]
async fn posts_are_numbered_and_delivered() {
    let store = Arc::new(MemStore::default());
    let room = room_with(store);
    let (seen, _) = joined(&room, None).await;
    let author = UserRef { id: UserId::new_v7(), username: "a".into() };
    for i in 0..3 {
        let (reply, answer) = PostReply::channel();
        room.do_send(Post {
            author: author.clone(),
            body: format!("p{i}"),
            client_id: format!("p{i}"),
            reply,
            trusted: false,
        });
        let stored = answer.await.unwrap_or(Err(PostError::Unavailable));
        assert_eq!(stored.map(|s| s.seq.get()), Ok(i + 1));
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

/// Posts `n` messages at once (one writer batch); answers their seqs in order.
async fn post_together(room: &Addr<Room>, n: usize) -> Vec<i64> {
    let author = UserRef { id: UserId::new_v7(), username: "a".into() };
    let mut answers = Vec::new();
    for i in 0..n {
        let (reply, answer) = PostReply::channel();
        room.do_send(Post {
            author: author.clone(),
            body: format!("b{i}"),
            client_id: format!("c{i}"),
            reply,
            trusted: false,
        });
        answers.push(answer);
    }
    let mut seqs = Vec::new();
    for a in answers {
        if let Ok(Ok(stored)) = a.await {
            seqs.push(stored.seq.get());
        }
    }
    seqs
}

#[actix_rt::test]
async fn a_commit_goes_out_in_one_delivery_and_frames_accepted_together_in_one_too() {
    let store = Arc::new(MemStore::default());
    let room = room_with(store);
    let (log, res) = joined(&room, None).await;
    assert_eq!(res, Ok(()));
    assert_eq!(post_together(&room, 3).await, [1, 2, 3]);
    // 5 waits for 4; both then leave in one delivery, before the typing frame after them.
    room.do_send(committed(5));
    room.do_send(committed(4));
    let user = UserRef { id: UserId::new_v7(), username: "t".into() };
    let typing = SharedFrame::new(ServerFrame::Typing { room: RoomId::default(), user });
    room.do_send(Notify { frame: typing, except: None, publish: false });
    settle().await;
    let got = log.lock().map(|v| v.clone()).unwrap_or_default();
    assert_eq!(got, ["one Joined", "batch 1,2,3", "batch 4,5", "one Typing"]);
}

#[actix_rt::test]
async fn a_connection_whose_backlog_is_full_is_dropped_as_a_slow_consumer() {
    let store = Arc::new(MemStore::default());
    let room = room_with(store);
    let (log, res) = joined_with_backlog(&room, None, 4).await;
    assert_eq!(res, Ok(()));
    assert_eq!(post_together(&room, 3).await, [1, 2, 3]);
    assert_eq!(post_together(&room, 3).await, [4, 5, 6], "stored and acked all the same");
    settle().await;
    let got = log.lock().map(|v| v.clone()).unwrap_or_default();
    assert_eq!(got, ["one Joined", "batch 1,2,3", "close 4008"], "no frame past the backlog's bound");
    assert_eq!(room.send(ConnCount).await.ok(), Some(0));
}

#[actix_rt::test]
async fn a_message_the_store_refuses_is_answered_not_a_member_and_its_batch_goes_on() {
    let store = Arc::new(MemStore::default());
    let room = room_with(store);
    let (log, _) = joined(&room, None).await;
    let author = UserRef { id: UserId::new_v7(), username: "a".into() };
    let mut answers = Vec::new();
    for body in ["kept", "gone", "kept too"] {
        let (reply, answer) = PostReply::channel();
        room.do_send(Post { author: author.clone(), body: body.into(), client_id: body.into(), reply, trusted: false });
        answers.push(answer);
    }
    let mut got = Vec::new();
    for a in answers {
        got.push(a.await.ok().map(|r| r.map(|m| m.seq.get())));
    }
    assert_eq!(got, [Some(Ok(1)), Some(Err(PostError::NotMember)), Some(Ok(2))]);
    settle().await;
    assert_eq!(seqs(&log), [1, 2]);
}

#[actix_rt::test]
async fn a_post_dropped_unanswered_answers_unavailable() {
    let (reply, answer) = PostReply::channel();
    let author = UserRef { id: UserId::new_v7(), username: "a".into() };
    // What a stopped Room's mailbox does to a queued message.
    drop(Post { author, body: "b".into(), client_id: "c".into(), reply, trusted: false });
    assert_eq!(answer.await.ok().map(|r| r.map(|m| m.seq.get())), Some(Err(PostError::Unavailable)));
    let (reply, answer) = PostReply::channel();
    reply.send(Err(PostError::Muted));
    assert_eq!(
        answer.await.ok().map(|r| r.map(|m| m.seq.get())),
        Some(Err(PostError::Muted)),
        "answered once, as sent"
    );
}

#[test]
fn a_backlog_reserves_up_to_its_limit_and_frees_what_is_released() {
    let b = Backlog::new(4);
    assert!(b.reserve(3));
    assert!(!b.reserve(2), "3 + 2 is past 4");
    assert!(b.reserve(1));
    b.release(4);
    assert!(b.reserve(4));
    b.release(10); // never below zero
    assert!(b.reserve(4));
}

/// Posts `(room, body)` pairs at once (one writer batch); answers each outcome, in order.
async fn post_all(rooms: &[Addr<Room>], posts: &[(usize, &str)]) -> Vec<Result<i64, PostError>> {
    let author = UserRef { id: UserId::new_v7(), username: "a".into() };
    let mut answers = Vec::new();
    for (i, (room, body)) in posts.iter().enumerate() {
        let (reply, answer) = PostReply::channel();
        rooms[*room].do_send(Post {
            author: author.clone(),
            body: (*body).into(),
            client_id: format!("c{i}"),
            reply,
            trusted: false,
        });
        answers.push(answer);
    }
    let mut got = Vec::new();
    for a in answers {
        got.push(a.await.unwrap_or(Err(PostError::Unavailable)).map(|m| m.seq.get()));
    }
    got
}

#[actix_rt::test]
async fn a_message_the_store_cannot_store_fails_alone_and_every_other_is_stored_in_order() {
    let store = Arc::new(MemStore::default());
    let (a, b) = (RoomId::new_v7(), RoomId::new_v7());
    let rooms = rooms_sharing_a_writer(store.clone(), &[a, b]);
    let (log, _) = joined(&rooms[0], None).await;
    let posts = [(0, "a1"), (1, "b1"), (0, "poison"), (0, "a2"), (1, "nul\0"), (1, "b2"), (0, "a3"), (1, "b3")];
    let got = post_all(&rooms, &posts).await;
    let unstorable = Err(PostError::Unstorable);
    assert_eq!(got, [Ok(1), Ok(1), unstorable.clone(), Ok(2), unstorable, Ok(2), Ok(3), Ok(3)]);
    settle().await;
    assert_eq!(seqs(&log), [1, 2, 3], "the room's members got every stored message, in order");
    let bodies = |room| -> Vec<String> {
        let msgs = store.msgs.lock().map(|m| m.clone()).unwrap_or_default();
        msgs.into_iter().filter(|m| m.room == room).filter_map(|m| m.body).collect()
    };
    assert_eq!(
        (bodies(a), bodies(b)),
        (vec!["a1".into(), "a2".into(), "a3".into()], vec!["b1".into(), "b2".into(), "b3".into()])
    );
}

#[actix_rt::test]
async fn a_store_that_is_down_fails_the_batch_unavailable_without_splitting_it() {
    let store = Arc::new(MemStore { down: true, ..Default::default() });
    let rooms = rooms_sharing_a_writer(store.clone(), &[RoomId::new_v7()]);
    let got = post_all(&rooms, &[(0, "a"), (0, "b"), (0, "c"), (0, "d")]).await;
    assert_eq!(got, vec![Err(PostError::Unavailable); 4], "send again: these are not the client's fault");
    assert_eq!(store.attempted.load(std::sync::atomic::Ordering::Relaxed), 4, "each tried once: no split, no retry");
}

#[actix_rt::test]
async fn an_empty_room_stays_until_its_posts_in_flight_are_answered() {
    // No connection, so the Room is idle at once; its post takes four idle periods to commit.
    let store = Arc::new(MemStore { commit_delay: Duration::from_millis(400), ..Default::default() });
    let room = rooms_idle_after(store, &[RoomId::default()], Duration::from_millis(100)).remove(0);
    let (reply, answer) = PostReply::channel();
    let author = UserRef { id: UserId::new_v7(), username: "rest".into() };
    room.do_send(Post { author, body: "over REST".into(), client_id: "r1".into(), reply, trusted: false });
    let stored = answer.await.unwrap_or(Err(PostError::Unavailable));
    assert_eq!(stored.map(|m| m.seq.get()), Ok(1), "answered, not dropped by an idle stop");
    // With nothing left in flight, the idle Room does stop.
    actix_rt::time::sleep(Duration::from_millis(400)).await;
    assert!(!room.connected(), "an idle room with nothing in flight stops");
}

#[actix_rt::test]
async fn a_watcher_gets_committed_messages_in_order_and_is_dropped_when_its_channel_is_full() {
    use crate::room::Watch;
    let store = Arc::new(MemStore::default());
    store.add(1, "old");
    let room = room_with(store.clone());
    let (tx, mut rx) = tokio::sync::mpsc::channel(3);
    let known = room.send(Watch { after: Seq(0), tx }).await.unwrap();
    assert_eq!(known, Seq(1), "the Room says what it had delivered: the watcher reads that from the store");
    let (slow_tx, mut slow_rx) = tokio::sync::mpsc::channel(1);
    room.send(Watch { after: Seq(1), tx: slow_tx }).await.unwrap();
    let got = post_all(std::slice::from_ref(&room), &[(0, "a"), (0, "b")]).await;
    assert_eq!(got, [Ok(2), Ok(3)]);
    settle().await;
    let mut seen = Vec::new();
    while let Ok(f) = rx.try_recv() {
        seen.extend(f.seq().map(|s| s.get()));
    }
    assert_eq!(seen, [2, 3], "only what came after `known`, in order");
    // The slow watcher took one frame, then its full channel ended it: it reads on from the store.
    assert_eq!(slow_rx.recv().await.and_then(|f| f.seq()), Some(Seq(2)));
    assert!(slow_rx.recv().await.is_none(), "dropped, not waited for");
}
