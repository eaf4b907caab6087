// The browser test's steps. Each throws when what the user should see does not appear.
import path from 'node:path';

const EDITOR = '[data-testid="quarry-sql-editor"] .monaco-editor';
const BADGE = '[data-testid="quarry-cost-badge"]';

const QUERY = [
  "SELECT $__timeGroup(ts, '1h') AS time, service, sum(requests) AS requests",
  'FROM sample.http_requests',
  'WHERE $__timeFilter(ts)',
  'GROUP BY 1, 2',
  'ORDER BY 1',
].join('\n');

const BROKEN = [
  'SELECT service, count(*) AS n',
  'FROM sample.http_requests',
  'WHERE (status >= 500',
  'GROUP BY 1',
].join('\n');

async function shot(page, outDir, name) {
  await page.screenshot({ path: path.join(outDir, name), fullPage: true });
}

/** setText replaces the editor's text as a paste would (no completion popups on the way). */
async function setText(page, text) {
  await page.locator(`${EDITOR} .view-lines`).first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

async function badge(page) {
  const b = page.locator(BADGE);
  return { state: await b.getAttribute('data-state'), text: (await b.textContent()) ?? '' };
}

export const steps = [
  {
    name: 'editor loads with the default query and a cost badge',
    async run(page, { outDir }) {
      await page.locator(`${EDITOR} .view-lines`).first().waitFor({ timeout: 60_000 });
      await page.waitForFunction(
        (sel) => ['ok', 'over-budget'].includes(document.querySelector(sel)?.getAttribute('data-state')),
        BADGE,
        { timeout: 60_000 }
      );
      await shot(page, outDir, '01-editor.png');
    },
  },
  {
    name: 'typing a macro shows macro autocompletion with its signature',
    async run(page, { outDir }) {
      await page.locator(`${EDITOR} .view-lines`).first().click();
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Delete');
      await page.keyboard.type('SELECT $__timeGr', { delay: 40 });
      const row = page.locator('.suggest-widget .monaco-list-row', { hasText: '$__timeGroup' }).first();
      await row.waitFor({ timeout: 20_000 });
      // Ctrl+Space again opens the suggestion's documentation beside the list.
      await page.keyboard.press('Control+Space');
      await page.locator('.suggest-details', { hasText: 'Buckets the column' }).first().waitFor({ timeout: 10_000 });
      await shot(page, outDir, '02-macro-completion.png');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Escape');
      const text = await page.locator(`${EDITOR} .view-lines`).first().textContent();
      if (!text.replace(/\u00a0/g, ' ').includes('$__timeGroup(column, interval)')) {
        throw new Error(
          `accepting the suggestion did not insert the snippet; the editor shows ${JSON.stringify(text)}`
        );
      }
    },
  },
  {
    name: 'schema autocompletion offers tables after "dataset." and columns of the FROM table',
    async run(page, { outDir }) {
      await setText(page, '');
      await page.keyboard.type('SELECT * FROM sample.', { delay: 40 });
      await page
        .locator('.suggest-widget .monaco-list-row', { hasText: 'http_requests' })
        .first()
        .waitFor({ timeout: 20_000 });
      await page.keyboard.press('Escape');
      // Columns before FROM: the cursor is in the select list of a query whose FROM comes later.
      await setText(page, '\nFROM sample.http_requests');
      await page.keyboard.press('Control+Home');
      await page.keyboard.type('SELECT lat', { delay: 40 });
      await page
        .locator('.suggest-widget .monaco-list-row', { hasText: 'latency_ms' })
        .first()
        .waitFor({ timeout: 20_000 });
      await shot(page, outDir, '03-schema-completion.png');
      await page.keyboard.press('Escape');
    },
  },
  {
    name: 'the cost badge updates for the typed query',
    async run(page, { outDir }) {
      await setText(page, QUERY);
      const before = await badge(page);
      await page.waitForFunction(
        ({ sel, prev }) => {
          const el = document.querySelector(sel);
          const state = el?.getAttribute('data-state');
          return (state === 'ok' || state === 'over-budget') && el.textContent !== prev;
        },
        { sel: BADGE, prev: before.text },
        { timeout: 60_000 }
      );
      const after = await badge(page);
      if (!/\d.*(B|rows)\b/.test(after.text)) {
        throw new Error(`the badge shows no figure: ${after.text}`);
      }
      await shot(page, outDir, '04-cost-badge.png');
    },
  },
  {
    name: 'the plan view shows the expanded SQL and the steps',
    async run(page, { outDir }) {
      await page.locator('[data-testid="quarry-plan-toggle"]').click();
      const sql = page.locator('[data-testid="quarry-plan-sql"]');
      await sql.waitFor({ timeout: 30_000 });
      await page.waitForFunction(
        () => {
          const t = document.querySelector('[data-testid="quarry-plan-sql"]')?.textContent ?? '';
          return t.includes('2024-01-30') && !t.includes('$__timeFilter');
        },
        null,
        { timeout: 30_000 }
      );
      const steps = await page.locator('[data-testid="quarry-plan-steps"] li').count();
      if (steps === 0) {
        throw new Error('the plan view lists no steps for a query with two macros');
      }
      await shot(page, outDir, '05-plan-view.png');
    },
  },
  {
    name: 'a query over the guardrail turns the badge into a warning',
    async run(page, { outDir }) {
      await setText(page, 'SELECT *\nFROM sample.http_requests\nWHERE $__timeFilter(ts)');
      await page.waitForFunction(
        (sel) => document.querySelector(sel)?.getAttribute('data-state') === 'over-budget',
        BADGE,
        {
          timeout: 60_000,
        }
      );
      const { text } = await badge(page);
      if (!/Over budget/.test(text)) {
        throw new Error(`the over-budget badge does not say so: ${text}`);
      }
      const warning = (await page.locator('[data-testid="quarry-budget-warning"]').textContent()) ?? '';
      if (!/refused/i.test(warning)) {
        throw new Error(`no warning explains the refusal: ${warning}`);
      }
      await shot(page, outDir, '06-over-budget.png');
    },
  },
  {
    name: 'a syntax error is marked in the editor at its line',
    async run(page, { outDir }) {
      await setText(page, BROKEN);
      const squiggle = page.locator(`${EDITOR} .squiggly-error`).first();
      await squiggle.waitFor({ timeout: 30_000 });
      // Hovering the marked text shows the planner's message.
      await squiggle.hover({ force: true });
      await page.locator('.monaco-hover', { hasText: 'unbalanced' }).first().waitFor({ timeout: 10_000 });
      const alert = page.locator('[data-testid="quarry-plan-error"]');
      await alert.waitFor({ timeout: 30_000 });
      const title = (await alert.textContent()) ?? '';
      if (!/Line \d+, column \d+/.test(title)) {
        throw new Error(`the plan error has no position: ${title}`);
      }
      await shot(page, outDir, '07-syntax-error.png');
    },
  },
  {
    name: 'Shift+Enter runs the query through /api/ds/query',
    async run(page, { outDir }) {
      await setText(page, QUERY.replace("'1h'", "'1d'"));
      await page.keyboard.press('Shift+Enter');
      await page.waitForFunction(
        () => /frame\(s\)|error:/.test(document.querySelector('[data-testid="harness-result"]')?.textContent ?? ''),
        null,
        { timeout: 60_000 }
      );
      const result = await page.locator('[data-testid="harness-result"]').textContent();
      if (!/[1-9]\d* row\(s\)/.test(result)) {
        throw new Error(`the query returned no rows: ${result}`);
      }
      await shot(page, outDir, '08-run-query.png');
    },
  },
  {
    name: 'Save & test shows the health details',
    async run(page, { outDir }) {
      await page.locator('[data-testid="harness-save-test"]').click();
      const health = page.locator('[data-testid="harness-health"]');
      await health.waitFor({ timeout: 30_000 });
      const text = (await health.textContent()) ?? '';
      const version = /\bv?\d+\.\d+\.\d+\b/.exec(text)?.[0];
      if (!version) {
        throw new Error(`the health details show no version: ${text}`);
      }
      if (text.split(version).length !== 2) {
        throw new Error(`the health details repeat the version ${version}: ${text}`);
      }
      await health.scrollIntoViewIfNeeded();
      await shot(page, outDir, '09-config-health.png');
    },
  },
];
