// Drives the signing server's direct-upload page in headless Chromium (puppeteer-core over the
// DevTools protocol, with Debian's chromium: no browser download). `cargo xtask browser` starts
// the emulator and the signing server, then runs this with:
//   BROWSER_CHROMIUM     the chromium binary
//   BROWSER_PAGE_URL     the page on an origin the bucket's CORS rules allow (#token=… included)
//   BROWSER_BLOCKED_URL  the same page on an origin the rules do not allow
//   BROWSER_FILES        JSON list of file paths to upload
//   BROWSER_SCREENSHOT   where to save the screenshot taken after the uploads
//   BROWSER_RESULTS      where to write what the page reported (JSON)
// Every file goes up three ways (PUT /put-auth, form POST /post-policy, cos-js-sdk-v5 with
// /sts keys); then the SDK tries a key outside its keys' scope, and the page on the other
// origin tries a PUT. This script only records; the xtask checks the objects through cos-rs.
'use strict';

const fs = require('fs');
const puppeteer = require('puppeteer-core');

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

async function openPage(browser, url, log) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  page.on('console', (m) => log.push(`[console.${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.cosrs && !document.getElementById('target').textContent.startsWith('loading'));
  return page;
}

async function upload(page, file, way, keyOverride) {
  const input = await page.$('#file');
  await input.uploadFile(file);
  return page.evaluate((w, k) => window.cosrs.upload(w, k), way, keyOverride || null);
}

async function main() {
  const files = JSON.parse(env('BROWSER_FILES'));
  const log = [];
  const browser = await puppeteer.launch({
    executablePath: env('BROWSER_CHROMIUM'),
    headless: true,
    // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const results = { uploads: [], outsideScope: null, blocked: null, log };
  try {
    const page = await openPage(browser, env('BROWSER_PAGE_URL'), log);
    for (const file of files) {
      for (const way of ['put', 'post', 'sdk']) {
        const r = await upload(page, file, way);
        results.uploads.push({ path: file, ...r });
        console.log(`${way.padEnd(4)} ${r.name} ${r.size} B -> ${r.ok ? 'ok' : 'FAILED'} ${r.key || ''} ${r.error || ''}`);
      }
    }
    results.outsideScope = await upload(page, files[0], 'sdk', `outside-scope/${Date.now()}.jpg`);
    console.log(`sdk outside its scope -> ${results.outsideScope.ok ? 'ok (WRONG)' : results.outsideScope.error}`);
    await page.screenshot({ path: env('BROWSER_SCREENSHOT'), fullPage: true });
    const other = await openPage(browser, env('BROWSER_BLOCKED_URL'), log);
    results.blocked = await upload(other, files[0], 'put');
    results.blocked.origin = await other.evaluate(() => location.origin);
    console.log(`put from ${results.blocked.origin} -> ${results.blocked.ok ? 'ok (WRONG)' : results.blocked.error}`);
  } finally {
    await browser.close();
    fs.writeFileSync(env('BROWSER_RESULTS'), JSON.stringify(results, null, 2));
  }
}

main().catch((e) => {
  console.error(`drive.js: ${e.stack || e}`);
  process.exit(1);
});
