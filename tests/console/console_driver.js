// Drives the operator's console in a real headless Chromium through the DevTools protocol
// (over --remote-debugging-pipe: no websocket library, nothing from npm) and checks what a
// person would see on each page. Run by console_e2e_test.cpp, which starts the hub and its
// traffic; it can also be run by hand against a hub:
//
//   node tests/console/console_driver.js '{"base":"http://127.0.0.1:8080","token":"...",
//     "uetr":"...","idle":"VTBRRUMM","idle_available":"1000.00","deposit":"1234.56",
//     "screenshots":"build/console-screenshots"}'
//
// Prints "ok: ..." per check and exits 0, or prints "FAIL: <what>" and exits 1. Chromium
// missing or not starting is a failure with its own message, never a pass.
'use strict';

const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const args = JSON.parse(process.argv[2] || '{}');
const TIMEOUT_MS = 15000;

let activeBrowser = null;  // killed on a failure, so that no chromium outlives the test

function fail(message) {
  console.log('FAIL: ' + message);
  if (activeBrowser) {
    activeBrowser.closing = true;
    activeBrowser.proc.kill('SIGKILL');
    fs.rmSync(activeBrowser.profile, { recursive: true, force: true });
  }
  process.exit(1);
}

function findChromium() {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', 'command -v ' + name]).toString().trim();
    } catch (e) { /* next */ }
  }
  fail('no chromium on PATH: install Debian\'s chromium (scripts/setup.sh does)');
}

// The DevTools protocol over fds 3 (to the browser) and 4 (from it), NUL-terminated JSON.
class Browser {
  constructor() {
    this.profile = fs.mkdtempSync(path.join(os.tmpdir(), 'corridor-console-'));
    const flags = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                   '--no-first-run', '--no-default-browser-check', '--remote-debugging-pipe',
                   '--user-data-dir=' + this.profile, '--window-size=1400,1000', 'about:blank'];
    this.proc = spawn(findChromium(), flags, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    this.stderr = '';
    this.proc.stderr.on('data', d => { this.stderr = (this.stderr + d).slice(-4000); });
    this.proc.on('exit', code => {
      if (!this.closing) fail('chromium exited (' + code + ') before the checks ended: ' + this.stderr);
    });
    this.proc.on('error', e => fail('chromium could not be started: ' + e.message));
    // A browser that went away shows in 'exit'; a write to its closed pipe is not an error.
    this.proc.stdio[3].on('error', () => {});
    this.next = 1;
    this.pending = new Map();
    this.events = [];
    let buffer = '';
    this.proc.stdio[4].on('data', d => {
      buffer += d.toString();
      let end;
      while ((end = buffer.indexOf('\0')) >= 0) {
        const msg = JSON.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
        if (msg.id && this.pending.has(msg.id)) {
          const { resolve, reject, method } = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (msg.error) reject(new Error(method + ': ' + msg.error.message));
          else resolve(msg.result);
        } else if (msg.method) {
          this.events.push(msg);
        }
      }
    });
  }

  send(method, params, sessionId) {
    const id = this.next++;
    const msg = { id, method, params: params || {} };
    if (sessionId) msg.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(method + ': no answer in ' + TIMEOUT_MS + ' ms')),
                               TIMEOUT_MS);
      this.pending.set(id, {
        method,
        resolve: r => { clearTimeout(timer); resolve(r); },
        reject: e => { clearTimeout(timer); reject(e); },
      });
      this.proc.stdio[3].write(JSON.stringify(msg) + '\0');
    });
  }

  // Closes the browser (killed if it has not gone within 5 s) and removes its profile.
  async close() {
    this.closing = true;
    const gone = new Promise(resolve => {
      if (this.proc.exitCode !== null) return resolve();
      this.proc.on('exit', resolve);
      setTimeout(() => { this.proc.kill('SIGKILL'); resolve(); }, 5000).unref();
    });
    this.send('Browser.close').catch(() => {});
    await gone;
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}

// One tab: navigate, evaluate, wait for a condition, screenshot.
class Page {
  constructor(browser, sessionId) { this.b = browser; this.s = sessionId; }

  static async open(browser) {
    const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(browser, sessionId);
    await browser.send('Page.enable', {}, sessionId);
    await browser.send('Runtime.enable', {}, sessionId);
    await browser.send('Emulation.setDeviceMetricsOverride',
                       { width: 1400, height: 1000, deviceScaleFactor: 1, mobile: false }, sessionId);
    return page;
  }

  async eval(expression) {
    const r = await this.b.send('Runtime.evaluate',
      { expression, awaitPromise: true, returnByValue: true }, this.s);
    if (r.exceptionDetails) {
      throw new Error('in the page: ' + (r.exceptionDetails.exception ?
        r.exceptionDetails.exception.description : r.exceptionDetails.text));
    }
    return r.result.value;
  }

  async goto(url) { await this.b.send('Page.navigate', { url }, this.s); }

  // Polls `expression` until it is truthy; fails with `what` after `ms`.
  async waitFor(expression, what, ms) {
    const deadline = Date.now() + (ms || TIMEOUT_MS);
    let last;
    while (Date.now() < deadline) {
      try {
        last = await this.eval(expression);
        if (last) return last;
      } catch (e) { last = e.message; }
      await new Promise(r => setTimeout(r, 200));
    }
    fail(what + ' (last: ' + JSON.stringify(last) + ')');
  }

  async screenshot(name) {
    if (!args.screenshots) return;
    fs.mkdirSync(args.screenshots, { recursive: true });
    const { data } = await this.b.send('Page.captureScreenshot', { format: 'png' }, this.s);
    const file = path.join(args.screenshots, name + '.png');
    fs.writeFileSync(file, Buffer.from(data, 'base64'));
    console.log('screenshot: ' + file);
  }
}

const q = JSON.stringify;  // quotes a value into page JavaScript

async function overview(page) {
  await page.goto(args.base + '/console/#/overview');
  await page.waitFor(`document.body.dataset.ready === 'overview'`, 'the overview did not load');
  // Three polls at least: two rates per series.
  await page.waitFor(`[...document.querySelectorAll('.chart')].every(c => +c.dataset.points >= 3)`,
                     'the overview charts did not get 3 data points each', 20000);
  const max = await page.waitFor(`+document.getElementById('chart-throughput').dataset.max > 0 &&
    document.getElementById('chart-throughput').dataset.max`,
    'the payments chart shows no payment per second', 20000);
  const lines = await page.eval(`document.querySelectorAll('#chart-throughput canvas').length`);
  if (lines < 1) fail('the payments chart has no canvas');
  // The payments journal commands: the core's stages chart shows their waits.
  await page.waitFor(`+document.getElementById('chart-core').dataset.max > 0`,
                     'the core stages chart shows no wait', 20000);
  console.log('ok: overview charts have data points; payments/s peaks at ' + max);
  await page.screenshot('overview');
}

async function participants(page) {
  await page.goto(args.base + '/console/#/participants');
  const cell = `document.querySelector('tr[data-participant=${q(args.idle)}] td.available')`;
  await page.waitFor(cell, 'no row for ' + args.idle);
  const shown = await page.eval(`${cell}.textContent`);
  if (shown !== args.idle_available) {
    fail(args.idle + ' shows available ' + shown + ', the API says ' + args.idle_available);
  }
  const bars = await page.eval(`document.querySelectorAll('#positions .bar').length`);
  if (bars < 2) fail('the cap-used bars are missing');
  console.log('ok: ' + args.idle + ' available ' + shown + ' as the API says');
  await page.screenshot('participants');
  // A deposit through the form, as the operator would make it.
  await page.eval(`(() => {
    document.getElementById('liq-participant').value = ${q(args.idle)};
    document.getElementById('liq-currency').value = 'RUB';
    document.getElementById('liq-amount').value = ${q(args.deposit)};
    document.getElementById('liq-direction').value = 'deposit';
    document.getElementById('liq-submit').click();
  })()`);
  await page.waitFor(`document.body.dataset.lastAction`, 'the deposit got no answer');
  const status = await page.eval(`document.body.dataset.lastAction`);
  if (status !== '200') {
    fail('the deposit was refused: HTTP ' + status + ': ' +
         await page.eval(`document.getElementById('notice').textContent`));
  }
  const expected = (Math.round(Number(args.idle_available) * 100) +
                    Math.round(Number(args.deposit) * 100)) / 100;
  await page.waitFor(`${cell} && Number(${cell}.textContent) === ${expected}`,
                     'after the deposit ' + args.idle + ' should show ' + expected.toFixed(2));
  console.log('ok: deposit of ' + args.deposit + ' through the form: ' + args.idle + ' now shows ' +
              expected.toFixed(2));
  await page.screenshot('participants-after-deposit');
}

async function search(page) {
  await page.goto(args.base + '/console/#/search');
  await page.waitFor(`document.getElementById('search-query')`, 'the search page did not load');
  await page.eval(`(() => {
    document.getElementById('search-query').value = ${q(args.uetr)};
    document.querySelector('#search-form button').click();
  })()`);
  const status = await page.waitFor(
    `document.querySelector('#payment[data-uetr=${q(args.uetr)}]')?.dataset.status`,
    'payment ' + args.uetr + ' not found by its UETR');
  const events = await page.eval(`document.querySelectorAll('#payment-events tr').length - 1`);
  const transfers = await page.eval(`document.querySelectorAll('#payment-transfers tr').length - 1`);
  const text = await page.eval(`document.getElementById('payment').textContent`);
  if (events < 2) fail('the payment shows ' + events + ' events');
  if (transfers < 1) fail('the payment shows no ledger transfer');
  if (!text.includes('pacs.008')) fail('the payment\'s messages do not include its pacs.008');
  if (status !== args.uetr_status) fail('the payment shows ' + status + ', expected ' + args.uetr_status);
  console.log('ok: payment ' + args.uetr + ' found: ' + status + ', ' + events + ' events, ' +
              transfers + ' transfers');
  await page.screenshot('search');
  if (args.end_to_end_id) {
    await page.eval(`(() => {
      document.getElementById('search-query').value = ${q(args.end_to_end_id)};
      document.querySelector('#search-form button').click();
    })()`);
    await page.waitFor(`document.querySelector('#payment[data-uetr=${q(args.uetr)}] .field-end-to-end-id')?.textContent === ${q(args.end_to_end_id)}`,
                       'payment not found by its end-to-end id ' + args.end_to_end_id);
    console.log('ok: the same payment found by its end-to-end id');
  }
}

async function windows(page) {
  await page.goto(args.base + '/console/#/windows');
  const seen = await page.waitFor(`document.body.dataset.ready === 'windows' &&
    (document.querySelector('#windows tr[data-window]') ? 'windows' :
     document.getElementById('windows-unavailable') ? 'unavailable' : '')`,
    'the settlement windows page shows neither windows nor why not');
  if (seen === 'unavailable' && args.windows_required) {
    fail('settlement windows unavailable: ' +
         await page.eval(`document.getElementById('windows-unavailable').textContent`));
  }
  if (seen !== 'windows') {
    console.log('ok: settlement windows page says the routes are not there yet');
    return page.screenshot('windows');
  }
  const states = await page.eval(`[...document.querySelectorAll('#windows tr[data-window]')].map(r => r.dataset.state)`);
  if (!states.includes('open')) fail('no open window listed: ' + states.join(','));
  console.log('ok: settlement windows listed: ' + states.join(', '));
  // Close the open window with the button, open it, and settle every entry.
  const id = await page.eval(`document.querySelector('#windows tr[data-state=open]').dataset.window`);
  await page.eval(`document.getElementById('close-window').click()`);
  const row = `document.querySelector('#windows tr[data-window="${id}"]')`;
  await page.waitFor(`${row}?.dataset.state === 'closed'`, 'window ' + id + ' did not close');
  await page.eval(`${row}.querySelector('a').click()`);
  const entries = await page.waitFor(`document.querySelectorAll('#window-entries tr[data-participant]').length`,
                                     'window ' + id + ' shows no entries');
  const net = await page.eval(`document.querySelector('#window-entries tr[data-participant=${q(args.payer)}] td.num')?.textContent`);
  if (!(Number(net) < 0)) fail(args.payer + ' should owe in window ' + id + ', its net shows ' + net);
  console.log('ok: window ' + id + ' closed through the console: ' + entries + ' entries, ' +
              args.payer + ' net ' + net);
  await page.screenshot('window-closed');
  await page.eval(`(() => {
    document.getElementById('settle-reference').value = 'CBR-CONSOLE-1';
    document.getElementById('settle-all').click();
  })()`);
  await page.waitFor(`${row}?.dataset.state === 'settled'`, 'window ' + id + ' did not settle: ' +
                     'last notice: ' + await page.eval(`document.getElementById('notice').textContent`));
  console.log('ok: window ' + id + ' settled through the console');
  await reports(page, id);
  await page.screenshot('windows');
}

// The closed window's report downloads: links in its row of the list and, for each of its
// entries, in its detail; a statement fetched by the page's own code (with the token) is a
// camt.053, and a click saves the CSV as a file.
async function reports(page, id) {
  const row = `document.querySelector('#windows tr[data-window="${id}"]')`;
  await page.waitFor(`${row}?.querySelector('a.report[data-format=agent]') &&
    ${row}.querySelector('a.report[data-format=reconciliation]')`,
    'window ' + id + ' has no report links in the list');
  const links = await page.waitFor(`document.querySelectorAll('#report-links a.report').length`,
                                   'window ' + id + ' shows no report links');
  const entries = await page.eval(`document.querySelectorAll('#window-entries tr[data-participant]').length`);
  const xmlLinks = await page.eval(`document.querySelectorAll('#report-links a.report[data-format=xml]').length`);
  if (xmlLinks !== entries) fail(xmlLinks + ' statement links for ' + entries + ' entries');
  // The agents' report per currency of the entries, each a link (not its address as text).
  const agents = await page.eval(`[...document.querySelectorAll('#window-reports a.report[data-format=agent][data-currency]')]
    .map(a => a.dataset.currency + '=' + a.textContent).join(',')`);
  if (!agents.includes('RUB=RUB CSV')) fail('no agents\' RUB link in the reports: ' + agents);
  if ((await page.eval(`document.getElementById('window-reports').textContent`)).includes('http')) {
    fail('the reports section shows an address as text');
  }
  const link = `document.querySelector('#report-links a.report[data-format=xml][data-participant=${q(args.payer)}]')`;
  const got = await page.waitFor(`${link} && fetchReport(${link}.getAttribute('href')).then(async r =>
    ({ status: r.status, type: r.type, filename: r.filename, text: await r.blob.text() }))`,
    'no statement link for ' + args.payer);
  if (got.status !== 200) fail('the statement download got HTTP ' + got.status + ': ' + got.text);
  if (!got.text.startsWith('<?xml') || !got.text.includes('camt.053.001.08')) {
    fail('the statement download is not a camt.053: ' + got.text.slice(0, 200));
  }
  if (got.type !== 'application/xml') fail('the statement came as ' + got.type);
  if (!got.text.includes('<MsgId>STMT-W' + id + '-')) fail('the statement is not of window ' + id);
  // The token is what lets it through: the same request without it is refused.
  const bare = await page.eval(`fetch(${link}.getAttribute('href')).then(r => r.status)`);
  if (bare !== 401) fail('a report without the admin token got ' + bare + ', not 401');
  console.log('ok: window ' + id + ' offers ' + links + ' report links; ' + got.filename + ' is a camt.053 (' +
              got.text.length + ' bytes)');
  // A click on a link saves the file (the browser's download, through the object URL).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corridor-downloads-'));
  try {
    await page.b.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir });
    const csv = `document.querySelector('#report-links a.report[data-format=csv][data-participant=${q(args.payer)}]')`;
    await page.eval(`${csv}.click()`);
    const name = await page.waitFor(`document.body.dataset.lastDownload?.endsWith('.csv') &&
      document.body.dataset.lastDownload`, 'the CSV link did not download');
    const file = path.join(dir, name);
    const deadline = Date.now() + 10000;
    while (!fs.existsSync(file) && Date.now() < deadline) await new Promise(r => setTimeout(r, 100));
    if (!fs.existsSync(file)) fail('the browser saved no ' + name + ' (in ' + dir + ': ' + fs.readdirSync(dir) + ')');
    const text = fs.readFileSync(file, 'utf8');
    if (!text.startsWith('record,window,participant,currency,') || !text.includes('\nCLBD,' + id + ',')) {
      fail(name + ' is not the statement CSV: ' + text.slice(0, 200));
    }
    console.log('ok: a click saved ' + name + ' (' + text.split('\n').length + ' lines)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await page.eval(`document.getElementById('window-reports').scrollIntoView()`);
  await page.screenshot('window-reports');
  await page.eval(`window.scrollTo(0, 0)`);
}

async function queues(page) {
  await page.goto(args.base + '/console/#/queues');
  const rows = await page.waitFor(`+document.getElementById('queue-table')?.dataset.rows >= ${args.participants} &&
    document.getElementById('queue-table').dataset.rows`,
    'the queues page lists fewer than ' + args.participants + ' participants', 10000);
  console.log('ok: queues of ' + rows + ' participants');
  await page.screenshot('queues');
}

// A write forged the way another site's page could (no custom header) is refused.
async function forged(page) {
  const status = await page.eval(`fetch('/v1/participants/${args.idle}/suspend', {method: 'POST',
    headers: {'Authorization': 'Bearer ' + ${q(args.token || '')}}}).then(r => r.status)`);
  if (status !== 403) fail('a write without X-Corridor-Request got ' + status + ', not 403');
  console.log('ok: a write without the custom header is refused (403)');
}

async function main() {
  const browser = new Browser();
  activeBrowser = browser;
  const page = await Page.open(browser);
  // The token, pasted once into the header field; kept in sessionStorage for the tab.
  await page.goto(args.base + '/console/');
  await page.waitFor(`document.body && document.body.dataset.ready`, 'the console did not load');
  if (args.token) {
    await page.eval(`(() => {
      document.getElementById('token').value = ${q(args.token)};
      document.querySelector('#token-form button').click();
    })()`);
    await page.waitFor(`sessionStorage.getItem('corridor-admin-token') === ${q(args.token)}`,
                       'the token was not kept');
  }
  await overview(page);
  await participants(page);
  await search(page);
  await windows(page);
  await queues(page);
  await forged(page);
  await browser.close();
  console.log('all console checks passed');
  process.exit(0);
}

setTimeout(() => fail('the console checks took over 50 s'), 50000).unref();
main().catch(e => fail(e.stack || e.message));
