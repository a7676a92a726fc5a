"""Every operation of veza.server.v1.ServerApi from a third-party client: Python's grpcio with
stubs generated from the repository's .proto by grpcio-tools (run.sh does both). A user's
WebSocket watches what the backend does to them. Exits non-zero on the first failed check."""

import json
import os
import sys
import time
import urllib.request
import uuid

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from websockets.sync.client import connect

sys.path.insert(0, os.environ["STUBS"])
from veza.server.v1 import server_pb2 as pb  # noqa: E402
from veza.server.v1 import server_pb2_grpc as rpc  # noqa: E402

BASE = os.environ["BASE"]
KEY = os.environ["API_KEY"]
READER = os.environ["READER_KEY"]
AUTH = (("authorization", f"ApiKey {KEY}"),)
checks = 0


def check(cond, what):
    global checks
    if not cond:
        raise SystemExit(f"python client: FAILED: {what}")
    checks += 1
    print(f"  ok  {what}")


def http(method, path, body=None, token=None):
    req = urllib.request.Request(BASE + path, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(req, data) as res:
        return json.loads(res.read() or b"null")


def user(name):
    password = "python-client-password"
    http("POST", "/api/v1/auth/register", {"email": f"{name}@py.test", "username": name, "password": password})
    tokens = http("POST", "/api/v1/auth/login", {"login": name, "password": password})
    me = http("GET", "/api/v1/auth/me", token=tokens["access_token"])
    return me["id"], tokens["access_token"]


def failure(call, *args, metadata=AUTH):
    """The status of a call that must fail, and the stable code in its ErrorInfo."""
    try:
        call(*args, metadata=metadata)
    except grpc.RpcError as e:
        status = rpc_status.from_call(e)
        reason = None
        for detail in status.details if status else []:
            info = error_details_pb2.ErrorInfo()
            if detail.Unpack(info):
                reason = info.reason
        return e.code(), reason
    raise SystemExit("python client: FAILED: the call should have failed")


def frames(ws, kind, timeout=5.0):
    """The next frame of `kind` on the socket, skipping others."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        f = json.loads(ws.recv(timeout=max(0.01, deadline - time.time())))
        if f.get("type") == kind:
            return f
    raise SystemExit(f"python client: FAILED: no {kind} frame")


def main():
    owner, owner_token = user("py_owner")
    member, member_token = user("py_member")
    room = http("POST", "/api/v1/rooms", {"name": "py-lobby", "visibility": "private"}, owner_token)["id"]
    other = http("POST", "/api/v1/rooms", {"name": "py-other", "visibility": "public"}, owner_token)["id"]
    channel = grpc.insecure_channel(os.environ["GRPC"])
    api = rpc.ServerApiStub(channel)
    ws = connect(f"{BASE.replace('http', 'ws')}/ws?token={member_token}", subprotocols=["veza.json.v1"])

    print("python client: Publish, Broadcast")
    p = api.Publish(pb.PublishRequest(room=room, body="hello from python".encode(), client_id="py-1"), metadata=AUTH)
    check(p.seq == 1 and p.id > 0 and not p.duplicate, "Publish answers id and seq after the commit")
    again = api.Publish(pb.PublishRequest(room=room, body=b"hello from python", client_id="py-1"), metadata=AUTH)
    check((again.id, again.seq, again.duplicate) == (p.id, p.seq, True), "a retried client_id answers the original")
    b = api.Broadcast(pb.BroadcastRequest(rooms=[room, other, str(uuid.uuid4())], body=b"to all", client_id="py-b"), metadata=AUTH)
    kinds = [r.WhichOneof("outcome") for r in b.results]
    check(kinds == ["published", "published", "error"], "Broadcast: one result per room, in order")
    check(b.results[2].error.code == "not_found", "an unknown room's part says not_found")

    print("python client: Subscribe, PushToUser, Presence, PresenceStats")
    s = api.Subscribe(pb.SubscribeRequest(user=member, room=room), metadata=AUTH)
    check(s.changed, "Subscribe makes the user a member")
    check(frames(ws, "subscribed")["room"] == room, "the open socket is told: subscribed")
    frames(ws, "joined")
    api.PushToUser(pb.PushToUserRequest(user=member, event_type="server.py.hello", payload=b'{"n": 1}'), metadata=AUTH)
    e = frames(ws, "event")
    check((e["kind"], e["data"]) == ("server.py.hello", {"n": 1}), "PushToUser reaches the socket as an event")
    online = api.Presence(pb.PresenceRequest(room=room), metadata=AUTH)
    check([u.username for u in online.users] == ["py_member"], "Presence names who is online")
    stats = api.PresenceStats(pb.PresenceStatsRequest(room=room), metadata=AUTH)
    check((stats.users, stats.local_connections) == (1, 1), "PresenceStats counts them")

    print("python client: Publish as a member, History, WatchRoom")
    as_member = api.Publish(pb.PublishRequest(room=room, body=b"said for them", client_id="py-2", sender=member), metadata=AUTH)
    m = frames(ws, "message")
    while m["seq"] != as_member.seq:
        m = frames(ws, "message")
    check(m["author"]["username"] == "py_member", "publish_as posts as the member")
    h = api.History(pb.HistoryRequest(room=room, limit=10), metadata=AUTH)
    check([x.body for x in h.messages] == ["hello from python", "to all", "said for them"], "History, oldest first")
    r = api.History(pb.HistoryRequest(room=room, since_seq=3, limit=1, reverse=True), metadata=AUTH)
    check([x.seq for x in r.messages] == [2] and h.last_seq == 3, "History reversed, before since_seq")
    stream = api.WatchRoom(pb.WatchRoomRequest(room=room, since_seq=1), metadata=AUTH)
    got = [next(stream).seq, next(stream).seq]
    api.Publish(pb.PublishRequest(room=room, body=b"live", client_id="py-3"), metadata=AUTH)
    live = next(stream)
    check(got == [2, 3] and (live.seq, live.body) == (4, "live"), "WatchRoom: stored then live, in seq order")
    stream.cancel()
    resumed = api.WatchRoom(pb.WatchRoomRequest(room=room, since_seq=3), metadata=AUTH)
    check(next(resumed).seq == 4, "WatchRoom resumes after the last seq seen")
    resumed.cancel()

    print("python client: RoomInfo, Rooms, NodeInfo")
    info = api.RoomInfo(pb.RoomInfoRequest(room=room), metadata=AUTH).room
    check((info.name, info.member_count, info.last_seq) == ("py-lobby", 2, 4), "RoomInfo")
    rooms = api.Rooms(pb.RoomsRequest(pattern="py-*", limit=1), metadata=AUTH)
    page2 = api.Rooms(pb.RoomsRequest(pattern="py-*", limit=1, cursor=rooms.next_cursor), metadata=AUTH)
    check(sorted([rooms.rooms[0].name, page2.rooms[0].name]) == ["py-lobby", "py-other"], "Rooms pages by cursor")
    deadline, up = time.time() + 5, []
    while not up and time.time() < deadline:
        up = [n for n in api.NodeInfo(pb.NodeInfoRequest(), metadata=AUTH).nodes if n.state == "up"]
        time.sleep(0.2)
    check(len(up) == 1 and up[0].id == os.environ["NODE_ID"], "NodeInfo lists this node, up")

    print("python client: errors carry the stable code")
    code, reason = failure(api.Publish, pb.PublishRequest(room=room, body=b"\xff\xfe", client_id="bad"))
    check((code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "validation_failed"), "bad UTF-8 is INVALID_ARGUMENT")
    code, reason = failure(api.Publish, pb.PublishRequest(room=str(uuid.uuid4()), body=b"x", client_id="nf"))
    check((code, reason) == (grpc.StatusCode.NOT_FOUND, "not_found"), "an unknown room is NOT_FOUND")
    code, reason = failure(api.Publish, pb.PublishRequest(room=room, body=b"x", client_id="nk"), metadata=())
    check(code == grpc.StatusCode.UNAUTHENTICATED, "no key is UNAUTHENTICATED")
    reader = (("authorization", f"ApiKey {READER}"),)
    code, reason = failure(api.Publish, pb.PublishRequest(room=room, body=b"x", client_id="ns"), metadata=reader)
    check((code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "scope_required"), "a missing scope is PERMISSION_DENIED")
    code, _ = failure(api.PushToUser, pb.PushToUserRequest(user=member, event_type="offer.updated"))
    check(code == grpc.StatusCode.INVALID_ARGUMENT, "Veza's own events cannot be forged")

    print("python client: Unsubscribe, Disconnect")
    u = api.Unsubscribe(pb.UnsubscribeRequest(user=member, room=room), metadata=AUTH)
    check(u.changed and frames(ws, "unsubscribed")["room"] == room, "Unsubscribe: the socket left the room")
    api.Disconnect(pb.DisconnectRequest(user=member, code=4321, reason="from python"), metadata=AUTH)
    try:
        while True:
            ws.recv(timeout=5)
    except Exception:  # the close arrives as ConnectionClosed
        pass
    check(ws.close_code == 4321 and ws.close_reason == "from python", "Disconnect closes with the backend's code")
    print(f"python client: {checks} checks passed, every operation called (owner {owner})")


if __name__ == "__main__":
    main()
