import { expect, test } from '@playwright/test';
import { checkA11y, loginInBrowser, registerUser, shot, type TestUser } from './support';

const bearer = (u: TestUser) => ({ Authorization: `Bearer ${u.tokens.access_token}` });

test('two users chat live', async ({ browser, request }, testInfo) => {
  // Two browsers and several axe passes: on a busy 2-core machine this needs more than 30 s.
  test.setTimeout(60_000);
  const [alice, bob] = await Promise.all([registerUser(request, 'alice'), registerUser(request, 'bob')]);
  const A = alice.user.username;
  const B = bob.user.username;
  const suffix = Date.now().toString(36);

  // A second room both are in, for the unread count at the end.
  const lobbyName = `Lobby ${suffix}`;
  const created = await request.post('/api/v1/rooms', { headers: bearer(alice), data: { name: lobbyName, visibility: 'public' } });
  expect(created.status(), await created.text()).toBe(201);
  const lobby = (await created.json()) as { id: string };
  const joined = await request.post(`/api/v1/rooms/${lobby.id}/join`, { headers: bearer(bob) });
  expect(joined.ok(), await joined.text()).toBe(true);

  const [ctxA, ctxB] = await Promise.all([browser.newContext(), browser.newContext()]);
  const [a, b] = await Promise.all([ctxA.newPage(), ctxB.newPage()]);
  await Promise.all([loginInBrowser(a, alice), loginInBrowser(b, bob)]);

  // A creates a public room through the form.
  const roomName = `Jam ${suffix}`;
  await a.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).click();
  await expect(a.getByRole('heading', { level: 1 })).toHaveText('Chat');
  await expect(a.getByRole('list', { name: 'Your rooms' })).toContainText(lobbyName);
  await shot(a, testInfo, 'room-list-alice');
  await a.getByLabel('Name', { exact: true }).fill(roomName);
  await a.getByLabel('Topic (optional)').fill('Weekly jam session');
  await a.getByRole('radio', { name: /^Public/ }).check();
  await a.getByRole('button', { name: 'Create room' }).click();
  await expect(a.getByRole('heading', { level: 1 })).toHaveText(roomName);
  await expect(a.getByText('Weekly jam session')).toBeVisible();
  await expect(a.getByTestId('online-count')).toHaveText('1 online');
  const roomUrl = a.url();

  // B finds it with the search field and joins it from the list.
  await b.goto('/rooms');
  await b.getByLabel('Search rooms by name').fill(roomName);
  await b.getByRole('button', { name: `Join ${roomName}` }).click();
  await expect(b.getByRole('heading', { level: 1 })).toHaveText(roomName);
  expect(b.url()).toBe(roomUrl);

  // Presence: A sees B arrive, B counts two.
  await expect(a.getByRole('list', { name: 'Online now' })).toContainText(B);
  await expect(a.getByTestId('online-count')).toHaveText('2 online');
  await expect(b.getByTestId('online-count')).toHaveText('2 online');

  // A types: B is told, and knows A is here.
  await a.getByRole('textbox', { name: 'Message' }).pressSequentially('Hel');
  await expect(b.getByText(`${A} is typing…`)).toBeVisible();
  await expect(b.getByRole('list', { name: 'Online now' })).toContainText(A);

  // A sends: B sees it without a reload; A's copy is confirmed.
  await a.getByRole('textbox', { name: 'Message' }).fill('Hello from Alice');
  await a.getByRole('button', { name: 'Send' }).click();
  const helloB = b.getByTestId('message').filter({ hasText: 'Hello from Alice' });
  await expect(helloB).toBeVisible();
  await expect(helloB).toContainText(A);
  await expect(b.getByText(`${A} is typing…`)).toBeHidden();
  const helloA = a.getByTestId('message').filter({ hasText: 'Hello from Alice' });
  await expect(helloA).not.toHaveAttribute('data-pending', 'true');
  await expect(helloA).toHaveAttribute('data-seq', '1');

  // B's view shows it, so B has read it: A sees the marker under it.
  await expect(helloA.getByText(`Seen by ${B}`)).toBeVisible();

  // B posts, then deletes its own message: it disappears on A's screen live.
  await b.getByRole('textbox', { name: 'Message' }).fill('Oops, wrong room');
  await b.getByRole('textbox', { name: 'Message' }).press('Enter');
  const oopsA = a.getByTestId('message').filter({ hasText: 'Oops, wrong room' });
  await expect(oopsA).toBeVisible();
  await expect(b.getByTestId('message').filter({ hasText: 'Oops, wrong room' })).not.toHaveAttribute('data-pending', 'true');
  await b.getByRole('button', { name: `Delete message from ${B}` }).click();
  const confirm = b.getByRole('dialog', { name: 'Delete this message?' });
  await expect(confirm).toBeVisible();
  await checkA11y(b);
  await confirm.getByRole('button', { name: 'Delete message' }).click();
  await expect(confirm).toBeHidden();
  await expect(oopsA).toHaveCount(0);
  await expect(b.getByTestId('message').filter({ hasText: 'Oops, wrong room' })).toHaveCount(0);
  await expect(a.getByTestId('message')).toHaveCount(1);

  await checkA11y(a);
  await shot(a, testInfo, 'room-alice');
  await shot(b, testInfo, 'room-bob');

  // Back on B's room list, A posts in the lobby: B's list counts it as unread, live.
  await b.getByRole('link', { name: 'All rooms' }).click();
  const lobbyItem = b.getByTestId('room').filter({ hasText: lobbyName });
  const jamItem = b.getByTestId('room').filter({ hasText: roomName });
  await expect(lobbyItem).toBeVisible();
  await expect(jamItem).toBeVisible();
  await expect(lobbyItem.getByText(/unread/)).toHaveCount(0);
  const posted = await request.post(`/api/v1/rooms/${lobby.id}/messages`, { headers: bearer(alice), data: { body: 'Anyone around?' } });
  expect(posted.status(), await posted.text()).toBe(201);
  await expect(lobbyItem.getByText('1 unread', { exact: true })).toBeVisible();
  await expect(jamItem.getByText(/unread/)).toHaveCount(0);
  await checkA11y(b);
  await shot(b, testInfo, 'room-list-bob');

  await Promise.all([ctxA.close(), ctxB.close()]);
});
