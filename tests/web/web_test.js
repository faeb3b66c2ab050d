// Browser test of the moodtune web page: starts `moodtune serve` on a free port, feeds
// headless Debian Chromium's fake camera a 640x480 clip made from a face photo, clicks
// Capture and checks that an emotion, seven bars and five tracks appear; then checks
// like/skip, the keyboard shortcut and a phone-sized layout. Screenshots go to --artifacts.
// Exit 0 pass, 1 fail, 77 skipped (no playwright-core or no chromium).
'use strict';

const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

function args() {
  const out = {};
  const a = process.argv.slice(2);
  for (let i = 0; i + 1 < a.length; i += 2) out[a[i].replace(/^--/, '')] = a[i + 1];
  for (const k of ['moodtune', 'fixture', 'photo', 'source', 'artifacts']) {
    if (!out[k]) { console.error(`web_test: missing --${k}`); process.exit(2); }
  }
  return out;
}

const CHROMIUM = '/usr/bin/chromium';

// A skip is a failure under CI=true: CI must never pass by skipping.
function skip(why) {
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  console.log('web_test: ' + (ci ? 'FAIL (CI=true, cannot skip): ' : 'SKIP: ') + why);
  process.exit(ci ? 1 : 77);
}

function assert(cond, msg) {
  if (!cond) throw new Error('assertion failed: ' + msg);
}

// Starts the service and resolves with its base URL once /readyz says ready.
async function startServer(o, tmp) {
  const env = {
    ...process.env,
    MOODTUNE_FACE_MODEL: path.join(o.source, 'models/blazeface/face_detection_back_256x256_barracuda.onnx'),
    MOODTUNE_EMOTION_MODEL: path.join(o.source, 'models/emotion/emotion.onnx'),
    MOODTUNE_DB: path.join(tmp, 'web_test.db'),
  };
  const proc = spawn(o.moodtune, ['serve', '--host', '127.0.0.1', '--port', '0'],
                     { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start:\n' + log)), 30000);
    proc.stderr.on('data', (d) => {
      log += d.toString();
      const m = log.match(/serving on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => reject(new Error('server exited with ' + code + ':\n' + log)));
  });
  const deadline = Date.now() + 60000;
  for (;;) {
    try {
      const r = await fetch(url + '/readyz');
      if (r.ok) break;
      const body = await r.json();
      if (body.error && body.error.code === 'models_failed') throw new Error(body.error.message);
    } catch (e) {
      if (String(e.message).includes('model')) throw e;
    }
    if (Date.now() > deadline) throw new Error('server never became ready:\n' + log);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, url };
}

async function main() {
  const o = args();
  let chromium;
  try {
    ({ chromium } = require(path.join(__dirname, 'node_modules', 'playwright-core')));
  } catch (e) {
    skip('playwright-core missing: run `npm ci` in tests/web (scripts/setup.sh does)');
  }
  if (!fs.existsSync(CHROMIUM)) skip(CHROMIUM + ' missing: apt-get install chromium');
  if (!fs.existsSync(o.photo)) skip(o.photo + ' missing: apt-get install libdlib-dev');

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moodtune-web-'));
  const y4m = path.join(tmp, 'face.y4m');
  execFileSync(o.fixture, [o.photo, '--y4m', y4m, '--frames', '10']);
  fs.mkdirSync(o.artifacts, { recursive: true });

  const { proc, url } = await startServer(o, tmp);
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
             '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
             '--use-file-for-fake-video-capture=' + y4m],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['camera'], { origin: url });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    // No request may leave the local service (no CDN).
    const external = [];
    page.on('request', (r) => { if (!r.url().startsWith(url) && !r.url().startsWith('data:') &&
                                    !r.url().startsWith('blob:')) external.push(r.url()); });

    await page.goto(url + '/');
    await page.click('#capture');
    await page.waitForSelector('#tracks li.track', { timeout: 60000 });
    await page.waitForFunction(() => document.querySelectorAll('#tracks li.track').length === 5);
    const emotion = (await page.textContent('#emotion')).trim();
    const emotions = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'];
    assert(emotions.includes(emotion), 'emotion shown: "' + emotion + '"');
    assert(await page.locator('#bars meter').count() === 7, 'seven probability bars');
    const sum = await page.$$eval('#bars meter', (ms) => ms.reduce((s, m) => s + m.value, 0));
    assert(Math.abs(sum - 1) < 0.01, 'bars sum to 1, got ' + sum);
    await page.waitForFunction(() => document.getElementById('annotated').naturalWidth > 0);
    const links = await page.$$eval('#tracks a.track-title', (as) => as.map((a) => a.href));
    assert(links.length === 5 && links.every((h) => h.startsWith('https://')), 'track links');
    const withPreview = await page.$$eval('#tracks li.track', (lis) =>
      lis.filter((li) => li.querySelector('audio')).length);
    console.log(`web_test: emotion ${emotion}, ${links.length} tracks, ${withPreview} with previews`);
    await page.screenshot({ path: path.join(o.artifacts, 'web_page.png'), fullPage: true });

    const visibleSkips = await page.$$eval('#tracks button.skip', (bs) =>
      bs.filter((b) => b.getBoundingClientRect().left >= 0 && b.offsetParent !== null).length);
    assert(visibleSkips === 5, 'a visible skip button per track, got ' + visibleSkips);
    // Like the first track: the server records it and the button shows it.
    await page.click('#tracks li.track:first-child button.like');
    await page.waitForSelector('#tracks li.track:first-child button.like[aria-pressed="true"]');

    // Keyboard: focus lands on the results and "c" captures again.
    await page.focus('body');
    await page.keyboard.press('c');
    await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Done'));
    const focusable = await page.$$eval('button, select, input, a[href]', (els) =>
      els.filter((e) => e.tabIndex >= 0).length);
    assert(focusable >= 5, 'controls are keyboard-focusable');

    // Phone screen: no horizontal scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() =>
      document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 1, 'no horizontal overflow on a phone, got ' + overflow + ' px');
    await page.screenshot({ path: path.join(o.artifacts, 'web_page_phone.png'), fullPage: true });

    assert(external.length === 0, 'requests outside the service: ' + external.join(', '));
    assert(errors.length === 0, 'page errors: ' + errors.join('; '));
    console.log('web_test: PASS (screenshots in ' + o.artifacts + ')');
  } finally {
    if (browser) await browser.close();
    proc.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error('web_test: FAIL: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
