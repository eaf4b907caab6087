// Browser test (npm run e2e): the real ConfigEditor and QueryEditor in a
// harness page, against `quarry serve` over the embedded DuckDB sample, in
// Debian's headless Chromium driven by playwright-core. Screenshots of each
// state go to test-output/e2e/; the builder and Code-mode ones also replace
// README's img/editor-builder.png and img/editor-code.png.
//
// QUARRY_BIN=/path/to/quarry skips `go build`; E2E_SKIP_BUILD=1 reuses .cache/harness.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { freePort, run, startQuarry } from './processes.mjs';
import { startHarnessServer } from './server.mjs';
import { steps } from './steps.mjs';
import { builderSteps } from './builder-steps.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = path.join(root, 'test-output', 'e2e');
// README's pictures of the two editor modes, rewritten by the builder steps.
const readmeBuilder = path.join(root, 'img', 'editor-builder.png');
const readmeCode = path.join(root, 'img', 'editor-code.png');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

async function main() {
  // Only this run's screenshots and logs (a failed-*.png from an earlier run would mislead).
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-e2e-'));
  const cleanup = [];
  let failed = 0;
  let passed = 0;
  try {
    if (!process.env.E2E_SKIP_BUILD) {
      const s = run(
        process.execPath,
        [path.join(root, 'node_modules/webpack/bin/webpack.js'), '-c', '.config/webpack.harness.mjs'],
        { cwd: root }
      );
      console.log(`e2e: harness bundle built in ${s.toFixed(1)}s`);
    }
    let bin = process.env.QUARRY_BIN;
    if (!bin) {
      bin = path.join(tmp, 'quarry');
      const s = run('go', ['build', '-o', bin, './pkg/cmd/quarry'], { cwd: root });
      console.log(`e2e: quarry built in ${s.toFixed(1)}s`);
    }
    const port = await freePort();
    // A low row guardrail makes the over-budget warning reachable on the sample (DuckDB estimates rows, not bytes).
    const settings = path.join(tmp, 'settings.json');
    fs.writeFileSync(settings, JSON.stringify({ jsonData: { engine: 'duckdb', maxEstimatedRows: 50000 } }));
    const quarry = await startQuarry(bin, ['--addr', `127.0.0.1:${port}`, '--uid', 'quarry', '--settings', settings]);
    cleanup.push(() => quarry.child.kill('SIGTERM'));
    console.log(`e2e: quarry serve ready at ${quarry.url}`);
    fs.writeFileSync(path.join(outDir, 'quarry-serve.log'), '');
    cleanup.push(() => fs.writeFileSync(path.join(outDir, 'quarry-serve.log'), quarry.log()));

    const harness = await startHarnessServer({
      pageDir: path.join(root, 'tests/e2e/harness'),
      bundleDir: path.join(root, '.cache/harness'),
      iconDir: path.join(root, 'node_modules/@grafana/ui/dist/public/img/icons'),
      backend: quarry.url,
    });
    cleanup.push(() => harness.server.close());

    const context = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      viewport: { width: 1280, height: 900 },
    });
    cleanup.push(() => context.close());
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
    page.on('response', async (r) => {
      if (r.status() >= 400) {
        const line = `[http ${r.status()}] ${r.request().method()} ${r.url()}`;
        // A 5xx body says why (the harness proxy's 502 names the connection error).
        const body = r.status() >= 500 ? await r.text().catch(() => '') : '';
        consoleLines.push(body ? `${line}: ${body.slice(0, 300)}` : line);
      }
    });
    cleanup.push(() => fs.writeFileSync(path.join(outDir, 'browser-console.log'), consoleLines.join('\n')));

    await page.goto(`${harness.url}/?uid=quarry&engine=duckdb`);
    for (const step of [...steps, ...builderSteps]) {
      const started = Date.now();
      try {
        await step.run(page, { outDir, readmeBuilder, readmeCode });
        passed++;
        console.log(`ok   ${step.name} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
      } catch (err) {
        failed++;
        console.log(`FAIL ${step.name}: ${err.message.split('\n')[0]}`);
        await page.screenshot({
          path: path.join(outDir, `failed-${step.name.replace(/\W+/g, '-')}.png`),
          fullPage: true,
        });
      }
    }
  } catch (err) {
    failed++;
    console.log(`FAIL setup: ${err.message}`);
  } finally {
    for (const fn of cleanup.reverse()) {
      try {
        await fn();
      } catch {
        // best effort
      }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`e2e: screenshots and logs in ${path.relative(root, outDir)}/`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main();
