//! The root of the node's actor tree.
//!
//! Node-level actors run on one dedicated arbiter under `actix::Supervisor`, so an actor that
//! stops (a failed connection loop, say) is restarted in place with the same address. The
//! supervisor also fans the drain signal out to whoever registered for it (the WebSocket
//! sessions, once chat lands, close with 1012 on it).

use actix::dev::ToEnvelope;
use actix::prelude::*;
use std::time::Duration;

/// The node is draining: close long-lived connections with `close_code` (1012, "service restart").
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Drain {
    pub close_code: u16,
}

/// Ask to be told when the node drains.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RegisterDrainHook(pub Recipient<Drain>);

/// How a drain went: hooks told, and how many had already gone away.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, MessageResponse)]
pub struct DrainReport {
    pub notified: usize,
    pub gone: usize,
}

/// Message form of a drain request to the supervisor itself.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "DrainReport")]
pub struct DrainAll {
    pub close_code: u16,
    /// Longest wait for one hook to take the notice.
    pub per_hook_timeout: Duration,
}

/// Root of the node's actor tree.
pub struct NodeSupervisor {
    arbiter: Arbiter,
    /// Arbiters of actors that block their thread (each has one of its own).
    own: Vec<Arbiter>,
    drain_hooks: Vec<Recipient<Drain>>,
}

impl NodeSupervisor {
    /// A supervisor with its own arbiter (thread) for node-level actors.
    pub fn new() -> Self {
        Self { arbiter: Arbiter::new(), own: Vec::new(), drain_hooks: Vec::new() }
    }

    /// Starts `factory`'s actor on the node arbiter, restarted by actix whenever it stops.
    pub fn supervise<A, F>(&self, factory: F) -> Addr<A>
    where
        A: Actor<Context = Context<A>> + Supervised,
        F: FnOnce(&mut Context<A>) -> A + Send + 'static,
    {
        actix::Supervisor::start_in_arbiter(&self.arbiter.handle(), factory)
    }

    /// Like `supervise`, on a thread of its own: for an actor whose work blocks (an index
    /// commit), so it never holds up the others.
    pub fn supervise_alone<A, F>(&mut self, factory: F) -> Addr<A>
    where
        A: Actor<Context = Context<A>> + Supervised,
        F: FnOnce(&mut Context<A>) -> A + Send + 'static,
    {
        let arbiter = Arbiter::new();
        let addr = actix::Supervisor::start_in_arbiter(&arbiter.handle(), factory);
        self.own.push(arbiter);
        addr
    }

    /// Sends `msg` and waits at most `timeout`; `false` when the actor is gone or too slow.
    pub async fn tell<A, M>(addr: &Addr<A>, msg: M, timeout: Duration) -> bool
    where
        A: Actor + Handler<M>,
        A::Context: ToEnvelope<A, M>,
        M: Message + Send + 'static,
        M::Result: Send,
    {
        addr.send(msg).timeout(timeout).await.is_ok()
    }
}

impl Default for NodeSupervisor {
    fn default() -> Self {
        Self::new()
    }
}

impl Actor for NodeSupervisor {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Self::Context) {
        // Node-level actors end with their arbiter.
        self.arbiter.stop();
        for a in &self.own {
            a.stop();
        }
    }
}

impl Handler<RegisterDrainHook> for NodeSupervisor {
    type Result = ();

    fn handle(&mut self, msg: RegisterDrainHook, _: &mut Self::Context) {
        self.drain_hooks.retain(|r| r.connected());
        self.drain_hooks.push(msg.0);
    }
}

impl Handler<DrainAll> for NodeSupervisor {
    type Result = ResponseFuture<DrainReport>;

    fn handle(&mut self, msg: DrainAll, _: &mut Self::Context) -> Self::Result {
        let hooks = std::mem::take(&mut self.drain_hooks);
        tracing::info!(hooks = hooks.len(), close_code = msg.close_code, "draining long-lived connections");
        Box::pin(async move {
            let notice = Drain { close_code: msg.close_code };
            let sends = hooks.iter().map(|h| h.send(notice).timeout(msg.per_hook_timeout));
            let results = futures_join_all(sends).await;
            let gone = results.iter().filter(|r| r.is_err()).count();
            DrainReport { notified: results.len() - gone, gone }
        })
    }
}

/// Awaits every future; small and local so the crate needs no futures dependency.
async fn futures_join_all<F: std::future::Future>(futs: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut out = Vec::new();
    // Sends were already queued when the futures were created; awaiting in turn costs at most
    // the slowest hook's time, not the sum, because all mailboxes are being drained in parallel.
    for f in futs {
        out.push(f.await);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Flaky {
        restarts: Arc<AtomicUsize>,
    }
    impl Actor for Flaky {
        type Context = Context<Self>;
    }
    impl Supervised for Flaky {
        fn restarting(&mut self, _: &mut Context<Self>) {
            self.restarts.fetch_add(1, Ordering::SeqCst);
        }
    }
    #[derive(Message)]
    #[rtype(result = "()")]
    struct Crash;
    impl Handler<Crash> for Flaky {
        type Result = ();
        fn handle(&mut self, _: Crash, ctx: &mut Context<Self>) {
            ctx.stop();
        }
    }
    #[derive(Message)]
    #[rtype(result = "usize")]
    struct Ping;
    impl Handler<Ping> for Flaky {
        type Result = usize;
        fn handle(&mut self, _: Ping, _: &mut Context<Self>) -> usize {
            self.restarts.load(Ordering::SeqCst)
        }
    }

    #[actix_rt::test]
    async fn a_stopped_child_is_restarted_behind_the_same_address() {
        let sup = NodeSupervisor::new();
        let restarts = Arc::new(AtomicUsize::new(0));
        let r = restarts.clone();
        let child = sup.supervise(move |_| Flaky { restarts: r });
        assert_eq!(child.send(Ping).await.ok(), Some(0));
        child.do_send(Crash);
        let after = child.send(Ping).await.ok();
        assert_eq!(after, Some(1), "restarted once and answering");
        assert_eq!(restarts.load(Ordering::SeqCst), 1);
    }

    struct Hook {
        seen: Arc<AtomicUsize>,
    }
    impl Actor for Hook {
        type Context = Context<Self>;
    }
    impl Handler<Drain> for Hook {
        type Result = ();
        fn handle(&mut self, d: Drain, _: &mut Context<Self>) {
            assert_eq!(d.close_code, 1012);
            self.seen.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[actix_rt::test]
    async fn drain_reaches_every_live_hook() {
        let sup = NodeSupervisor::new().start();
        let seen = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let hook = Hook { seen: seen.clone() }.start();
            sup.send(RegisterDrainHook(hook.recipient())).await.ok();
        }
        let report = sup.send(DrainAll { close_code: 1012, per_hook_timeout: Duration::from_secs(1) }).await.ok();
        assert_eq!(report, Some(DrainReport { notified: 3, gone: 0 }));
        assert_eq!(seen.load(Ordering::SeqCst), 3);
    }
}
