// The direct-upload page's logic: asks cos-sign-server for a signed PUT (/put-auth), a POST
// policy (/post-policy) or temporary keys (/sts, handed to cos-js-sdk-v5's getAuthorization),
// uploads the chosen file straight to COS with progress, and shows the key, the ETag and the
// CRC64 read back from COS's response headers (the bucket's CORS rules must expose them).
// `window.cosrs.upload(way)` is what the buttons call; the browser test calls it too.
'use strict';

const $ = (id) => document.getElementById(id);
const configLoaded = fetch('/config.json').then((r) => r.json());

// The token comes from the field, or once from the URL fragment (#token=…), never sent in a URL.
(function tokenFromFragment() {
  const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (m) {
    $('token').value = decodeURIComponent(m[1]);
    history.replaceState(null, '', location.pathname);
  }
})();

configLoaded.then((c) => {
  $('target').textContent = `bucket ${c.bucket} (${c.region}) at ${c.protocol}//${c.domain}` +
    (c.forcePathStyle ? ' (path style)' : '') + ` · page origin ${location.origin}` +
    (c.jsSdk ? '' : ' · cos-js-sdk-v5 not served (start with --js-sdk)');
}, (e) => { $('target').textContent = `cannot read /config.json: ${e}`; });

function extOf(file) {
  const dot = file.name.lastIndexOf('.');
  return dot < 0 ? '' : file.name.slice(dot + 1).toLowerCase();
}

async function ask(path, params) {
  const query = new URLSearchParams(params).toString();
  const r = await fetch(`${path}?${query}`, { headers: { Authorization: `Bearer ${$('token').value}` } });
  const text = await r.text();
  if (!r.ok) throw new Error(`${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

// One table row per upload; returns setters for its cells.
function addRow(way, file) {
  const tr = document.createElement('tr');
  const cell = (cls) => { const td = document.createElement('td'); td.className = cls; tr.appendChild(td); return td; };
  cell('way').textContent = way;
  cell('file').textContent = `${file.name} (${file.size} B)`;
  const bar = document.createElement('progress');
  bar.max = 1; bar.value = 0;
  const pct = document.createElement('span');
  const p = cell('progress'); p.append(bar, ' ', pct);
  const key = cell('key'), etag = cell('etag'), crc = cell('crc'), result = cell('result');
  $('uploads').querySelector('tbody').appendChild(tr);
  return {
    progress(f) { bar.value = f; pct.textContent = `${Math.round(f * 100)}%`; },
    keyValue: null,
    key(k) { this.keyValue = k; key.textContent = k; },
    done(r) {
      etag.textContent = r.etag || '';
      crc.textContent = r.crc64 || '';
      result.textContent = r.ok ? `${r.status} OK` : `failed: ${r.error}`;
      result.className = r.ok ? 'result ok' : 'result failed';
    },
  };
}

// An XHR (fetch has no upload progress) that resolves with what COS answered.
function send(method, url, headers, body, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open(method, url);
    for (const [k, v] of Object.entries(headers)) x.setRequestHeader(k, v);
    x.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    x.onload = () => resolve({
      status: x.status,
      etag: x.getResponseHeader('ETag'),
      crc64: x.getResponseHeader('x-cos-hash-crc64ecma'),
      text: x.responseText,
    });
    // Status 0: the preflight was refused or the answer lacked Access-Control-Allow-Origin.
    x.onerror = () => reject(new Error('blocked by CORS or a network error (status 0)'));
    x.send(body);
  });
}

function outcome(answer) {
  const ok = answer.status >= 200 && answer.status < 300;
  return { ok, status: answer.status, etag: answer.etag, crc64: answer.crc64,
           error: ok ? null : `${answer.status} ${answer.text.slice(0, 200)}` };
}

async function viaPut(file, row) {
  const a = await ask('/put-auth', { ext: extOf(file), size: file.size });
  row.key(a.cosKey);
  const headers = { Authorization: a.authorization };
  if (a.securityToken) headers['x-cos-security-token'] = a.securityToken;
  return { key: a.cosKey, ...outcome(await send('PUT', a.url, headers, file, row.progress)) };
}

async function viaPost(file, row) {
  const a = await ask('/post-policy', { ext: extOf(file) });
  row.key(a.cosKey);
  const form = new FormData();
  form.append('key', a.cosKey);
  form.append('policy', a.policy);
  form.append('q-sign-algorithm', a.qSignAlgorithm);
  form.append('q-ak', a.qAk);
  form.append('q-key-time', a.qKeyTime);
  form.append('q-signature', a.qSignature);
  if (a.securityToken) form.append('x-cos-security-token', a.securityToken);
  form.append('file', file); // the file goes last: COS ignores fields after it
  return { key: a.cosKey, ...outcome(await send('POST', a.url, {}, form, row.progress)) };
}

// cos-js-sdk-v5: getAuthorization fetches /sts (once: the keys cover this upload's key, or the
// server's prefix). `keyOverride` uploads elsewhere, which the keys' policy must refuse.
async function viaSdk(file, row, keyOverride) {
  if (typeof COS !== 'function') throw new Error('cos-js-sdk-v5 is not loaded');
  const c = await configLoaded;
  const sts = ask('/sts', { ext: extOf(file) });
  const cos = new COS({
    Protocol: c.protocol,
    Domain: c.domain,
    ForcePathStyle: c.forcePathStyle,
    getAuthorization(_options, callback) {
      sts.then((a) => callback({
        TmpSecretId: a.TmpSecretId, TmpSecretKey: a.TmpSecretKey, SecurityToken: a.SecurityToken,
        StartTime: a.StartTime, ExpiredTime: a.ExpiredTime,
      }), (e) => callback({ error: e }));
    },
  });
  const a = await sts;
  const random = Math.random().toString(36).slice(2, 12);
  const key = keyOverride || a.key || `${a.prefix}${random}.${extOf(file)}`;
  row.key(key);
  return new Promise((resolve) => {
    cos.uploadFile({
      Bucket: a.bucket || c.bucket, Region: a.region || c.region, Key: key, Body: file,
      SliceSize: 1024 * 1024, ChunkSize: 1024 * 1024,
      onProgress: (info) => row.progress(info.percent || 0),
    }, (err, data) => {
      if (err) {
        resolve({ key, ok: false, status: err.statusCode || 0,
                  error: `${err.statusCode || ''} ${err.code || ''} ${err.message || JSON.stringify(err)}`.trim() });
        return;
      }
      const h = data.headers || {};
      resolve({ key, ok: true, status: data.statusCode, etag: data.ETag || h.etag,
                crc64: h['x-cos-hash-crc64ecma'] || null, error: null });
    });
  });
}

const ways = { put: viaPut, post: viaPost, sdk: viaSdk };

async function upload(way, keyOverride) {
  const file = $('file').files[0];
  if (!file) throw new Error('choose a file first');
  const row = addRow(keyOverride ? `${way} (outside its scope)` : way, file);
  let r;
  try {
    r = await ways[way](file, row, keyOverride);
  } catch (e) {
    r = { key: row.keyValue, ok: false, status: 0, error: String(e.message || e) };
  }
  if (r.ok) row.progress(1);
  row.done(r);
  return { way, name: file.name, size: file.size, ...r };
}

for (const way of Object.keys(ways)) {
  $(way).addEventListener('click', () => { upload(way); });
}

window.cosrs = { upload };
