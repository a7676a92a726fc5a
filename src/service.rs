//! Service actors: one per HTTP worker per feature, started in the App factory, so a handler's
//! message and the future answering it stay on the worker's thread. Every feature's actor is
//! the same `Service<Core>`: it delegates each message to the feature's core (shared, `Arc`),
//! where the logic lives. A feature writes its core, its messages, and one
//! `delegate_to_core!` line per message.

use crate::state::AppState;
use actix::{Actor, Context};
use std::sync::Arc;

/// A feature's logic, built from the node's state.
pub trait Core: Unpin + 'static {
    fn new(state: AppState) -> Self;
}

/// The service actor of the feature whose core is `C`.
pub struct Service<C> {
    pub core: Arc<C>,
}

impl<C: Core> Service<C> {
    pub fn new(state: AppState) -> Self {
        Service { core: Arc::new(C::new(state)) }
    }
}

impl<C: Core> Actor for Service<C> {
    type Context = Context<Self>;
}

/// Implements `Handler<M>` for a feature's `Service<Core>` by calling `core.method(msg).await`.
#[macro_export]
macro_rules! delegate_to_core {
    ($core:ty { $($msg:ty => $method:ident),* $(,)? }) => {
        $(
            impl actix::Handler<$msg> for $crate::service::Service<$core> {
                type Result = actix::ResponseFuture<<$msg as actix::Message>::Result>;
                fn handle(&mut self, msg: $msg, _: &mut Self::Context) -> Self::Result {
                    let core = self.core.clone();
                    Box::pin(async move { core.$method(msg).await })
                }
            }
        )*
    };
}
