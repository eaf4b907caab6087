// Browser steps of the Builder/Code modes (src/components/builder): the pickers
// fill from the sample schema, builder -> code -> builder keeps the SQL, and a
// query that does not fit is refused with the reason.
//
// The builder and Code-mode pictures are also README's (img/editor-builder.png,
// img/editor-code.png): each run writes them again, so README shows what the
// test saw.
import fs from 'node:fs';
import path from 'node:path';

const EDITOR = '[data-testid="quarry-sql-editor"] .monaco-editor';
const BUILDER = '[data-testid="quarry-builder"]';
const BUILDER_SQL = '[data-testid="quarry-builder-sql"]';
const PANE = '[data-testid="harness-query"]';

const FITS = [
  "SELECT $__timeGroupAlias(ts, '1h', 0), service, sum(requests) AS requests",
  'FROM sample.http_requests',
  'WHERE $__timeFilter(ts)',
  'GROUP BY 1, service',
  'ORDER BY 1',
].join('\n');

const JOIN = [
  'SELECT r.service, count(*) AS n',
  'FROM sample.http_requests r JOIN sample.logs l ON l.service = r.service',
  'GROUP BY 1',
].join('\n');

async function shot(page, outDir, name) {
  await page.locator(PANE).screenshot({ path: path.join(outDir, name) });
}

/**
 * readmeShot writes README's picture of a mode: the query editor alone (format, options, mode toggle, cost
 * badge, the mode's editor and the plan), without the harness's result and JSON panes.
 */
async function readmeShot(page, readmePath) {
  if (readmePath) {
    fs.mkdirSync(path.dirname(readmePath), { recursive: true });
    // The dry run starts 500 ms after a change: let it answer, so the picture shows the badge's figure.
    await page.waitForTimeout(800);
    await page.waitForFunction(
      (sel) => ['ok', 'over-budget'].includes(document.querySelector(sel)?.getAttribute('data-state')),
      `${PANE} [data-testid="quarry-cost-badge"]`,
      { timeout: 30_000 }
    );
    await page.locator(`${PANE} [data-testid="quarry-query-editor"]`).screenshot({ path: readmePath });
  }
}

/** openMenu opens a builder select by its aria-label and returns the option labels, leaving the menu open. */
async function openMenu(page, label) {
  await page.locator(`${BUILDER} input[aria-label="${label}"]`).click();
  const menu = page.locator('[aria-label="Select options menu"]');
  await menu.waitFor({ timeout: 10_000 });
  return menu.locator('[role="option"]').allTextContents();
}

async function setText(page, text) {
  await page.locator(`${EDITOR} .view-lines`).first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

async function toggle(page, mode) {
  // Grafana's radio input lies over its label and takes the click.
  await page.locator(`[data-testid="quarry-mode-toggle"] input[title="${mode}"]`).click();
}

async function queryJson(page) {
  return JSON.parse((await page.locator('[data-testid="harness-query-json"]').textContent()) ?? '{}');
}

/** optionsOf opens a builder select by its aria-label and returns the option labels. */
async function optionsOf(page, label) {
  const texts = await openMenu(page, label);
  await page.keyboard.press('Escape');
  return texts;
}

export const builderSteps = [
  {
    name: 'builder: code -> builder reads the SQL, and the pickers fill from the sample schema',
    async run(page, { outDir, readmeBuilder }) {
      await setText(page, FITS);
      await toggle(page, 'Builder');
      await page.locator(BUILDER).waitFor({ timeout: 20_000 });
      const sql = (await page.locator(BUILDER_SQL).textContent()) ?? '';
      if (!sql.includes("$__timeGroupAlias(ts, '1h', 0)") || !sql.includes('GROUP BY 1, service')) {
        throw new Error(`the builder shows other SQL:\n${sql}`);
      }
      const schemas = await optionsOf(page, 'Schema');
      if (!schemas.includes('sample')) {
        throw new Error(`the schema picker lists ${JSON.stringify(schemas)}`);
      }
      const tables = await optionsOf(page, 'Table');
      if (!tables.some((t) => t.includes('http_requests')) || !tables.some((t) => t.includes('logs'))) {
        throw new Error(`the table picker lists ${JSON.stringify(tables)}`);
      }
      // The column picker open, with the sample table's columns and their types.
      const cols = await openMenu(page, 'Time column');
      for (const c of ['ts', 'service', 'host', 'requests']) {
        if (!cols.some((t) => t.startsWith(c))) {
          throw new Error(`the column picker lacks ${c}: ${JSON.stringify(cols)}`);
        }
      }
      await page.screenshot({ path: path.join(outDir, '16-builder-pickers.png') });
      await page.keyboard.press('Escape');
      // The cost badge runs on the builder's SQL too.
      await page.waitForFunction(
        () =>
          ['ok', 'over-budget'].includes(
            document.querySelector('[data-testid="quarry-cost-badge"]')?.getAttribute('data-state')
          ),
        null,
        { timeout: 30_000 }
      );
      await page.locator(`${BUILDER} input[aria-label="Time column"]`).blur();
      await page.mouse.move(0, 0);
      await shot(page, outDir, '17-builder.png');
      await readmeShot(page, readmeBuilder);
    },
  },
  {
    name: 'builder: an edit in the builder shows in Code exactly, and back without loss',
    async run(page, { outDir, readmeCode }) {
      const limit = page.locator(`${BUILDER} input[aria-label="Limit"]`);
      await limit.fill('50');
      await limit.blur();
      await page.waitForFunction(
        (sel) => /LIMIT 50$/.test(document.querySelector(sel)?.textContent ?? ''),
        BUILDER_SQL,
        {
          timeout: 20_000,
        }
      );
      const shown = (await page.locator(BUILDER_SQL).textContent()) ?? '';
      if ((await queryJson(page)).rawSql !== shown) {
        throw new Error('the query SQL differs from what the builder shows');
      }
      await toggle(page, 'Code');
      await page.waitForFunction(
        (sel) => /LIMIT\s50/.test(document.querySelector(sel)?.textContent ?? ''),
        `${EDITOR} .view-lines`,
        {
          timeout: 20_000,
        }
      );
      // Monaco draws each line in its own element (placed by its top offset), with no-break spaces.
      const code = await page
        .locator(EDITOR)
        .first()
        .locator('.view-line')
        .evaluateAll((lines) =>
          lines
            .map((l) => ({ top: parseFloat(l.style.top) || 0, text: l.textContent.replace(/\u00a0/g, ' ') }))
            .sort((a, b) => a.top - b.top)
            .map((l) => l.text)
            .join('\n')
        );
      const q = await queryJson(page);
      if (q.rawSql !== shown || q.editorMode !== 'code' || code.trim() !== shown) {
        throw new Error(`Code mode shows other SQL:\n${code}\n---\n${shown}`);
      }
      await page.mouse.move(0, 0); // no tooltip in the picture
      await shot(page, outDir, '18-builder-to-code.png');
      await readmeShot(page, readmeCode);
      await toggle(page, 'Builder');
      await page.locator(BUILDER).waitFor({ timeout: 20_000 });
      const again = (await page.locator(BUILDER_SQL).textContent()) ?? '';
      if (again !== shown || (await queryJson(page)).builder?.limit !== 50) {
        throw new Error(`builder -> code -> builder changed the query:\n${again}\n---\n${shown}`);
      }
      if ((await page.locator(`${BUILDER} input[aria-label="Limit"]`).inputValue()) !== '50') {
        throw new Error('back in the builder, the limit field lost 50');
      }
      await page.mouse.move(0, 0);
      await shot(page, outDir, '19-code-to-builder.png');
    },
  },
  {
    name: 'builder: a query with a join is refused with the reason, and the SQL stays',
    async run(page, { outDir }) {
      await toggle(page, 'Code');
      await setText(page, JOIN);
      await toggle(page, 'Builder');
      const alert = page.locator('[data-testid="quarry-mode-refused"]');
      await alert.waitFor({ timeout: 20_000 });
      const text = (await alert.textContent()) ?? '';
      if (!/joins are not in the builder \(line 2, column \d+\)/.test(text)) {
        throw new Error(`the refusal says: ${text}`);
      }
      const q = await queryJson(page);
      if (q.rawSql !== JOIN || q.editorMode === 'builder' || (await page.locator(BUILDER).count()) !== 0) {
        throw new Error('the refused switch changed the query');
      }
      await shot(page, outDir, '20-builder-refused.png');
    },
  },
];
