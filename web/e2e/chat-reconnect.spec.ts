import { decode } from '@msgpack/msgpack';
import { expect, test, type WebSocketRoute } from '@playwright/test';
import { checkA11y, loginInBrowser, registerUser, shot, type TestUser } from './support';

const bearer = (u: TestUser) => ({ Authorization: `Bearer ${u.tokens.access_token}` });
const GAP = 20;

type Frame = Record<string, unknown>;

interface Connection {
  page: WebSocketRoute;
  server?: WebSocketRoute;
  /** What the page sent on this connection, decoded. */
  sent: Frame[];
}

/** A frame as the page sent it: MessagePack (binary) or JSON (text). */
function parse(message: string | Buffer): Frame | null {
  try {
    return (typeof message === 'string' ? JSON.parse(message) : decode(message)) as Frame;
  } catch {
    return null;
  }
}

test('reconnect with last_seen, no gap, no duplicate', async ({ browser, request }, testInfo) => {
  test.setTimeout(60_000); // two browsers on a busy 2-core machine
  const [alice, bob] = await Promise.all([registerUser(request, 'alice'), registerUser(request, 'bob')]);
  const created = await request.post('/api/v1/rooms', {
    headers: bearer(alice),
    data: { name: `Resume ${Date.now().toString(36)}`, visibility: 'public' },
  });
  expect(created.status(), await created.text()).toBe(201);
  const room = (await created.json()) as { id: string; name: string };
  const joined = await request.post(`/api/v1/rooms/${room.id}/join`, { headers: bearer(bob) });
  expect(joined.ok(), await joined.text()).toBe(true);

  const [ctxA, ctxB] = await Promise.all([browser.newContext(), browser.newContext()]);
  const [a, b] = await Promise.all([ctxA.newPage(), ctxB.newPage()]);

  // B's sockets go through here: forwarded both ways, the page's frames recorded. The
  // connection made while `hold` is set waits until released before it reaches the server.
  const conns: Connection[] = [];
  let hold = false;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await b.routeWebSocket(/\/ws/, async (ws) => {
    const conn: Connection = { page: ws, sent: [] };
    conns.push(conn);
    ws.onMessage((m) => {
      const frame = parse(m);
      if (frame) conn.sent.push(frame);
      conn.server?.send(m);
    });
    if (hold) {
      hold = false;
      await released;
    }
    const server = ws.connectToServer();
    server.onMessage((m) => ws.send(m));
    conn.server = server;
  });

  await Promise.all([loginInBrowser(a, alice), loginInBrowser(b, bob)]);
  await Promise.all([a.goto(`/rooms/${room.id}`), b.goto(`/rooms/${room.id}`)]);
  await expect(a.getByRole('heading', { level: 1 })).toHaveText(room.name);
  await expect(b.getByRole('heading', { level: 1 })).toHaveText(room.name);
  await expect(a.getByTestId('online-count')).toHaveText('2 online');

  // One message before the drop, through A's composer.
  await a.getByRole('textbox', { name: 'Message' }).fill('before the drop');
  await a.getByRole('button', { name: 'Send' }).click();
  const before = b.getByTestId('message').filter({ hasText: 'before the drop' });
  await expect(before).toBeVisible();
  const heldSeq = Number(await before.getAttribute('data-seq'));
  expect(heldSeq).toBeGreaterThan(0);
  await b.evaluate(() => ((window as unknown as { noReload: boolean }).noReload = true));

  // Drop B's connection; its reconnection is held back.
  const live = conns.filter((c) => c.sent.some((f) => f.type === 'join' && f.room === room.id));
  const dropped = live[live.length - 1]!;
  const count = conns.length;
  hold = true;
  await dropped.page.close({ code: 4000, reason: 'test drop' });
  await expect(b.getByRole('status').filter({ hasText: 'Reconnecting…' })).toBeVisible();
  await expect.poll(() => conns.length).toBeGreaterThan(count);
  const resumed = conns[conns.length - 1]!;

  // Meanwhile A sends 20 messages: the first through its composer, the rest over REST.
  const bodies = Array.from({ length: GAP }, (_, i) => `gap message ${i + 1}`);
  await a.getByRole('textbox', { name: 'Message' }).fill(bodies[0]!);
  await a.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(a.getByTestId('message').filter({ hasText: bodies[0]! })).not.toHaveAttribute('data-pending', 'true');
  for (const body of bodies.slice(1)) {
    const res = await request.post(`/api/v1/rooms/${room.id}/messages`, { headers: bearer(alice), data: { body } });
    expect(res.status(), await res.text()).toBe(201);
  }
  await expect(b.getByTestId('message')).toHaveCount(1);

  release();
  await expect(b.getByRole('status').filter({ hasText: 'Reconnecting…' })).toBeHidden();
  await expect(b.getByTestId('message').filter({ hasText: bodies[GAP - 1]! })).toBeVisible();

  // The new connection resumed from what B held.
  await expect.poll(() => resumed.sent.find((f) => f.type === 'join' && f.room === room.id)).toBeTruthy();
  const join = resumed.sent.find((f) => f.type === 'join' && f.room === room.id)!;
  expect(join.last_seen).toBe(heldSeq);

  // Every message exactly once, in seq order, with no gap, without a reload.
  await expect(b.getByTestId('message')).toHaveCount(GAP + 1);
  const shown = await b.getByTestId('message').evaluateAll((els) =>
    els.map((el) => ({
      seq: Number(el.getAttribute('data-seq')),
      pending: el.getAttribute('data-pending'),
      body: el.querySelector('.message-body')?.textContent ?? '',
    })),
  );
  expect(shown.map((m) => m.body)).toEqual(['before the drop', ...bodies]);
  for (const body of bodies) expect(shown.filter((m) => m.body === body)).toHaveLength(1);
  expect(shown.every((m) => m.pending === null)).toBe(true);
  expect(shown.map((m) => m.seq)).toEqual(Array.from({ length: GAP + 1 }, (_, i) => heldSeq + i));
  expect(await b.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);

  await checkA11y(b);
  await shot(b, testInfo, 'room-after-reconnect');
  await Promise.all([ctxA.close(), ctxB.close()]);
});
