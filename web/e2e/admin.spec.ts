import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { checkA11y, loginInBrowser, registerUser, shot, type TestUser } from './support';

const password = process.env.E2E_PASSWORD!;

/** A staff account created by scripts/e2e.sh, as loginInBrowser wants it. */
function staff(username: string | undefined): Pick<TestUser, 'user' | 'password'> {
  return { user: { id: '', email: '', username: username!, roles: [] }, password };
}

async function loggedInPage(browser: Browser, who: Pick<TestUser, 'user' | 'password'>): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await loginInBrowser(page, who);
  return page;
}

function bearer(user: TestUser) {
  return { Authorization: `Bearer ${user.tokens.access_token}` };
}

/** A public room owned by `owner`, with `members` joined. */
async function publicRoom(request: APIRequestContext, owner: TestUser, ...members: TestUser[]): Promise<{ id: string }> {
  const res = await request.post('/api/v1/rooms', {
    headers: bearer(owner),
    data: { name: `mod-${Math.random().toString(36).slice(2, 8)}`, visibility: 'public' },
  });
  expect(res.status(), await res.text()).toBe(201);
  const room = await res.json();
  for (const m of members) {
    const joined = await request.post(`/api/v1/rooms/${room.id}/join`, { headers: bearer(m) });
    expect(joined.ok(), await joined.text()).toBe(true);
  }
  return room;
}

const SECTIONS = [
  { path: 'reports', heading: 'Reports' },
  { path: 'users', heading: 'Users' },
  { path: 'stats', heading: 'Stats' },
  { path: 'automod', heading: 'Automod' },
  { path: 'config', heading: 'Config' },
  { path: 'audit', heading: 'Audit' },
];

// Two halves, to stay well within the time limit on a busy machine.
for (const part of [SECTIONS.slice(0, 3), SECTIONS.slice(3)]) {
  test(`a moderator opens the admin sections: ${part.map((s) => s.path).join(', ')}`, async ({ page, request }, testInfo) => {
    // A member the moderator may act on (moderators suspend and reactivate members).
    const member = part.some((s) => s.path === 'users') ? await registerUser(request, 'member') : null;
    await loginInBrowser(page, staff(process.env.E2E_MODERATOR));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await expect(page).toHaveURL('/admin/reports');

    for (const s of part) {
      // The sub-navigation lists what moderators may use; the admins' sections are reached by URL.
      const link = page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: s.heading });
      if (s.path === 'users') await link.click();
      else if (s.path !== 'reports') {
        await expect(link).toHaveCount(0);
        await page.goto(`/admin/${s.path}`);
      }
      await expect(page.getByRole('heading', { level: 1, name: s.heading })).toBeVisible();
      await expect(page.getByText('Loading…')).toHaveCount(0);
      await expect(page).toHaveTitle(`${s.heading} · Admin · Veza`);
      if (member && s.path === 'users') {
        await page.getByLabel('Username starts with').fill(member.user.username);
        await page.getByRole('button', { name: 'Find', exact: true }).click();
        await expect(page.getByRole('button', { name: `Change standing of ${member.user.username}` })).toBeVisible();
      }
      await checkA11y(page);
      await shot(page, testInfo, `moderator-${s.path}`);
    }
  });
}

test('a member does not see Admin and is turned away from it', async ({ page, request }, testInfo) => {
  const member = await registerUser(request, 'member');
  await loginInBrowser(page, member);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' })).toHaveCount(0);
  await page.goto('/admin/reports');
  await expect(page.getByRole('heading', { level: 1, name: 'Not allowed' })).toBeVisible();
  await checkA11y(page);
  await shot(page, testInfo, 'member-admin');
});

test('an admin sees the stats and the audit trail, and exports it', async ({ page }, testInfo) => {
  await loginInBrowser(page, staff(process.env.E2E_ADMIN));
  await page.goto('/admin');
  await expect(page).toHaveURL('/admin/stats');
  await expect(page.getByRole('heading', { level: 2, name: 'Nodes' })).toBeVisible();
  await expect(page.getByRole('table').filter({ hasText: 'Connections' })).toContainText('up');
  await checkA11y(page);
  await shot(page, testInfo, 'admin-stats');

  await page.goto('/admin/audit');
  await expect(page.getByRole('table')).toContainText('auth.');
  await page.getByLabel('Action').fill('auth.');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page.getByRole('table')).toBeVisible();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export NDJSON' }).click();
  expect((await download).suggestedFilename()).toMatch(/\.ndjson$/);
  await checkA11y(page);
  await shot(page, testInfo, 'admin-audit');
});

test('a refused setting is explained at its field', async ({ page }, testInfo) => {
  await loginInBrowser(page, staff(process.env.E2E_ADMIN));
  await page.goto('/admin/config');
  await page.getByLabel('Offer expiry (seconds)').fill('0');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('[data-key="offers.expiry_secs"] .field-error')).toBeVisible();
  await checkA11y(page);
  await shot(page, testInfo, 'admin-config-error');
});

// Log only, on a made-up word: the rule changes nothing for the other tests.
test('an admin adds an automod rule and deletes it', async ({ page }, testInfo) => {
  await loginInBrowser(page, staff(process.env.E2E_ADMIN));
  page.on('dialog', (d) => void d.accept());
  const suffix = Math.random().toString(36).slice(2, 8);
  const rule = `e2e rule ${suffix}`;
  const ruleHeading = page.getByRole('heading', { level: 2, name: rule, exact: true });
  // Another run may save the rules at the same moment: the page then shows theirs; do it again.
  await expect(async () => {
    await page.goto('/admin/automod');
    await page.getByRole('button', { name: 'Add a rule' }).click();
    await page.getByLabel('Name', { exact: true }).fill(rule);
    await page.getByLabel('Words (one per line)').fill(`blorft${suffix}`);
    await page.getByLabel('Log only').check();
    await checkA11y(page);
    await page.getByRole('button', { name: 'Save rule' }).click();
    await expect(ruleHeading).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByRole('listitem').filter({ has: ruleHeading })).toContainText(`blorft${suffix}`);
  await shot(page, testInfo, 'admin-automod');
  await expect(async () => {
    if (await ruleHeading.isHidden()) await page.goto('/admin/automod');
    await page.getByRole('button', { name: `Delete ${rule}` }).click();
    await expect(ruleHeading).toHaveCount(0, { timeout: 3_000 });
  }).toPass({ timeout: 15_000 });
});

test('a moderator removes a reported message and it disappears live in another user’s open room', async ({ browser, request }, testInfo) => {
  const alice = await registerUser(request, 'alice');
  const bob = await registerUser(request, 'bob');
  const room = await publicRoom(request, alice, bob);
  const body = `buy cheap followers ${Math.random().toString(36).slice(2, 8)}`;
  const posted = await request.post(`/api/v1/rooms/${room.id}/messages`, { headers: bearer(alice), data: { body } });
  expect(posted.status(), await posted.text()).toBe(201);
  const message = await posted.json();

  // The moderator's queue is open first: the case arrives live.
  const mod = await loggedInPage(browser, staff(process.env.E2E_MODERATOR));
  await mod.goto('/admin/reports');
  await expect(mod.getByRole('heading', { level: 1, name: 'Reports' })).toBeVisible();

  const bobPage = await loggedInPage(browser, bob);
  await bobPage.goto(`/rooms/${room.id}`);
  const log = bobPage.getByTestId('messages');
  const line = log.getByTestId('message').filter({ hasText: body });
  await expect(line).toBeVisible();

  const report = line.getByRole('button', { name: `Report message from ${alice.user.username}` });
  if (await report.isVisible()) {
    await report.click();
    const dialog = bobPage.getByRole('dialog');
    await dialog.getByLabel('Reason').selectOption('spam');
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await expect(dialog).toBeHidden();
  } else {
    const filed = await request.post('/api/v1/reports', {
      headers: bearer(bob),
      data: { target_type: 'message', target_id: String(message.id), reason: 'spam' },
    });
    expect(filed.status(), await filed.text()).toBe(201);
  }
  await shot(bobPage, testInfo, 'room-before');

  const kase = mod.getByTestId('case').filter({ hasText: body });
  await expect(kase).toBeVisible({ timeout: 10_000 });
  await expect(kase).toContainText('spam');
  await expect(kase).toContainText(bob.user.username);
  await kase.getByRole('button', { name: 'Claim' }).click();
  await expect(kase).toContainText('You hold this case');
  await checkA11y(mod);
  await shot(mod, testInfo, 'case-claimed');
  await kase.getByLabel('Action').selectOption('remove_content');
  await kase.getByRole('button', { name: 'Resolve' }).click();
  await expect(kase).toHaveCount(0);
  await shot(mod, testInfo, 'case-resolved');

  // Bob's room, never reloaded: the message is gone (or says it was deleted, without its text).
  await expect(log.getByText(body)).toHaveCount(0, { timeout: 5_000 });
  await shot(bobPage, testInfo, 'room-after');
  await mod.context().close();
  await bobPage.context().close();
});

test('a config change reaches an already open page', async ({ browser, request }, testInfo) => {
  const bob = await registerUser(request, 'bob');
  const room = await publicRoom(request, bob);
  const word = `zorblax${Math.random().toString(36).slice(2, 8).replace(/[^a-z]/g, 'q')}`;

  const bobPage = await loggedInPage(browser, bob);
  await bobPage.goto(`/rooms/${room.id}`);
  const composer = bobPage.getByLabel('Message', { exact: true });
  await expect(composer).toBeVisible();

  const admin = await loggedInPage(browser, staff(process.env.E2E_ADMIN));
  // Other runs may change the same list at the same moment: the page then asks to reload first.
  await expect(async () => {
    await admin.goto('/admin/config');
    const words = admin.getByLabel('Banned words');
    const current = await words.inputValue();
    await words.fill(current ? `${current}\n${word}` : word);
    await admin.getByRole('button', { name: 'Save' }).click();
    await expect(admin.getByText(/Settings saved as version \d+/)).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 15_000 });
  // The history's newest version is this change: the word added.
  await expect(admin.locator('.version').first().locator('ins')).toContainText(word);
  await checkA11y(admin);
  await shot(admin, testInfo, 'config-saved');

  // Every node applies it within 2 s: a send racing the save may still go through, so send again.
  let attempt = 0;
  await expect(async () => {
    attempt += 1;
    await composer.fill(`this is ${word} number ${attempt}`);
    await bobPage.getByRole('button', { name: 'Send' }).click();
    await expect(bobPage.getByRole('alert').filter({ hasText: 'moderation rule' })).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 8_000 });
  await shot(bobPage, testInfo, 'message-rejected');
  await admin.context().close();
  await bobPage.context().close();
});
