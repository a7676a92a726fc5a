//! Room presence across nodes on Redis (the `RoomPresence` port). Per room: a sorted set of
//! `<user>/<node>` entries scored by expiry, a hash user -> number of nodes holding them, and
//! a hash user -> username (so a node can announce someone it never saw go offline). Rooms
//! heartbeat their entries; entries of a node that died expire and whoever sweeps them next
//! announces those users offline. Each change is one Lua script, so nodes never race.

use super::redis::Redis;
use std::sync::Arc;
use std::time::Duration;
use veza_actors::ports::{BoxFut, PresenceChange, RoomPresence, StoreError};
use veza_actors::protocol::UserRef;
use veza_core::{RoomId, UserId};

/// Shared by the three scripts. KEYS: entries, users, names.
const COMMON: &str = r#"
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- One entry less for its user; returns "<user>/<name>" when that was their last.
local function drop(entry)
  local user = string.match(entry, '^([^/]+)/')
  if not user then return nil end
  if redis.call('HINCRBY', KEYS[2], user, -1) <= 0 then
    redis.call('HDEL', KEYS[2], user)
    local name = redis.call('HGET', KEYS[3], user) or ''
    redis.call('HDEL', KEYS[3], user)
    return user .. '/' .. name
  end
  return nil
end
local function sweep(now)
  local gone = {}
  for _, e in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
    redis.call('ZREM', KEYS[1], e)
    local g = drop(e)
    if g then table.insert(gone, g) end
  end
  return gone
end
-- Adds or refreshes an entry; true when the user was not in the room on any node.
local function add(user, name, node, expiry)
  redis.call('HSET', KEYS[3], user, name)
  if redis.call('ZADD', KEYS[1], expiry, user .. '/' .. node) == 1 then
    return redis.call('HINCRBY', KEYS[2], user, 1) == 1
  end
  return false
end
local function keep(ttl)
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl * 4) end
end
"#;

/// ARGV: user, name, node, ttl_ms.
const ENTER: &str = r#"
local now, ttl = now_ms(), tonumber(ARGV[4])
local first = add(ARGV[1], ARGV[2], ARGV[3], now + ttl) and 1 or 0
local gone = sweep(now)
keep(ttl)
return {first, redis.call('HLEN', KEYS[2]), gone, {}}
"#;

/// ARGV: user, node.
const LEAVE: &str = r#"
local gone = sweep(now_ms())
local last = 0
local entry = ARGV[1] .. '/' .. ARGV[2]
if redis.call('ZREM', KEYS[1], entry) == 1 and drop(entry) then last = 1 end
return {last, redis.call('HLEN', KEYS[2]), gone, {}}
"#;

/// ARGV: node, ttl_ms, then user, name pairs.
const HEARTBEAT: &str = r#"
local now, ttl = now_ms(), tonumber(ARGV[2])
local back = {}
for i = 3, #ARGV, 2 do
  if add(ARGV[i], ARGV[i + 1], ARGV[1], now + ttl) then table.insert(back, ARGV[i] .. '/' .. ARGV[i + 1]) end
end
local gone = sweep(now)
keep(ttl)
return {0, redis.call('HLEN', KEYS[2]), gone, back}
"#;

/// Who is online now, read only (sweeping is left to the changes: the sweeper announces).
/// Returns "<user>/<name>" per distinct user with an unexpired entry.
const ONLINE: &str = r#"
local now, seen, out = now_ms(), {}, {}
for _, e in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')) do
  local user = string.match(e, '^([^/]+)/')
  if user and not seen[user] then
    seen[user] = true
    table.insert(out, user .. '/' .. (redis.call('HGET', KEYS[3], user) or ''))
  end
end
return out
"#;

pub struct RedisRoomPresence {
    redis: Redis,
    node: String,
    ttl: Duration,
    enter: redis::Script,
    leave: redis::Script,
    heartbeat: redis::Script,
    online: redis::Script,
}

type Reply = (i64, i64, Vec<String>, Vec<String>);

impl RedisRoomPresence {
    /// `ttl`: how long an entry lives without a heartbeat (several heartbeat intervals).
    pub fn new(redis: Redis, node: String, ttl: Duration) -> Arc<Self> {
        let script = |body: &str| redis::Script::new(&format!("{COMMON}{body}"));
        Arc::new(RedisRoomPresence {
            redis,
            node,
            ttl,
            enter: script(ENTER),
            leave: script(LEAVE),
            heartbeat: script(HEARTBEAT),
            online: script(ONLINE),
        })
    }

    fn run(
        &self,
        script: &redis::Script,
        room: RoomId,
        args: Vec<String>,
    ) -> BoxFut<Result<PresenceChange, StoreError>> {
        let (redis, script) = (self.redis.clone(), script.clone());
        Box::pin(async move {
            let mut call = script.prepare_invoke();
            for suffix in ["entries", "users", "names"] {
                call.key(redis.key(&format!("presence:{room}:{suffix}")));
            }
            for a in args {
                call.arg(a);
            }
            let mut conn = redis.connection().await.map_err(|e| StoreError::Unavailable(e.to_string()))?;
            let (changed, online, gone, back): Reply =
                redis.timed(call.invoke_async(&mut conn)).await.map_err(|e| StoreError::Unavailable(e.to_string()))?;
            Ok(PresenceChange {
                changed: changed == 1,
                online: usize::try_from(online).unwrap_or(0),
                gone: gone.iter().filter_map(|e| parse_user(e)).collect(),
                back: back.iter().filter_map(|e| parse_user(e)).collect(),
            })
        })
    }

    fn ttl_ms(&self) -> String {
        self.ttl.as_millis().to_string()
    }
}

/// `"<uuid>/<username>"` -> the user.
fn parse_user(entry: &str) -> Option<UserRef> {
    let (id, name) = entry.split_once('/')?;
    Some(UserRef { id: id.parse().ok()?, username: name.to_owned() })
}

impl RoomPresence for RedisRoomPresence {
    fn enter(&self, room: RoomId, user: UserRef) -> BoxFut<Result<PresenceChange, StoreError>> {
        let args = vec![user.id.to_string(), user.username, self.node.clone(), self.ttl_ms()];
        self.run(&self.enter, room, args)
    }

    fn leave(&self, room: RoomId, user: UserId) -> BoxFut<Result<PresenceChange, StoreError>> {
        self.run(&self.leave, room, vec![user.to_string(), self.node.clone()])
    }

    fn heartbeat(&self, room: RoomId, users: Vec<UserRef>) -> BoxFut<Result<PresenceChange, StoreError>> {
        let mut args = vec![self.node.clone(), self.ttl_ms()];
        for u in users {
            args.push(u.id.to_string());
            args.push(u.username);
        }
        self.run(&self.heartbeat, room, args)
    }

    fn online(&self, room: RoomId) -> BoxFut<Result<Vec<UserRef>, StoreError>> {
        let (redis, script) = (self.redis.clone(), self.online.clone());
        Box::pin(async move {
            let mut call = script.prepare_invoke();
            for suffix in ["entries", "users", "names"] {
                call.key(redis.key(&format!("presence:{room}:{suffix}")));
            }
            let mut conn = redis.connection().await.map_err(|e| StoreError::Unavailable(e.to_string()))?;
            let users: Vec<String> =
                redis.timed(call.invoke_async(&mut conn)).await.map_err(|e| StoreError::Unavailable(e.to_string()))?;
            Ok(users.iter().filter_map(|e| parse_user(e)).collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_name_their_user() {
        let id = UserId::from_u128(7);
        assert_eq!(parse_user(&format!("{id}/a/b")), Some(UserRef { id, username: "a/b".into() }));
        assert_eq!(parse_user("nonsense"), None);
    }
}
