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
  const b = page.locator(BADGE).first();
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
      const text = ((await page.locator(`${EDITOR} .view-lines`).first().textContent()) ?? '').replace(/\u00a0/g, ' ');
      const model = JSON.parse((await page.locator('[data-testid="harness-query-json"]').textContent()) ?? '{}');
      const squash = (t) => (t ?? '').replace(/\s+/g, '');
      if (!model.rawSql || squash(text) !== squash(model.rawSql)) {
        throw new Error(`the editor shows ${JSON.stringify(text)}, the query is ${JSON.stringify(model.rawSql)}`);
      }
      const b = await badge(page);
      if (!/\d/.test(b.text)) {
        throw new Error(`the cost badge shows no figure: ${b.text}`);
      }
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
      const column = page.locator('.suggest-widget .monaco-list-row', { hasText: 'latency_ms' }).first();
      try {
        await column.waitFor({ timeout: 10_000 });
      } catch {
        // Monaco filters the list it opened on the first letters rather than
        // asking again; on a busy machine that list can predate the columns'
        // arrival. Ctrl+Space asks again, as a user would.
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+Space');
        await column.waitFor({ timeout: 20_000 });
      }
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
      await page.locator('[data-testid="quarry-plan-toggle"]').first().click();
      const sql = page.locator('[data-testid="quarry-plan-sql"]').first();
      await sql.waitFor({ timeout: 30_000 });
      await page.waitForFunction(
        () => {
          const t = document.querySelector('[data-testid="quarry-plan-sql"]')?.textContent ?? '';
          return t.includes('2024-01-30') && !t.includes('$__timeFilter');
        },
        null,
        { timeout: 30_000 }
      );
      const steps = await page.locator('[data-testid="quarry-plan-steps"]').first().locator('li').count();
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
      const warning = (await page.locator('[data-testid="quarry-budget-warning"]').first().textContent()) ?? '';
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
      const alert = page.locator('[data-testid="quarry-plan-error"]').first();
      await alert.waitFor({ timeout: 30_000 });
      const title = (await alert.textContent()) ?? '';
      if (!/Line \d+, column \d+/.test(title)) {
        throw new Error(`the plan error has no position: ${title}`);
      }
      await shot(page, outDir, '07-syntax-error.png');
    },
  },
  {
    name: 'Ctrl+Enter runs the query through /api/ds/query, and the shortcut is shown',
    async run(page, { outDir }) {
      const hint = (await page.locator('[data-testid="quarry-run-shortcut"]').first().textContent()) ?? '';
      if (!/Ctrl\+Enter|⌘\+Enter/.test(hint)) {
        throw new Error(`the run shortcut is not shown: ${hint}`);
      }
      await setText(page, QUERY.replace("'1h'", "'1d'"));
      await page.keyboard.press('Control+Enter');
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
    name: 'function completion offers server functions with their signatures',
    async run(page, { outDir }) {
      await setText(page, '\nFROM sample.http_requests');
      await page.keyboard.press('Control+Home');
      await page.keyboard.type('SELECT date_tr', { delay: 40 });
      const row = page.locator('.suggest-widget .monaco-list-row', { hasText: 'date_trunc' }).first();
      await row.waitFor({ timeout: 20_000 });
      // The server's own signature (duckdb_functions()), in the row's detail or the details pane.
      await page.keyboard.press('Control+Space');
      await page
        .locator('.suggest-widget .monaco-list-row.focused, .suggest-details', { hasText: /date_trunc\s*\(/ })
        .first()
        .waitFor({ timeout: 10_000 });
      await shot(page, outDir, '10-function-completion.png');
      await page.keyboard.press('Escape');
    },
  },
  {
    name: 'Format lays the SQL out and leaves macros untouched',
    async run(page, { outDir }) {
      await setText(
        page,
        "select $__timeGroup(ts, '1h') as time, service, sum(requests) as n from sample.http_requests where $__timeFilter(ts) and service in (${service}) group by 1, 2 order by 1"
      );
      await page.locator('[data-testid="quarry-format"]').first().click();
      await page.waitForFunction(
        () => {
          const json = document.querySelector('[data-testid="harness-query-json"]')?.textContent ?? '{}';
          const sql = JSON.parse(json).rawSql ?? '';
          return sql.startsWith('SELECT') && sql.includes('\nFROM');
        },
        null,
        { timeout: 10_000 }
      );
      const sql = JSON.parse((await page.locator('[data-testid="harness-query-json"]').textContent()) ?? '{}').rawSql;
      for (const m of ["$__timeGroup(ts, '1h')", '$__timeFilter(ts)', '${service}']) {
        if (!sql.includes(m)) {
          throw new Error(`formatting changed ${m}: ${sql}`);
        }
      }
      await shot(page, outDir, '11-format.png');
    },
  },
  {
    name: 'the editor resizes by its bottom edge, and Expand shows the whole query',
    async run(page, { outDir }) {
      const lines = ['SELECT service,'];
      for (let i = 1; i <= 30; i++) {
        lines.push(`sum(requests) + ${i} AS c${i},`);
      }
      lines.push('count(*) AS n', 'FROM sample.http_requests', 'GROUP BY service');
      await setText(page, lines.join('\n'));
      // Let the dry run answer first, so nothing above the editor moves while it is dragged.
      await page.waitForTimeout(1500);
      await page.waitForFunction(
        (sel) => ['ok', 'over-budget'].includes(document.querySelector(sel)?.getAttribute('data-state')),
        BADGE,
        { timeout: 30_000 }
      );
      await page.keyboard.press('Escape'); // the completion list would cover the bottom edge
      const box = page.locator('[data-testid="quarry-sql-editor"]').first();
      const editor = page.locator(EDITOR).first();
      const height = async () => (await editor.boundingBox())?.height ?? 0;
      const h0 = await height();
      // Drag the bottom edge 120 px down.
      const handle = await page.locator('[data-testid="quarry-editor-resize"]').first().boundingBox();
      await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
      await page.mouse.down();
      await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2 + 120, { steps: 5 });
      await page.mouse.up();
      await page.waitForFunction(
        (h) => {
          const el = document.querySelector('[data-testid="quarry-sql-editor"] .monaco-editor');
          return el && el.getBoundingClientRect().height >= h + 100;
        },
        h0,
        { timeout: 10_000 }
      );
      const h1 = await height();
      // Expand: every line of the 34 shows at once (Monaco renders only the lines in view).
      await page.locator('[data-testid="quarry-expand"]').first().click();
      await page.waitForFunction(
        (sel) => document.querySelector(sel)?.querySelectorAll('.view-line').length >= 34,
        EDITOR,
        { timeout: 10_000 }
      );
      const h2 = await height();
      if ((await box.getAttribute('data-expanded')) !== 'true' || h2 <= h1) {
        throw new Error(`Expand did not grow the editor: ${h0} -> drag ${h1} -> expand ${h2}`);
      }
      await page.mouse.move(0, 0);
      await shot(page, outDir, '21-editor-expand.png');
      await page.locator('[data-testid="quarry-expand"]').first().click();
      await page.waitForFunction(
        (sel) => document.querySelector(sel)?.dataset.expanded === 'false',
        '[data-testid="quarry-sql-editor"]'
      );
    },
  },
  {
    name: "the variable editor previews the query's values",
    async run(page, { outDir }) {
      const pane = page.locator('[data-testid="harness-variable"]');
      await pane.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 30_000 });
      await pane.locator('[data-testid="quarry-variable-preview-run"]').click();
      const preview = pane.locator('[data-testid="quarry-variable-preview"]');
      await pane
        .locator('[data-testid="quarry-variable-preview"], [data-testid="quarry-variable-preview-error"]')
        .first()
        .waitFor({ timeout: 30_000 });
      if ((await preview.count()) === 0) {
        throw new Error(
          `the preview failed: ${await pane.locator('[data-testid="quarry-variable-preview-error"]').textContent()}`
        );
      }
      const text = (await preview.textContent()) ?? '';
      if (!/[1-9]\d* values?/.test(text)) {
        throw new Error(`the preview shows no values: ${text}`);
      }
      await pane.scrollIntoViewIfNeeded();
      await shot(page, outDir, '12-variable-preview.png');
    },
  },
  {
    name: 'the annotation editor previews the first annotations',
    async run(page, { outDir }) {
      const pane = page.locator('[data-testid="harness-annotation"]');
      await pane.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 30_000 });
      await pane.locator('[data-testid="quarry-annotation-preview-run"]').click();
      const table = pane.locator('[data-testid="quarry-annotation-preview"]');
      await table.waitFor({ timeout: 30_000 });
      const rows = await table.locator('tbody tr').count();
      const text = (await table.textContent()) ?? '';
      if (rows === 0 || !text.includes('deploy ')) {
        throw new Error(`the annotation preview shows no annotations: ${text}`);
      }
      await pane.scrollIntoViewIfNeeded();
      await shot(page, outDir, '13-annotation-preview.png');
    },
  },
  {
    name: 'the config page keeps a typed decimal ("0.") until blur',
    async run(page, { outDir }) {
      const input = page.locator('#quarry-maxUSD');
      await input.scrollIntoViewIfNeeded();
      await input.click();
      await input.fill('');
      await page.keyboard.type('0.', { delay: 40 });
      const mid = await input.inputValue();
      if (mid !== '0.') {
        throw new Error(`the field shows ${JSON.stringify(mid)} after typing "0."`);
      }
      await page.keyboard.type('5', { delay: 40 });
      await shot(page, outDir, '14-config-decimal.png');
      await input.blur();
      await page.waitForFunction(
        () => /"maxUSD":0\.5\b/.test(document.querySelector('[data-testid="harness-options"]')?.textContent ?? ''),
        null,
        { timeout: 10_000 }
      );
    },
  },
  {
    name: "the config page shows each setting's backend default and the backend's message for a refused value",
    async run(page, { outDir }) {
      const conc = page.locator('#quarry-concurrency');
      await conc.scrollIntoViewIfNeeded();
      if ((await conc.getAttribute('placeholder')) !== '4') {
        throw new Error(`Concurrency does not show the backend default 4: ${await conc.getAttribute('placeholder')}`);
      }
      await conc.fill('65');
      await conc.blur();
      // The message pkg/plugin/settings.go gives for this value (settings_fields.golden.json).
      await page
        .locator('[data-testid="harness-config"]', { hasText: 'concurrency: must be between 1 and 64, got 65' })
        .waitFor({ timeout: 10_000 });
      const fns = page.locator('#quarry-allowedFunctions');
      await fns.scrollIntoViewIfNeeded();
      await fns.fill('read_parquet, a b');
      await fns.blur();
      await page
        .locator('[data-testid="harness-config"]', {
          hasText: `allowedFunctions[1]: "a b" must be a plain name, without spaces, quotes, parentheses or ';'`,
        })
        .waitFor({ timeout: 10_000 });
      const opts = JSON.parse((await page.locator('[data-testid="harness-options"]').textContent()) ?? '{}');
      if (opts.concurrency !== 65 || JSON.stringify(opts.allowedFunctions) !== '["read_parquet","a b"]') {
        throw new Error(`the settings were not stored as typed values: ${JSON.stringify(opts)}`);
      }
      await page.locator('[data-testid="quarry-allow-lists"]').scrollIntoViewIfNeeded();
      await shot(page, outDir, '15-config-fields.png');
      await conc.fill('');
      await conc.blur();
      await fns.fill('');
      await fns.blur();
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
