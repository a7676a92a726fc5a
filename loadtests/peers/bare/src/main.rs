//! The framework's ceiling, for `make bench`: `/ws` sessions (actix-web-actors) and one global
//! `Hub` actor that sends every text frame to every session, sender included; no auth, no
//! rooms, no persistence. `/health` is a hello-world JSON handler. Port: first argument
//! (default 18200); workers: one per core.

use actix::prelude::*;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use actix_web_actors::ws;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Message, Clone)]
#[rtype(result = "()")]
struct Text(Arc<str>);

#[derive(Message)]
#[rtype(result = "()")]
struct Connect {
    id: u64,
    addr: Recipient<Text>,
}

#[derive(Message)]
#[rtype(result = "()")]
struct Disconnect(u64);

#[derive(Default)]
struct Hub {
    sessions: HashMap<u64, Recipient<Text>>,
}

impl Actor for Hub {
    type Context = Context<Self>;
}

impl Handler<Connect> for Hub {
    type Result = ();
    fn handle(&mut self, m: Connect, _: &mut Context<Self>) {
        self.sessions.insert(m.id, m.addr);
    }
}

impl Handler<Disconnect> for Hub {
    type Result = ();
    fn handle(&mut self, m: Disconnect, _: &mut Context<Self>) {
        self.sessions.remove(&m.0);
    }
}

impl Handler<Text> for Hub {
    type Result = ();
    fn handle(&mut self, m: Text, _: &mut Context<Self>) {
        for s in self.sessions.values() {
            let _ = s.try_send(m.clone());
        }
    }
}

struct Session {
    id: u64,
    hub: Addr<Hub>,
}

impl Actor for Session {
    type Context = ws::WebsocketContext<Self>;
    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(1024);
        self.hub.do_send(Connect { id: self.id, addr: ctx.address().recipient() });
    }
    fn stopped(&mut self, _: &mut Self::Context) {
        self.hub.do_send(Disconnect(self.id));
    }
}

impl Handler<Text> for Session {
    type Result = ();
    fn handle(&mut self, m: Text, ctx: &mut Self::Context) {
        ctx.text(&*m.0);
    }
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for Session {
    fn handle(&mut self, msg: Result<ws::Message, ws::ProtocolError>, ctx: &mut Self::Context) {
        match msg {
            Ok(ws::Message::Text(t)) => self.hub.do_send(Text(Arc::from(&*t))),
            Ok(ws::Message::Ping(p)) => ctx.pong(&p),
            Ok(ws::Message::Close(_)) | Err(_) => ctx.stop(),
            _ => {}
        }
    }
}

struct Shared {
    hub: Addr<Hub>,
    next: std::sync::atomic::AtomicU64,
}

async fn websocket(req: HttpRequest, body: web::Payload, s: web::Data<Shared>) -> actix_web::Result<HttpResponse> {
    let id = s.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ws::start(Session { id, hub: s.hub.clone() }, &req, body)
}

async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(18200);
    actix_web::rt::System::new().block_on(async move {
        let shared = web::Data::new(Shared { hub: Hub::default().start(), next: Default::default() });
        println!("bare peer on 127.0.0.1:{port}");
        HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .route("/ws", web::get().to(websocket))
                .route("/health", web::get().to(health))
        })
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })
}
