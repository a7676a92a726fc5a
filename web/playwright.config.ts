import { defineConfig } from '@playwright/test';

// Runs against a live node that serves the built client (VEZA__WEB__DIR=web/dist), or a Vite
// dev server proxying to one: VEZA_URL=http://127.0.0.1:18080 npx playwright test
export default defineConfig({
  testDir: 'e2e',
  // scripts/e2e.sh gives each run its own (E2E_QUICK runs side by side).
  outputDir: process.env.E2E_OUTPUT || 'test-results',
  reporter: 'list',
  timeout: 30_000,
  fullyParallel: true,
  workers: Number(process.env.WORKERS) || 2,
  use: {
    baseURL: process.env.VEZA_URL,
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
          args: ['--disable-background-networking', '--disable-component-update', '--disable-sync'],
        },
      },
    },
  ],
});
