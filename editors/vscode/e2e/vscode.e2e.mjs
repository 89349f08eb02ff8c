// The extension as a person uses it, in a real VS Code (code-server) in a real
// browser (Debian's chromium through puppeteer-core): the command palette, the
// progress notification, the status bar item, the diff, the lens, the hover,
// Apply, and what the Output panel's LessonL log says. run.sh sets it up.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import puppeteer from 'puppeteer-core';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run editors/vscode/e2e/run.sh`);
  return v;
};
const URL = env('LESSONL_E2E_URL');
const WS = env('LESSONL_E2E_WS');
const OUT = env('LESSONL_E2E_OUT');
const LOGS = env('LESSONL_E2E_LOGS');
const RUN_LIMIT = 8 * 60_000; // one run: two variants built and timed on a loaded 2-core machine

let browser;
let page;
let shotSeq = 0;

async function shot(name) {
  const file = path.join(OUT, `${String(++shotSeq).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

// Every notification text shown so far (toasts come and go).
const seen = () => page.evaluate(() => [...window.__lessonlSeen]);

async function waitFor(what, fn, timeout = 60_000) {
  const until = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) {
      const f = await shot(`timeout-${what.replace(/\W+/g, '-')}`);
      throw new Error(`timed out after ${timeout / 1000} s waiting for ${what} (screenshot ${f}); notifications seen: ${JSON.stringify(await seen())}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

const toasts = () =>
  page.$$eval('.notification-toast .notification-list-item', (items) =>
    items.map((i) => ({
      message: i.querySelector('.notification-list-item-message')?.textContent ?? '',
      severity: i.querySelector('.notification-list-item-icon')?.className ?? '',
      buttons: [...i.querySelectorAll('.notification-list-item-buttons-container .monaco-button')].map((b) => b.textContent),
    })),
  );
const statusTexts = () => page.$$eval('.statusbar-item', (items) => items.map((i) => i.textContent?.trim() ?? ''));
const lensTexts = () => page.$$eval('.codelens-decoration', (ls) => ls.map((l) => l.textContent ?? ''));

// The LessonL log as VS Code writes it for the Output panel.
function extensionLog() {
  const found = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'LessonL.log') found.push(p);
    }
  };
  if (fs.existsSync(LOGS)) walk(LOGS);
  return found.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

async function quickInput(text) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { visible: true });
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.type(text, { delay: 15 });
  const got = await page.$eval('.quick-input-widget input', (i) => i.value).catch(() => '');
  assert.equal(got, text, 'the keys did not all reach the quick input');
}

async function runCommand(label) {
  await quickInput(`>${label}`);
  await waitFor(`"${label}" in the command palette`, () =>
    page.$$eval('.quick-input-list .monaco-list-row', (rows, l) => rows.some((r) => (r.getAttribute('aria-label') ?? '').startsWith(l)), label),
  );
  await page.keyboard.press('Enter');
}

// Opens a workspace file with Go to File and puts the cursor on line (1-based).
async function openAt(rel, line) {
  await quickInput(rel);
  await waitFor(`${rel} in Go to File`, () =>
    page.$$eval('.quick-input-list .monaco-list-row', (rows, name) => rows.some((r) => (r.getAttribute('aria-label') ?? '').includes(name)), path.basename(rel)),
  );
  await page.keyboard.press('Enter');
  await waitFor(`${rel} open`, () => page.$eval('.tabs-container .tab.active', (t) => t.textContent ?? '').then((t) => t.includes(path.basename(rel))));
  await quickInput(`:${line}`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.monaco-editor .cursors-layer .cursor', { visible: true });
}

// The text of the active editor's visible lines.
const editorText = () =>
  page.$eval('.editor-group-container.active .monaco-editor .view-lines', (v) =>
    [...v.querySelectorAll('.view-line')]
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
      .map((l) => l.textContent.replace(/\u00a0/g, ' '))
      .join('\n'),
  );

async function hoverWord(word) {
  const box = await page.$$eval(
    '.editor-group-container.active .monaco-editor .view-line span span',
    (spans, w) => {
      const s = spans.find((x) => x.textContent === w);
      if (!s) return null;
      const r = s.getBoundingClientRect();
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    },
    word,
  );
  assert.ok(box, `no "${word}" token in the editor`);
  await page.mouse.move(box.x - 40, box.y + 60);
  await page.mouse.move(box.x, box.y, { steps: 5 });
  return waitFor(`the hover on ${word}`, () =>
    page.$$eval('.monaco-hover:not(.hidden) .hover-contents', (hs) => hs.map((h) => h.textContent ?? '').join('\n')).then((t) => t.includes('LessonL') && t),
  );
}

async function clickToastButton(messagePart, label) {
  const clicked = await page.$$eval(
    '.notification-toast .notification-list-item',
    (items, [m, l]) => {
      for (const i of items) {
        if (!(i.querySelector('.notification-list-item-message')?.textContent ?? '').includes(m)) continue;
        const b = [...i.querySelectorAll('.monaco-button')].find((x) => x.textContent === l);
        if (b) {
          b.click();
          return true;
        }
      }
      return false;
    },
    [messagePart, label],
  );
  return clicked;
}

// Runs "LessonL: Optimize Function" at rel:line and returns the question toast.
async function optimize(rel, line, func) {
  await openAt(rel, line);
  await runCommand('LessonL: Optimize Function');
  const progress = await waitFor('the progress notification', async () =>
    (await toasts()).find((t) => t.message.includes(`Optimizing ${func}`) || t.message.startsWith('LessonL')),
  );
  await shot(`${func}-progress`);
  const running = await waitFor('the status item while running', async () => (await statusTexts()).find((t) => t.includes('LessonL') || t.includes(func)));
  return { progress, running };
}

before(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  browser = await puppeteer.launch({
    executablePath: env('LESSONL_E2E_CHROMIUM'),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1440,900'],
    defaultViewport: { width: 1440, height: 900 },
  });
  page = await browser.newPage();
  page.setDefaultTimeout(60_000);
  await page.evaluateOnNewDocument(() => {
    window.__lessonlSeen = new Set();
    const record = () => {
      for (const e of document.querySelectorAll('.notification-list-item-message')) window.__lessonlSeen.add(e.textContent);
    };
    new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto(URL, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
  await page.waitForSelector('.explorer-folders-view', { timeout: 120_000 });
});

after(async () => {
  if (page) await shot('last').catch(() => {});
  await browser?.close();
});

describe('LessonL in VS Code (code-server)', () => {
  it('starts the server when a Go file opens (lessonl serve accepts --stdio)', async () => {
    await openAt('sum/sum.go', 8);
    await waitFor('the server to start', () => extensionLog().includes('initialized'), 90_000);
    const log = extensionLog();
    assert.doesNotMatch(log, /language server stopped|couldn't start|Server initialization failed/, log);
    await shot('started');
  });

  it('optimizes Sum from the command palette: progress, status, diff, lens, hover, and Apply writes the file', async () => {
    const { progress } = await optimize('sum/sum.go', 8, 'Sum');
    assert.match(progress.message, /LessonL/);
    assert.ok(progress.buttons.includes('Cancel'), `the progress notification is cancellable: ${JSON.stringify(progress)}`);
    const question = await waitFor(
      'the Apply / Discard question',
      async () => (await toasts()).find((t) => /Sum is \d+\.\d\d× faster .*Apply the variant\?/.test(t.message)),
      RUN_LIMIT,
    );
    assert.deepEqual(question.buttons, ['Apply', 'Discard', 'Open Report']);
    await waitFor('the diff editor', () => page.$('.monaco-diff-editor'));
    const tab = await page.$eval('.tabs-container .tab.active', (t) => t.textContent ?? '');
    assert.match(tab, /Sum: original ↔ best variant/);
    const status = await waitFor('the status item with the speedup', async () => (await statusTexts()).find((t) => /⚡\s*\d+\.\d\d×/.test(t)));
    await shot('Sum-diff');

    // Progress said "measuring" while variants were timed, and named agents by model alone.
    const all = await seen();
    assert.ok(all.some((m) => m.includes('measuring')), `no "measuring" progress in ${JSON.stringify(all)}`);
    assert.ok(!all.some((m) => m.includes('@http')), `a notification names the agent's host: ${JSON.stringify(all)}`);
    // One announcement of the outcome: the question, not also the server's.
    assert.ok(!all.some((m) => m.includes('Apply it from the code action or the lens')), `two end-of-run notifications: ${JSON.stringify(all)}`);

    // Back in the file: the lens and the hover.
    await openAt('sum/sum.go', 8);
    const lenses = await waitFor('the lens', async () => {
      const ls = await lensTexts();
      return ls.some((l) => l.includes('⚡')) && ls;
    });
    assert.match(lenses.join(' '), /⚡ \d+\.\d\d× faster.*Apply.*Diff/);
    const hover = await hoverWord('Sum');
    assert.match(hover, /LessonL: ⚡ \d+\.\d\d× faster/);
    assert.match(hover, /alpha:1b/);
    await shot('Sum-lens-hover');
    await page.mouse.move(5, 5);

    // One click on Apply writes the variant into the buffer (no preview to tick).
    let clicked = await clickToastButton('Apply the variant?', 'Apply');
    if (!clicked) {
      await runCommand('Notifications: Show Notifications');
      clicked = await waitFor('the question in the notification centre', () =>
        page.$$eval('.notifications-center .notification-list-item', (items) => {
          for (const i of items) {
            const b = [...i.querySelectorAll('.monaco-button')].find((x) => x.textContent === 'Apply');
            if (b) {
              b.click();
              return true;
            }
          }
          return false;
        }),
      );
    }
    await waitFor('the diff editor to close', async () => (await page.$('.monaco-diff-editor')) === null);
    await new Promise((r) => setTimeout(r, 1000));
    await waitFor('the variant in the buffer', async () => {
      await openAt('sum/sum.go', 1);
      return (await editorText()).includes('for _, x := range xs');
    });
    assert.equal(await page.$('.refactor-preview, .bulk-edit-panel'), null, 'a Refactor Preview opened');
    await page.keyboard.down('Control');
    await page.keyboard.press('KeyS');
    await page.keyboard.up('Control');
    await waitFor('the file saved', () => fs.readFileSync(path.join(WS, 'sum/sum.go'), 'utf8').includes('for _, x := range xs'));
    const after = await seen();
    assert.ok(after.some((m) => m.includes('applied the') && m.includes('variant of Sum')), JSON.stringify(after));
    assert.equal(after.filter((m) => m.includes('applied the')).length, 1, `the apply announced more than once: ${JSON.stringify(after)}`);
    assert.ok(!after.some((m) => m.includes('refused') || m.includes('not applied') || m.includes('declined')), JSON.stringify(after));
    assert.ok(status.includes('⚡'));
    await shot('Sum-applied');
  });

  it('optimizes a C++ function and applies it from the diff editor\'s title', async () => {
    await optimize('mins/mins.cpp', 10, 'pairMinSum');
    await waitFor(
      'the C++ question',
      async () => (await toasts()).find((t) => /pairMinSum is \d+\.\d\d× faster/.test(t.message)),
      RUN_LIMIT,
    );
    await waitFor('the diff editor', () => page.$('.monaco-diff-editor'));
    await shot('pairMinSum-diff');
    // The diff editor's title bar: Apply (a check mark) and Discard.
    const labels = () =>
      page.$$eval('.editor-actions .action-label, .title-actions .action-label', (as) =>
        as.map((a) => `${a.getAttribute('aria-label') ?? ''}|${a.getAttribute('title') ?? ''}|${a.className}`),
      );
    const at = await waitFor('the Apply button in the diff editor title', async () => {
      const i = (await labels()).findIndex((l) => l.includes('Apply Best Variant'));
      return i >= 0 ? i + 1 : 0;
    }).catch(async (e) => {
      throw new Error(`${e.message}; title actions: ${JSON.stringify(await labels())}`);
    });
    const buttons = await page.$$('.editor-actions .action-label, .title-actions .action-label');
    await buttons[at - 1].click();
    // The diff closes and the focus moves back to the editor: wait for both
    // before typing, or the keys land in the file.
    await waitFor('the diff editor to close', async () => (await page.$('.monaco-diff-editor')) === null);
    await new Promise((r) => setTimeout(r, 1000));
    await waitFor('the C++ variant in the buffer', async () => {
      await openAt('mins/mins.cpp', 1);
      return (await editorText()).includes('std::sort');
    });
    await page.keyboard.down('Control');
    await page.keyboard.press('KeyS');
    await page.keyboard.up('Control');
    await waitFor('mins.cpp saved', () => fs.readFileSync(path.join(WS, 'mins/mins.cpp'), 'utf8').includes('std::sort'));
    await shot('pairMinSum-applied');
  });

  it('refuses a Go file outside a module up front, with the whole reason shown and logged', async () => {
    const started = Date.now();
    await openAt('scratch/sum.go', 8);
    await runCommand('LessonL: Optimize Function');
    const want = 'it is not in a Go module (no go.mod in its directory or above), so no variant could be built; run `go mod init example.com/scratch`';
    const err = await waitFor('the refusal', async () => (await toasts()).find((t) => t.message.includes(want)), 120_000);
    assert.match(err.message, /then optimize again/, 'the reason is cut');
    assert.ok(Date.now() - started < 60_000, 'the refusal came after model calls, not before');
    await shot('scratch-refused');
    await waitFor('the reason in the log', () => extensionLog().includes(want));
    const all = await seen();
    assert.ok(!all.some((m) => m.includes('no variant of Sum was verified faster')), JSON.stringify(all));
    assert.equal(all.filter((m) => m.includes(want)).length, 1, `the refusal shown more than once: ${JSON.stringify(all)}`);
  });

  it('logs each server record once, at its own level', () => {
    const log = extensionLog();
    fs.writeFileSync(path.join(OUT, 'extension.log'), log);
    const lines = log.split('\n').filter((l) => l.trim() !== '');
    assert.ok(lines.some((l) => /\[info\] initialized client=/.test(l)), log);
    const tagged = lines.filter((l) => /\[error\].*level=(INFO|DEBUG|WARN)/.test(l) || /\[error\] time=/.test(l));
    assert.deepEqual(tagged, [], 'server records logged as [error]');
    assert.equal(lines.filter((l) => /\] initialized client=/.test(l)).length, 1, 'the initialize record logged twice');
  });
});
