import { expect, test } from '@playwright/test';
import { checkA11y, shot } from './support';

test('register, log out, log in, see my sessions', async ({ page }, testInfo) => {
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const username = `smoke_${suffix}`;
  const password = `pw-${suffix}-long-enough`;

  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome to Veza');
  await checkA11y(page);
  await shot(page, testInfo, 'home');

  // Register: the server's own rules come back at the fields.
  await page.getByRole('link', { name: 'Sign up' }).click();
  await expect(page).toHaveTitle('Create an account · Veza');
  await page.getByLabel('Email').fill(`${username}@example.test`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('#password-error')).toBeVisible();
  await checkA11y(page);
  await shot(page, testInfo, 'register-error');

  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  const menu = page.locator('.user-menu summary');
  await expect(menu).toContainText(username);
  await expect(page).toHaveURL(/\/$/);
  await checkA11y(page);
  await shot(page, testInfo, 'registered');

  // Log out through the menu.
  await menu.click();
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByRole('banner').getByRole('link', { name: 'Log in' })).toBeVisible();
  expect(await page.evaluate(() => localStorage.getItem('veza.session'))).toBeNull();

  // A page that needs a login sends us to the form, and back afterwards.
  await page.goto('/settings/sessions');
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings%2Fsessions$/);
  await page.getByLabel('Email or username').fill(username);
  await page.getByLabel('Password').fill('not-my-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toContainText("don't match");
  await checkA11y(page);
  await shot(page, testInfo, 'login-error');

  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/settings\/sessions$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sessions');
  await expect(page.getByText('This device')).toBeVisible();
  await expect(page).toHaveTitle('Sessions · Veza');
  await checkA11y(page);
  await shot(page, testInfo, 'sessions');
});
