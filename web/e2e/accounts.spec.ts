import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { checkA11y, loginInBrowser, registerUser, shot } from './support';

/** The newest magic link the development mailer wrote to the node's log for `email`. */
function magicLinkFor(email: string): string | null {
  const log = readFileSync(process.env.E2E_NODE_LOG ?? '', 'utf8');
  let link: string | null = null;
  for (const line of log.split('\n')) {
    if (!line.includes(email)) continue;
    const found = line.match(/https?:\/\/[^\s"\\]+\/auth\/magic-link\?token=[A-Za-z0-9_-]+/);
    if (found) link = found[0];
  }
  return link;
}

const session = (page: Page) =>
  page.evaluate(() => JSON.parse(localStorage.getItem('veza.session') ?? 'null') as { access_token: string; refresh_token: string } | null);

test('a magic link from the node log signs in once', async ({ page, request }, testInfo) => {
  const { user } = await registerUser(request, 'magic');
  await page.goto('/login');
  await page.getByRole('link', { name: /email me a sign-in link/i }).click();
  await page.getByLabel('Email').fill(user.email);
  await page.getByRole('button', { name: 'Email me a link' }).click();
  await expect(page.getByRole('main').getByRole('status')).toContainText('If an account exists');
  await checkA11y(page);
  await shot(page, testInfo, 'magic-link-sent');

  let link: string | null = null;
  await expect.poll(() => (link = magicLinkFor(user.email)), { timeout: 10_000 }).not.toBeNull();
  const url = new URL(link ?? '');
  await page.goto(url.pathname + url.search);
  await expect(page.locator('.user-menu summary')).toContainText(user.username);
  await expect(page).toHaveURL(/\/$/);

  // Single use: the same link again is refused with a human message.
  const other = await page.context().browser()?.newContext();
  const second = await other!.newPage();
  await second.goto(new URL(url.pathname + url.search, page.url()).toString());
  await expect(second.getByRole('heading', { level: 1 })).toHaveText("That link didn't work");
  await expect(second.getByRole('alert')).toBeVisible();
  await checkA11y(second);
  await shot(second, testInfo, 'magic-link-used');
  await other!.close();
});

test('three tabs due for a refresh at once rotate the tokens without reuse detection', async ({ context, request }) => {
  const account = await registerUser(request, 'tabs');
  const first = await context.newPage();
  await loginInBrowser(first, account);
  const tabs = [first, await context.newPage(), await context.newPage()];
  for (const tab of tabs.slice(1)) {
    await tab.goto('/settings/sessions');
    await expect(tab.getByText('This device')).toBeVisible();
  }
  const before = await session(first);
  const refreshes: number[] = [];
  context.on('response', (res) => {
    if (res.url().endsWith('/api/v1/auth/refresh')) refreshes.push(res.status());
  });

  // Every tab sees the stored pair as due now (the storage event reaches the other two): all
  // three want a new pair at the same moment.
  await first.evaluate(() => {
    const s = JSON.parse(localStorage.getItem('veza.session') ?? '{}');
    localStorage.setItem('veza.session', JSON.stringify({ ...s, expires_at: Date.now() + 6_000 }));
  });
  await expect.poll(async () => (await session(first))?.access_token, { timeout: 10_000 }).not.toBe(before?.access_token);
  for (const tab of tabs) {
    await expect.poll(async () => (await session(tab))?.refresh_token).toBe((await session(first))?.refresh_token);
  }
  // One at a time under the Web Lock: each refresh succeeded (a race would have met 401
  // refresh_token_reused and logged every tab out), and the tabs did not each rotate the pair.
  expect(refreshes.length).toBeGreaterThanOrEqual(1);
  expect(refreshes.every((s) => s === 200), `refresh answers: ${refreshes}`).toBe(true);
  expect(refreshes.length, `refreshes: ${refreshes.length}`).toBeLessThan(3);
  for (const tab of tabs) {
    await tab.goto('/settings/sessions');
    await expect(tab.getByText('This device')).toBeVisible();
  }
});

test('log out everywhere ends the other device at once', async ({ browser, request }, testInfo) => {
  const account = await registerUser(request, 'everywhere');
  const laptop = await browser.newContext();
  const phone = await browser.newContext();
  const onLaptop = await laptop.newPage();
  const onPhone = await phone.newPage();
  await loginInBrowser(onLaptop, account);
  await loginInBrowser(onPhone, account);

  await onLaptop.goto('/settings/sessions');
  // Three sessions: the registration's, the laptop's, the phone's.
  await expect(onLaptop.getByRole('button', { name: /^Log out (?!everywhere)/ })).toHaveCount(3);
  await checkA11y(onLaptop);
  await shot(onLaptop, testInfo, 'sessions-two-devices');
  onLaptop.once('dialog', (d) => void d.accept());
  await onLaptop.getByRole('button', { name: 'Log out everywhere' }).click();
  await expect(onLaptop.getByRole('banner').getByRole('link', { name: 'Log in' })).toBeVisible();
  // The phone's socket is closed with 1008: it is logged out without doing anything.
  await expect(onPhone.getByRole('banner').getByRole('link', { name: 'Log in' })).toBeVisible({ timeout: 5_000 });
  await laptop.close();
  await phone.close();
});
