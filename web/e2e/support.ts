// Helpers shared by every end-to-end spec.
import AxeBuilder from '@axe-core/playwright';
import { expect, type APIRequestContext, type Page, type TestInfo } from '@playwright/test';

export interface TestUser {
  user: { id: string; email: string; username: string; roles: string[] };
  tokens: { access_token: string; refresh_token: string; expires_in: number };
  password: string;
}

/** A new account through the API, with a unique username and email. */
export async function registerUser(request: APIRequestContext, prefix = 'user'): Promise<TestUser> {
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const username = `${prefix}_${suffix}`.toLowerCase().slice(0, 32);
  const email = `${username}@example.test`;
  const password = `pw-${suffix}-long-enough`;
  const res = await request.post('/api/v1/auth/register', { data: { email, username, password } });
  expect(res.status(), await res.text()).toBe(201);
  const body = await res.json();
  const { user, ...tokens } = body;
  return { user, tokens, password };
}

/** Log in through the real form, and wait until the app shows the user's menu. */
export async function loginInBrowser(page: Page, user: Pick<TestUser, 'user' | 'password'>): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email or username').fill(user.user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.locator('.user-menu summary')).toContainText(user.user.username);
}

/** A full-page screenshot in the test's output folder, attached to the report. */
export async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** No axe violation of impact serious or critical on the page as it is now. */
export async function checkA11y(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const summary = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`);
  expect(summary, summary.join('\n')).toEqual([]);
}
