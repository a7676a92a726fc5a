//! Service actors: one per HTTP worker per feature, started in the App factory, so a handler's
//! message and the future answering it stay on the worker's thread. The actor delegates each
//! message to its feature's core (shared, `Arc`), where the logic lives.

/// Implements `Handler<M>` for a service actor by calling `self.core.method(msg).await`.
#[macro_export]
macro_rules! delegate_to_core {
    ($actor:ty { $($msg:ty => $method:ident),* $(,)? }) => {
        $(
            impl actix::Handler<$msg> for $actor {
                type Result = actix::ResponseFuture<<$msg as actix::Message>::Result>;
                fn handle(&mut self, msg: $msg, _: &mut Self::Context) -> Self::Result {
                    let core = self.core.clone();
                    Box::pin(async move { core.$method(msg).await })
                }
            }
        )*
    };
}
