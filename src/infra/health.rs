//! Last known state of each dependency, shared by the monitor (writer) and `/health` (reader).

use serde::Serialize;
use std::sync::atomic::{AtomicU8, Ordering};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DepState {
    Ok,
    Down,
    /// Not configured: the node runs without it, which is healthy.
    Disabled,
}

impl DepState {
    fn from_u8(v: u8) -> Self {
        match v {
            0 => DepState::Ok,
            2 => DepState::Disabled,
            _ => DepState::Down,
        }
    }
    fn as_u8(self) -> u8 {
        match self {
            DepState::Ok => 0,
            DepState::Down => 1,
            DepState::Disabled => 2,
        }
    }
    pub fn is_healthy(self) -> bool {
        self != DepState::Down
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    Postgres,
    Redis,
    Amqp,
    /// The read replica (`database.read_url`): down when unreachable or lagging too far.
    Replica,
}

impl Dependency {
    pub const ALL: [Dependency; 4] = [Dependency::Postgres, Dependency::Redis, Dependency::Amqp, Dependency::Replica];
    pub fn name(self) -> &'static str {
        match self {
            Dependency::Postgres => "postgres",
            Dependency::Redis => "redis",
            Dependency::Amqp => "amqp",
            Dependency::Replica => "replica",
        }
    }
}

/// Lock-free so `/health` never waits on a check in progress.
#[derive(Debug)]
pub struct DependencyStatus {
    states: [AtomicU8; 4],
}

impl DependencyStatus {
    /// PostgreSQL starts `ok` (the node just migrated it); the others `down` until first checked,
    /// or `disabled` when not configured.
    pub fn new(redis_configured: bool, amqp_configured: bool, replica_configured: bool) -> Self {
        let initial =
            |configured: bool| AtomicU8::new(if configured { DepState::Down } else { DepState::Disabled }.as_u8());
        DependencyStatus {
            states: [
                AtomicU8::new(DepState::Ok.as_u8()),
                initial(redis_configured),
                initial(amqp_configured),
                initial(replica_configured),
            ],
        }
    }

    pub fn get(&self, dep: Dependency) -> DepState {
        DepState::from_u8(self.states[dep as usize].load(Ordering::Relaxed))
    }

    /// Records a check; returns the previous state so transitions can be logged once.
    pub fn set(&self, dep: Dependency, state: DepState) -> DepState {
        DepState::from_u8(self.states[dep as usize].swap(state.as_u8(), Ordering::Relaxed))
    }

    pub fn all_healthy(&self) -> bool {
        Dependency::ALL.iter().all(|d| self.get(*d).is_healthy())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unconfigured_is_disabled_and_healthy() {
        let s = DependencyStatus::new(false, true, false);
        assert_eq!(s.get(Dependency::Replica), DepState::Disabled);
        assert_eq!(s.get(Dependency::Redis), DepState::Disabled);
        assert_eq!(s.get(Dependency::Amqp), DepState::Down);
        assert!(!s.all_healthy());
        assert_eq!(s.set(Dependency::Amqp, DepState::Ok), DepState::Down);
        assert!(s.all_healthy());
    }
}
